package org.quantlens.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.proto.Onnx.AttributeProto;
import org.quantlens.onnx.proto.Onnx.GraphProto;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.NodeProto;
import org.quantlens.onnx.proto.Onnx.OperatorSetIdProto;
import org.quantlens.onnx.proto.Onnx.TensorShapeProto;
import org.quantlens.onnx.proto.Onnx.TypeProto;
import org.quantlens.onnx.proto.Onnx.ValueInfoProto;

/**
 * Writes an engine {@link Graph} as an ONNX model that other tools (ONNX Runtime, Netron, onnx)
 * can load: IR version 8 (or the lowest newer one the default opset requires), the graph's opset
 * imports, initializers as raw_data, and typed inputs, outputs and value_info.
 *
 * <p>Engine-only annotations are lowered to plain ONNX: an activation fused into Conv, Gemm or
 * MatMul ({@code ql.*} attributes, see {@link FusedActivation}) becomes a separate Relu, Clip,
 * LeakyRelu, Sigmoid or Tanh node after it.
 */
public final class OnnxWriter {
  /** The IR version written unless the opset needs a newer one. */
  public static final int IR_VERSION = 8;
  /** The producer_name written. */
  public static final String PRODUCER = "quantlens";

  private final Set<String> usedNames = new HashSet<>();

  private OnnxWriter() {}

