package org.quantlens.onnx;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.ModelLoadException;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.proto.Onnx.AttributeProto;
import org.quantlens.onnx.proto.Onnx.GraphProto;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.NodeProto;
import org.quantlens.onnx.proto.Onnx.OperatorSetIdProto;
import org.quantlens.onnx.proto.Onnx.SparseTensorProto;
import org.quantlens.onnx.proto.Onnx.TensorProto;
import org.quantlens.onnx.proto.Onnx.TensorShapeProto;
import org.quantlens.onnx.proto.Onnx.TypeProto;
import org.quantlens.onnx.proto.Onnx.ValueInfoProto;

/**
 * Reads an ONNX model into an engine {@link Graph}: nodes with all their attributes (subgraphs
 * recursively, up to {@link #MAX_SUBGRAPH_DEPTH} levels), initializers (raw or typed data, sparse,
 * or external files inside the model's folder), opset imports, and the declared types of inputs,
 * outputs and intermediate values.
 *
 * <p>Nothing in the file is trusted: sizes are checked before allocating, every node input must be
 * produced by something, and every failure is a {@link ModelLoadException} whose message names the
 * file, the node or tensor, and what was expected.
 *
 * <pre>{@code
 * Graph g = OnnxReader.read(Path.of("model.onnx"));
 * }</pre>
 */
public final class OnnxReader {
  /**
   * How deeply graph attributes (If, Loop, Scan bodies) may nest. Below protobuf's own nesting limit
   * (100 messages, about 32 graph levels), so this clearer error comes first.
   */
  public static final int MAX_SUBGRAPH_DEPTH = 16;

  private final String source;
  private final Path baseDir;
  private final Map<String, Integer> opsets = new LinkedHashMap<>();

  private OnnxReader(String source, Path baseDir) {
    this.source = source;
    this.baseDir = baseDir;
  }

  /** Reads a model file; external data is looked up in the file's folder. */
  public static Graph read(Path model) {
    return convert(parse(model), model.toString(), folderOf(model));
  }

  /**
   * Reads a model from memory.
   *
   * @param sourceName names the model in error messages
   * @param baseDirForExternalData folder holding external tensor data, or null to refuse it
   */
  public static Graph read(byte[] bytes, String sourceName, Path baseDirForExternalData) {
    return convert(parse(bytes, sourceName), sourceName, baseDirForExternalData);
  }

  /** Converts an already parsed model (see {@link #parse(Path)}). */
  public static Graph convert(ModelProto model, String sourceName, Path baseDirForExternalData) {
    OnnxReader r = new OnnxReader(sourceName, baseDirForExternalData);
    try {
      return r.model(model);
    } catch (ModelLoadException e) {
      throw e;
    } catch (QuantLensException e) {
      throw new ModelLoadException(sourceName + ": " + e.getMessage(), e);
    } catch (RuntimeException | StackOverflowError e) {
      throw new ModelLoadException(sourceName + ": cannot convert the model (" + e + ")", e);
    }
  }

  /** Parses a model file without converting it. */
  public static ModelProto parse(Path model) {
    byte[] bytes;
    try {
      if (!Files.isRegularFile(model)) {
        throw new ModelLoadException(model + ": no such model file");
      }
      long size = Files.size(model);
      if (size > Integer.MAX_VALUE - 8) {
        throw new ModelLoadException(model + ": file of " + size
            + " bytes exceeds the 2 GB protobuf limit (large models keep weights as external data)");
      }
      bytes = Files.readAllBytes(model);
    } catch (IOException e) {
      throw new ModelLoadException(model + ": cannot read (" + e + ")", e);
    }
    return parse(bytes, model.toString());
  }

