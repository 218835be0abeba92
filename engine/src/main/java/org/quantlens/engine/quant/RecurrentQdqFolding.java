package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The recurrent part of {@link QdqFolding}: a standard LSTM or GRU whose W and R are constant
 * 8-bit tensors read through DequantizeLinear (optionally followed by a Reshape to the op's
 * {@code [num_directions, gates*hidden, input]} layout), with one scale and zero point per gate
 * unit or per tensor, becomes {@code com.quantlens.QuantizedLSTM} / {@code QuantizedGRU} with
 * weight_only = 1, holding those 8-bit bytes instead of the float weights constant folding would
 * make of them. The file's meaning is kept: the layer computes in float on the dequantized weights
 * (x and h are not quantized), as ONNX Runtime does, from a float copy each running thread keeps
 * ({@link org.quantlens.engine.kernels.WeightOnlyRecurrentLayer}). This is the form {@link
 * RecurrentExport} writes our int8 recurrent layers in, so a model exported and read back keeps
 * its weights as bytes (a quarter of the memory, but for layers over 1 MB of float weights, held
 * in float) and runs as ONNX Runtime runs that file.
 */
final class RecurrentQdqFolding {
  /** The attribute of our recurrent ops that keeps x and h in float. */
  static final String WEIGHT_ONLY = "weight_only";

  private RecurrentQdqFolding() {}

  /** Whether {@code n} is one of our recurrent ops with weight_only set. */
  static boolean isWeightOnly(Node n) {
    Attribute a = n.attributes().get(WEIGHT_ONLY);
    return n.domain().equals(OpRegistry.QUANTLENS_DOMAIN) && a != null && a.asLong() != 0;
  }

  /** One weight input traced back to its int8 constant. */
  private static final class Source {
    final List<Node> chain = new ArrayList<>();
    byte[] transposed;
    float[] scale;
    byte[] zp;
    DType type;
  }

  /**
   * Converts the eligible nodes of {@code g} in place and updates {@code report} (one entry per
   * node of the graph before folding). Returns the number of nodes converted.
   */
  static int apply(Graph g, List<Int8Report.Entry> report, Set<String> keepFloat) {
    Map<String, Node> producer = new HashMap<>();
    for (Node n : g.nodes()) {
      for (String o : n.outputs()) {
        producer.put(o, n);
      }
    }
    Set<String> used = new HashSet<>(g.initializers().keySet());
    for (Node n : g.nodes()) {
      used.add(n.name());
      used.addAll(n.inputs());
      used.addAll(n.outputs());
    }
    DynamicQuantizer.Namer names = new DynamicQuantizer.Namer(used);
    int converted = 0;
    List<Node> chains = new ArrayList<>();
    for (int at = 0; at < g.nodes().size(); at++) {
      Node n = g.nodes().get(at);
      boolean lstm = n.opType().equals("LSTM");
      if (!n.domain().isEmpty() || !lstm && !n.opType().equals("GRU") || keepFloat.contains(n.name())) {
        continue;
      }
      int gates = lstm ? 4 : 3;
      Source w = trace(g, producer, n.input(1), gates);
      Source r = n.inputs().size() > 2 ? trace(g, producer, n.input(2), gates) : null;
      if (w == null || r == null || w.type != r.type) {
        continue;
      }
      List<String> ins = new ArrayList<>(List.of(n.input(0), put(g, names, n.input(1), w, "_quantized"),
          put(g, names, n.input(2), r, "_quantized"), n.input(3), n.input(4), n.input(5)));
      if (lstm) {
        ins.add(n.input(6));
        ins.add(n.input(7));
      }
      ins.add(put(g, names, n.input(1), w, "_scale"));
      ins.add(put(g, names, n.input(1), w, "_zero_point"));
      ins.add(put(g, names, n.input(2), r, "_scale"));
      ins.add(put(g, names, n.input(2), r, "_zero_point"));
      Map<String, Attribute> attrs = new LinkedHashMap<>(n.attributes());
      attrs.put(WEIGHT_ONLY, Attribute.of(1L));
      Node q = new Node(n.name(), lstm ? "QuantizedLSTM" : "QuantizedGRU", OpRegistry.QUANTLENS_DOMAIN,
          ins, n.outputs(), attrs);
      g.nodes().set(at, q);
      chains.addAll(w.chain);
      chains.addAll(r.chain);
      replace(report, new Int8Report.Entry(n.name(), n.opType(), false, "runs as "
          + OpRegistry.QUANTLENS_DOMAIN + "." + q.opType() + " (8-bit weights from DequantizeLinear"
          + " dequantized in float per thread; x, h and the products float, as the file means)"));
      converted++;
    }
    if (converted == 0) {
      return 0;
    }
    removeUnread(g, chains, report);
    g.opsets().putIfAbsent(OpRegistry.QUANTLENS_DOMAIN, 1);
    return converted;
  }