  /** Writes {@code g} to {@code file} atomically: a temporary file in the same folder, then a move. */
  public static void write(Graph g, Path file) throws IOException {
    byte[] bytes = toBytes(g);
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
    try {
      if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
        // temp files are created owner-only; a model file should read like any other
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      }
      try (OutputStream out = Files.newOutputStream(tmp)) {
        out.write(bytes);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The serialized model. */
  public static byte[] toBytes(Graph g) {
    return toModel(g).toByteArray();
  }

  /** The model as a protobuf message. */
  public static ModelProto toModel(Graph g) {
    g = org.quantlens.engine.quant.RecurrentExport.lower(g); // our int8 GRU/LSTM ops as QDQ
    g = org.quantlens.engine.quant.UnsignedWeightExport.lower(g); // exact in ONNX Runtime's fused mode
    if (g.opsets().isEmpty()) {
      throw new QuantLensException("graph '" + g.name()
          + "' declares no opset; set graph.opsets().put(\"\", version) before exporting");
    }
    ModelProto.Builder m = ModelProto.newBuilder()
        .setIrVersion(irVersion(g.opset("")))
        .setProducerName(PRODUCER)
        .setProducerVersion(version());
    g.opsets().forEach((domain, v) -> m.addOpsetImport(
        OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(v)));
    OnnxWriter w = new OnnxWriter();
    w.collectNames(g);
    m.setGraph(w.graph(g, g.opset("")));
    return m.build();
  }

  /** ONNX Runtime refuses a model whose opset is newer than its IR version allows. */
  static int irVersion(int defaultOpset) {
    if (defaultOpset >= 23) {
      return 11;
    } else if (defaultOpset >= 21) {
      return 10;
    } else if (defaultOpset >= 19) {
      return 9;
    }
    return IR_VERSION;
  }

  private static String version() {
    String v = OnnxWriter.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private void collectNames(Graph g) {
    usedNames.addAll(g.initializers().keySet());
    g.inputs().forEach(v -> usedNames.add(v.name()));
    g.outputs().forEach(v -> usedNames.add(v.name()));
    usedNames.addAll(g.valueInfo().keySet());
    for (Node n : g.nodes()) {
      usedNames.addAll(n.outputs());
      usedNames.add(n.name());
      for (Attribute a : n.attributes().values()) {
        if (a.kind() == Attribute.Kind.GRAPH) {
          collectNames(a.asGraph());
        }
      }
    }
  }

  private String fresh(String base) {
    String name = base;
    for (int i = 1; !usedNames.add(name); i++) {
      name = base + "_" + i;
    }
    return name;
  }

  private GraphProto graph(Graph g, int opset) {
    GraphProto.Builder b = GraphProto.newBuilder().setName(g.name().isEmpty() ? "graph" : g.name());
    g.initializers().forEach((name, t) -> b.addInitializer(TensorProtos.toProto(name, t)));
    g.inputs().forEach(v -> b.addInput(valueInfo(v)));
    g.outputs().forEach(v -> b.addOutput(valueInfo(v)));
    g.valueInfo().values().forEach(v -> b.addValueInfo(valueInfo(v)));
    for (Node n : g.nodes()) {
      writeNode(n, b, opset);
    }
    return b.build();
  }

  private void writeNode(Node n, GraphProto.Builder b, int opset) {
    Map<String, Attribute> plain = new LinkedHashMap<>();
    n.attributes().forEach((k, v) -> {
      if (!k.startsWith("ql.")) {
        plain.put(k, v);
      }
    });
    Attribute act = n.attributes().get(FusedActivation.ATTR);
    String kind = act == null ? "" : act.asString();
    if (kind.isEmpty() || n.outputs().isEmpty() || n.outputs().get(0).isEmpty()) {
      b.addNode(node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), plain, opset));
      return;
    }
    // conv -> tmp, then activation(tmp) -> the original output, so consumers are unchanged.
    String out = n.outputs().get(0);
    String tmp = fresh(out + "_preact");
    List<String> outs = new java.util.ArrayList<>(n.outputs());
    outs.set(0, tmp);
    b.addNode(node(n.name(), n.opType(), n.domain(), n.inputs(), outs, plain, opset));
    String actName = fresh((n.name().isEmpty() ? out : n.name()) + "_" + kind.toLowerCase());
    Map<String, Attribute> aa = new LinkedHashMap<>();
    List<String> ins = new java.util.ArrayList<>(List.of(tmp));
    switch (kind) {
      case "Relu": case "Sigmoid": case "Tanh":
        break;
      case "LeakyRelu":
        aa.put("alpha", Attribute.of(floatAttr(n, FusedActivation.ATTR_ALPHA, 0.01f)));
        break;
      case "Clip": {
        float min = floatAttr(n, FusedActivation.ATTR_MIN, Float.NEGATIVE_INFINITY);
        float max = floatAttr(n, FusedActivation.ATTR_MAX, Float.POSITIVE_INFINITY);
        if (opset >= 11) { // bounds became inputs in opset 11
          String lo = fresh(actName + "_min");
          String hi = fresh(actName + "_max");
          b.addInitializer(TensorProtos.toProto(lo, Tensor.scalar(min)));
          b.addInitializer(TensorProtos.toProto(hi, Tensor.scalar(max)));
          ins.add(lo);
          ins.add(hi);
        } else {
          aa.put("min", Attribute.of(min));
          aa.put("max", Attribute.of(max));
        }
        break;
      }
      default:
        throw new QuantLensException(n.describe() + ": unknown fused activation '" + kind
            + "'; expected one of " + FusedActivation.SUPPORTED);
    }
    b.addNode(node(actName, kind, "", ins, List.of(out), aa, opset));
  }

  private static float floatAttr(Node n, String key, float def) {
    Attribute a = n.attributes().get(key);
    return a == null ? def : a.asFloat();
  }

  private NodeProto node(String name, String opType, String domain, List<String> inputs,
      List<String> outputs, Map<String, Attribute> attrs, int opset) {
    NodeProto.Builder b = NodeProto.newBuilder().setOpType(opType)
        .addAllInput(inputs).addAllOutput(outputs);
    if (!name.isEmpty()) {
      b.setName(name);
    }
    if (!domain.isEmpty()) {
      b.setDomain(domain);
    }
    attrs.forEach((k, v) -> b.addAttribute(attribute(k, v, opset)));
    return b.build();
  }

  private AttributeProto attribute(String name, Attribute a, int opset) {
    AttributeProto.Builder b = AttributeProto.newBuilder().setName(name);
    switch (a.kind()) {
      case FLOAT:
        return b.setType(AttributeProto.AttributeType.FLOAT).setF(a.asFloat()).build();
      case INT:
        return b.setType(AttributeProto.AttributeType.INT).setI(a.asLong()).build();
      case STRING:
        return b.setType(AttributeProto.AttributeType.STRING)
            .setS(ByteString.copyFrom(a.asString(), StandardCharsets.UTF_8)).build();
      case TENSOR:
        return b.setType(AttributeProto.AttributeType.TENSOR)
            .setT(TensorProtos.toProto("", a.asTensor())).build();
      case GRAPH:
        return b.setType(AttributeProto.AttributeType.GRAPH).setG(graph(a.asGraph(), opset)).build();
      case FLOATS:
        b.setType(AttributeProto.AttributeType.FLOATS);
        for (float f : a.asFloats()) {
          b.addFloats(f);
        }
        return b.build();
      case INTS:
        b.setType(AttributeProto.AttributeType.INTS);
        for (long l : a.asLongs()) {
          b.addInts(l);
        }
        return b.build();
      case STRINGS:
        b.setType(AttributeProto.AttributeType.STRINGS);
        a.asStrings().forEach(s -> b.addStrings(ByteString.copyFrom(s, StandardCharsets.UTF_8)));
        return b.build();
      default: // TENSORS
        b.setType(AttributeProto.AttributeType.TENSORS);
        a.asTensors().forEach(t -> b.addTensors(TensorProtos.toProto("", t)));
        return b.build();
    }
  }

  /** A value's declared type; unknown parts are left out rather than guessed. */
  static ValueInfoProto valueInfo(Value v) {
    ValueInfoProto.Builder b = ValueInfoProto.newBuilder().setName(v.name());
    int[] shape = v.shape();
    if (v.dtype() == null && shape == null) {
      return b.build();
    }
    TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder();
    if (v.dtype() != null) {
      t.setElemType(TensorProtos.onnxType(v.dtype()));
    }
    if (shape != null) {
      String[] names = v.dimNames();
      TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
      for (int i = 0; i < shape.length; i++) {
        TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
        if (shape[i] >= 0) {
          d.setDimValue(shape[i]);
        } else if (names != null && names[i] != null && !names[i].isEmpty()) {
          d.setDimParam(names[i]);
        }
        s.addDim(d);
      }
      t.setShape(s);
    }
    return b.setType(TypeProto.newBuilder().setTensorType(t)).build();
  }
}