  /** Parses model bytes without converting them; a non-ONNX input is a clean error. */
  public static ModelProto parse(byte[] bytes, String sourceName) {
    ModelProto m;
    try {
      // Aliasing lets raw_data point into `bytes` instead of copying every weight once more.
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.enableAliasing(true);
      m = ModelProto.parseFrom(in);
    } catch (IOException e) { // InvalidProtocolBufferException; nothing else reads from memory
      throw new ModelLoadException(sourceName + ": not an ONNX model (protobuf parse failed: "
          + e.getMessage() + ")", e);
    } catch (RuntimeException | StackOverflowError e) {
      throw new ModelLoadException(sourceName + ": not an ONNX model (protobuf parse failed: " + e + ")", e);
    }
    if (!m.hasGraph() || m.getIrVersion() <= 0) {
      throw new ModelLoadException(sourceName + ": not an ONNX model ("
          + (m.hasGraph() ? "no IR version" : "no graph") + ")");
    }
    return m;
  }

  private static Path folderOf(Path model) {
    Path parent = model.toAbsolutePath().getParent();
    return parent == null ? model.toAbsolutePath().getRoot() : parent;
  }

  private Graph model(ModelProto m) {
    for (OperatorSetIdProto o : m.getOpsetImportList()) {
      String d = o.getDomain().equals("ai.onnx") ? "" : o.getDomain();
      long v = o.getVersion();
      if (v < 1 || v > Integer.MAX_VALUE) {
        throw fail("opset import for domain '" + d + "' has invalid version " + v);
      }
      opsets.merge(d, (int) v, Math::max);
    }
    if (m.getOpsetImportCount() == 0) {
      opsets.put("", 1); // IR versions before 3 had no opset imports: opset 1 is implied
    }
    return graph(m.getGraph(), Set.of(), 0, "");
  }

  /**
   * Converts one graph.
   *
   * @param outer names visible from enclosing graphs
   * @param scope "" for the main graph, else a prefix naming the enclosing node and attribute
   */
  private Graph graph(GraphProto gp, Set<String> outer, int depth, String scope) {
    Graph g = new Graph(gp.getName());
    g.opsets().putAll(opsets);
    for (TensorProto t : gp.getInitializerList()) {
      String what = scope + "initializer '" + t.getName() + "'";
      if (t.getName().isEmpty()) {
        throw fail(scope + "an initializer has no name");
      }
      if (g.initializers().put(t.getName(), TensorProtos.toTensor(t, source + ": " + what, baseDir)) != null) {
        throw fail(what + " is defined twice");
      }
    }
    for (SparseTensorProto sp : gp.getSparseInitializerList()) {
      String name = sp.getValues().getName();
      String what = scope + "sparse initializer '" + name + "'";
      if (name.isEmpty()) {
        throw fail(scope + "a sparse initializer has no name");
      }
      if (g.initializers().put(name, TensorProtos.densify(sp, source + ": " + what, baseDir)) != null) {
        throw fail(what + " is defined twice");
      }
    }
    Set<String> seenInputs = new HashSet<>();
    for (ValueInfoProto v : gp.getInputList()) {
      if (!seenInputs.add(v.getName())) {
        throw fail(scope + "input '" + v.getName() + "' is listed twice");
      }
      if (!g.initializers().containsKey(v.getName())) {
        g.inputs().add(value(v, scope + "input '" + v.getName() + "'", true));
      }
    }
    for (ValueInfoProto v : gp.getOutputList()) {
      g.outputs().add(value(v, scope + "output '" + v.getName() + "'", true));
    }
    for (ValueInfoProto v : gp.getValueInfoList()) {
      Value val = value(v, scope + "value '" + v.getName() + "'", false);
      if (val != null) {
        g.valueInfo().put(v.getName(), val);
      }
    }
    // Names visible to subgraphs: everything the outer graphs see plus this graph's values.
    Set<String> visible = new HashSet<>(outer);
    visible.addAll(g.initializers().keySet());
    g.inputs().forEach(v -> visible.add(v.name()));
    for (NodeProto np : gp.getNodeList()) {
      visible.addAll(np.getOutputList());
    }
    for (NodeProto np : gp.getNodeList()) {
      g.nodes().add(node(np, visible, depth, scope));
    }
    checkWiring(g, outer, scope);
    return g;
  }