  /**
   * W or R of a node with {@code gates} gates: a constant DequantizeLinear, optionally reshaped,
   * whose scale and zero point are constant over each row of the {@code [d, rows, k]} result;
   * null when the input is anything else.
   */
  private static Source trace(Graph g, Map<String, Node> producer, String name, int gates) {
    Source s = new Source();
    Node p = producer.get(name);
    int[] shape = null;
    if (p != null && p.opType().equals("Reshape") && p.domain().isEmpty()) {
      Tensor target = g.initializers().get(p.input(1));
      if (target == null) {
        return null;
      }
      s.chain.add(p);
      long[] dims = target.toLongs();
      shape = new int[dims.length];
      for (int i = 0; i < dims.length; i++) {
        shape[i] = (int) dims[i];
      }
      p = producer.get(p.input(0));
    }
    if (p == null || !p.opType().equals("DequantizeLinear") || !p.domain().isEmpty()
        || Ptq.attrLong(p, "block_size", 0) != 0) {
      return null;
    }
    s.chain.add(p);
    Tensor q = g.initializers().get(p.input(0));
    Tensor scale = g.initializers().get(p.input(1));
    Tensor zp = p.inputs().size() > 2 && !p.input(2).isEmpty() ? g.initializers().get(p.input(2)) : null;
    if (q == null || scale == null || p.inputs().size() > 2 && !p.input(2).isEmpty() && zp == null
        || q.dtype() != DType.I8 && q.dtype() != DType.U8 || zp != null && zp.dtype() != q.dtype()) {
      return null;
    }
    if (shape == null) {
      shape = q.shape();
    }
    if (shape.length != 3 || shape[1] % gates != 0 || (long) shape[0] * shape[1] * shape[2] != q.size()) {
      return null;
    }
    int rows = shape[0] * shape[1];
    int k = shape[2];
    int axis = (int) Ptq.attrLong(p, "axis", 1);
    if (axis < 0) {
      axis += q.rank();
    }
    float[] sv = scale.toFloats();
    byte[] zv = zp == null ? null : zp.bytes();
    if (sv.length != 1 && (axis < 0 || axis >= q.rank() || sv.length != q.dim(axis))
        || zv != null && zv.length != sv.length) {
      return null;
    }
    s.type = q.dtype();
    s.scale = new float[rows];
    s.zp = new byte[rows];
    s.transposed = new byte[q.size()];
    byte[] src = q.bytes();
    int inner = 1;
    for (int i = axis + 1; i < q.rank(); i++) {
      inner *= q.dim(i);
    }
    int channels = sv.length;
    int per = shape[1];
    for (int row = 0; row < rows; row++) {
      for (int c = 0; c < k; c++) {
        int i = row * k + c;
        int ch = channels == 1 ? 0 : i / inner % channels;
        byte z = zv == null ? 0 : zv[ch];
        if (c == 0) {
          s.scale[row] = sv[ch];
          s.zp[row] = z;
        } else if (Float.floatToRawIntBits(sv[ch]) != Float.floatToRawIntBits(s.scale[row]) || z != s.zp[row]) {
          return null; // not one scale per gate unit: our layer cannot hold it
        }
        int d = row / per;
        int j = row % per;
        s.transposed[(d * k + c) * per + j] = src[i];
      }
    }
    return s;
  }

  /** Stores one part of a traced weight (transposed bytes, scales or zero points) and names it. */
  private static String put(Graph g, DynamicQuantizer.Namer names, String base, Source s, String part) {
    Tensor q = g.initializers().get(s.chain.get(s.chain.size() - 1).input(0));
    int rows = s.scale.length;
    int k = q.size() / rows;
    String name = names.get(base + part);
    int[] dims = reshapedDims(g, s, q);
    int d = dims[0];
    int per = rows / d;
    switch (part) {
      case "_quantized":
        g.initializers().put(name, Tensor.wrap(s.type, s.transposed, d, k, per));
        break;
      case "_scale":
        g.initializers().put(name, Tensor.of(s.scale, d, per));
        break;
      default:
        g.initializers().put(name, Tensor.wrap(s.type, s.zp, d, per));
    }
    return name;
  }

  private static int[] reshapedDims(Graph g, Source s, Tensor q) {
    if (s.chain.size() == 2) {
      long[] dims = g.initializers().get(s.chain.get(0).input(1)).toLongs();
      return new int[] {(int) dims[0], (int) dims[1], (int) dims[2]};
    }
    return q.shape();
  }

  /** Drops the traced DequantizeLinear/Reshape nodes nobody reads any more. */
  private static void removeUnread(Graph g, List<Node> chains, List<Int8Report.Entry> report) {
    boolean changed = true;
    while (changed) {
      changed = false;
      Set<String> reads = new HashSet<>();
      for (Node n : g.nodes()) {
        reads.addAll(n.inputs());
      }
      for (Node c : chains) {
        String out = c.outputs().get(0);
        if (g.nodes().contains(c) && !reads.contains(out) && !g.isOutput(out)) {
          g.nodes().remove(c);
          replace(report, new Int8Report.Entry(c.name(), c.opType(), false,
              "absorbed into the recurrent layer holding '" + c.input(0) + "' as 8-bit weights"));
          changed = true;
        }
      }
    }
    Set<String> read = new HashSet<>();
    for (Node n : g.nodes()) {
      read.addAll(n.inputs());
    }
    for (Node c : chains) {
      if (!g.nodes().contains(c)) {
        for (String in : c.inputs()) {
          if (!read.contains(in) && !g.isOutput(in)) {
            g.initializers().remove(in);
          }
        }
      }
    }
  }

  private static void replace(List<Int8Report.Entry> report, Int8Report.Entry e) {
    for (int i = 0; i < report.size(); i++) {
      if (report.get(i).node().equals(e.node())) {
        report.set(i, e);
        return;
      }
    }
    report.add(e);
  }
}