  /** Every node input and graph output must come from somewhere, and there must be no cycle. */
  private void checkWiring(Graph g, Set<String> outer, String scope) {
    try {
      g.topologicalOrder(outer);
    } catch (ModelLoadException e) {
      throw new ModelLoadException(source + ": " + scope + e.getMessage(), e);
    }
    Set<String> produced = new HashSet<>(outer);
    produced.addAll(g.initializers().keySet());
    g.inputs().forEach(v -> produced.add(v.name()));
    g.nodes().forEach(n -> produced.addAll(n.outputs()));
    for (Value o : g.outputs()) {
      if (o.name().isEmpty() || !produced.contains(o.name())) {
        throw fail(scope + "output '" + o.name() + "' is produced by no node, input or initializer");
      }
    }
  }

  private Node node(NodeProto np, Set<String> visible, int depth, String scope) {
    String label = scope + "node '" + (np.getName().isEmpty() ? np.getOutputCount() > 0
        ? np.getOutput(0) : "?" : np.getName()) + "' (" + np.getOpType() + ")";
    if (np.getOpType().isEmpty()) {
      throw fail(label + " has no op_type");
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    for (AttributeProto a : np.getAttributeList()) {
      String what = label + " attribute '" + a.getName() + "'";
      if (a.getName().isEmpty()) {
        throw fail(label + " has an attribute without a name");
      }
      if (attrs.put(a.getName(), attribute(a, what, visible, depth)) != null) {
        throw fail(what + " is given twice");
      }
    }
    return new Node(np.getName(), np.getOpType(), np.getDomain(), np.getInputList(),
        np.getOutputList(), attrs);
  }

  private Attribute attribute(AttributeProto a, String what, Set<String> visible, int depth) {
    if (!a.getRefAttrName().isEmpty()) {
      throw fail(what + " refers to function attribute '" + a.getRefAttrName()
          + "', which is only allowed inside a function body");
    }
    AttributeProto.AttributeType type = a.hasType() ? a.getType() : guessType(a);
    String at = source + ": " + what;
    switch (type) {
      case FLOAT: return Attribute.of(a.getF());
      case INT: return Attribute.of(a.getI());
      case STRING: return Attribute.of(a.getS().toString(StandardCharsets.UTF_8));
      case TENSOR: return Attribute.of(TensorProtos.toTensor(a.getT(), at, baseDir));
      case SPARSE_TENSOR: return Attribute.of(TensorProtos.densify(a.getSparseTensor(), at, baseDir));
      case GRAPH: return Attribute.of(subgraph(a.getG(), what, visible, depth));
      case FLOATS: {
        float[] f = new float[a.getFloatsCount()];
        for (int i = 0; i < f.length; i++) {
          f[i] = a.getFloats(i);
        }
        return Attribute.of(f);
      }
      case INTS: {
        long[] l = new long[a.getIntsCount()];
        for (int i = 0; i < l.length; i++) {
          l[i] = a.getInts(i);
        }
        return Attribute.of(l);
      }
      case STRINGS: {
        List<String> s = new ArrayList<>();
        a.getStringsList().forEach(b -> s.add(b.toString(StandardCharsets.UTF_8)));
        return Attribute.ofStrings(s);
      }
      case TENSORS: {
        List<Tensor> ts = new ArrayList<>();
        for (int i = 0; i < a.getTensorsCount(); i++) {
          ts.add(TensorProtos.toTensor(a.getTensors(i), at + " tensor #" + i, baseDir));
        }
        return Attribute.ofTensors(ts);
      }
      default:
        throw fail(what + " has kind " + type + ", which QuantLens does not support");
    }
  }

  /** IR version 1 attributes carry no type: it follows from the one field that is set. */
  private static AttributeProto.AttributeType guessType(AttributeProto a) {
    if (a.hasF()) {
      return AttributeProto.AttributeType.FLOAT;
    } else if (a.hasI()) {
      return AttributeProto.AttributeType.INT;
    } else if (a.hasS()) {
      return AttributeProto.AttributeType.STRING;
    } else if (a.hasT()) {
      return AttributeProto.AttributeType.TENSOR;
    } else if (a.hasG()) {
      return AttributeProto.AttributeType.GRAPH;
    } else if (a.hasSparseTensor()) {
      return AttributeProto.AttributeType.SPARSE_TENSOR;
    } else if (a.getFloatsCount() > 0) {
      return AttributeProto.AttributeType.FLOATS;
    } else if (a.getIntsCount() > 0) {
      return AttributeProto.AttributeType.INTS;
    } else if (a.getStringsCount() > 0) {
      return AttributeProto.AttributeType.STRINGS;
    } else if (a.getTensorsCount() > 0) {
      return AttributeProto.AttributeType.TENSORS;
    } else if (a.getGraphsCount() > 0) {
      return AttributeProto.AttributeType.GRAPHS;
    }
    return AttributeProto.AttributeType.UNDEFINED;
  }

  private Graph subgraph(GraphProto gp, String what, Set<String> visible, int depth) {
    if (depth + 1 > MAX_SUBGRAPH_DEPTH) {
      throw fail(what + " nests subgraphs deeper than " + MAX_SUBGRAPH_DEPTH + " levels");
    }
    return graph(gp, visible, depth + 1, what + " > ");
  }

  /**
   * The engine view of a declared value type. Inputs and outputs ({@code strict}) must be tensors of
   * a supported element type; for intermediate values an unknown or unsupported type is left out.
   */
  private Value value(ValueInfoProto v, String what, boolean strict) {
    if (v.getName().isEmpty() && strict) {
      throw fail(what + " has no name");
    }
    if (!v.hasType() || v.getType().getValueCase() == TypeProto.ValueCase.VALUE_NOT_SET) {
      return new Value(v.getName(), null, null, null);
    }
    TypeProto t = v.getType();
    if (t.getValueCase() != TypeProto.ValueCase.TENSOR_TYPE) {
      if (!strict) {
        return null;
      }
      throw fail(what + " is " + containerName(t) + ", which QuantLens does not support (tensors only)");
    }
    TypeProto.Tensor tt = t.getTensorType();
    DType dtype = null;
    if (tt.getElemType() != 0) {
      dtype = TensorProtos.dtype(tt.getElemType());
      if (dtype == null) {
        if (!strict) {
          return null;
        }
        throw fail(what + " has element type " + TensorProtos.typeName(tt.getElemType())
            + ", which QuantLens does not support");
      }
    }
    if (!tt.hasShape()) {
      return new Value(v.getName(), dtype, null, null);
    }
    TensorShapeProto sp = tt.getShape();
    int[] shape = new int[sp.getDimCount()];
    String[] names = new String[shape.length];
    boolean named = false;
    for (int i = 0; i < shape.length; i++) {
      TensorShapeProto.Dimension d = sp.getDim(i);
      if (d.hasDimValue()) {
        long dv = d.getDimValue();
        if (dv < 0 || dv > Integer.MAX_VALUE) {
          throw fail(what + " declares invalid dimension " + dv + " at axis " + i);
        }
        shape[i] = (int) dv;
      } else {
        shape[i] = -1;
        if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
          names[i] = d.getDimParam();
          named = true;
        }
      }
    }
    return new Value(v.getName(), dtype, shape, named ? names : null);
  }

  /** "a sequence", "an optional", ... for messages. */
  static String containerName(TypeProto t) {
    switch (t.getValueCase()) {
      case SEQUENCE_TYPE: return "a sequence";
      case MAP_TYPE: return "a map";
      case OPTIONAL_TYPE: return "an optional";
      case SPARSE_TENSOR_TYPE: return "a sparse tensor";
      case TENSOR_TYPE: return "a tensor";
      default: return "of unknown kind";
    }
  }

  private ModelLoadException fail(String message) {
    return new ModelLoadException(source + ": " + message);
  }
}
