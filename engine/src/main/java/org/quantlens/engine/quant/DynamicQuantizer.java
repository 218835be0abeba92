package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Dynamic quantization (TFLite "dynamic range", ONNX Runtime {@code quantize_dynamic}): weights are
 * stored as symmetric int8 (per output channel/column), activations are quantized per batch at run
 * time to uint8 with their actual min/max, and the integer product is scaled back to float.
 * <ul>
 *   <li>MatMul and Gemm with a constant 2-D B -> com.microsoft.DynamicQuantizeMatMul (B as [K, N]
 *       int8, Gemm's alpha folded into the B scales and beta * C into the float bias);
 *   <li>Conv with a constant weight -> DynamicQuantizeLinear, ConvInteger, Cast to float, Mul by
 *       {@code x_scale * w_scale[c]}, Add bias.
 * </ul>
 * <ul>
 *   <li>LSTM -> com.microsoft.DynamicQuantizeLSTM and GRU -> com.quantlens.QuantizedGRU (int8
 *       weights per gate unit; x_t and h_{t-1} quantized per step; see {@link RecurrentQuantizer});
 *       the simple RNN stays float;
 *   <li>an embedding table (the constant of Gather along axis 0) -> int8 per row behind
 *       DequantizeLinear ({@link EmbeddingTables}), which the session runs as an int8 lookup.
 * </ul>
 */
public final class DynamicQuantizer {
  private DynamicQuantizer() {}

  /** The dynamically quantized graph and, per node of the float graph, what it became. */
  public static final class Result {
    private final Graph graph;
    private final Int8Report report;

    Result(Graph graph, Int8Report report) {
      this.graph = graph;
      this.report = report;
    }

    public Graph graph() {
      return graph;
    }

    public Int8Report report() {
      return report;
    }
  }

  /** Quantizes {@code src} (not changed). */
  public static Result quantize(Graph src, QuantConfig cfg) {
    Graph g = src.copy();
    QuantMath.IntRange wr = cfg.weightRange(8);
    Set<String> used = new HashSet<>();
    for (Node n : src.nodes()) {
      used.add(n.name());
      used.addAll(n.inputs());
      used.addAll(n.outputs());
    }
    used.addAll(src.initializers().keySet());
    Namer names = new Namer(used);
    List<Node> out = new ArrayList<>();
    List<Int8Report.Entry> report = new ArrayList<>();
    boolean ms = false;
    boolean ql = false;
    Map<String, String> recurrentAs = new java.util.HashMap<>();
    for (Node n : src.nodes()) {
      String why;
      if (cfg.keepFloat().contains(n.name())) {
        why = "kept in float by configuration";
      } else if (!n.domain().isEmpty()) {
        why = "op " + n.domain() + "." + n.opType() + " is not converted";
      } else if (n.opType().equals("MatMul") || n.opType().equals("Gemm")) {
        why = matmul(src, g, n, cfg, wr, names, out);
        ms |= why == null;
      } else if (n.opType().equals("Conv")) {
        why = conv(src, g, n, cfg, wr, names, out);
      } else if (n.opType().equals("LSTM") || n.opType().equals("GRU")) {
        why = RecurrentQuantizer.whyNot(src, n);
        if (why == null) {
          Node q = RecurrentQuantizer.convert(src, g, n, cfg, names, null);
          out.add(q);
          recurrentAs.put(n.name(), q.domain() + "." + q.opType());
          ms |= q.domain().equals("com.microsoft");
          ql |= q.domain().equals(OpRegistry.QUANTLENS_DOMAIN);
        }
      } else if (n.opType().equals("RNN")) {
        why = "no int8 form for the simple RNN (LSTM and GRU have one)";
      } else {
        why = "no dynamic int8 form for " + n.opType();
      }
      if (why == null) {
        report.add(new Int8Report.Entry(n.name(), n.opType(), true, int8Reason(n.opType(), recurrentAs.get(n.name()))));
      } else {
        out.add(n);
        report.add(new Int8Report.Entry(n.name(), n.opType(), false, why));
      }
    }
    g.nodes().clear();
    g.nodes().addAll(out);
    Set<String> gathers = EmbeddingTables.quantize(g, cfg);
    report.replaceAll(e -> gathers.contains(e.node()) ? new Int8Report.Entry(e.node(), e.opType(), true,
        "reads an int8 table (per-row scales), dequantizes only the gathered rows") : e);
    if (ms) {
      g.opsets().putIfAbsent("com.microsoft", 1);
    }
    if (ql) {
      g.opsets().putIfAbsent(OpRegistry.QUANTLENS_DOMAIN, 1);
    }
    return new Result(g, new Int8Report(report));
  }

  private static String int8Reason(String opType, String recurrentAs) {
    switch (opType) {
      case "Conv":
        return "runs as DynamicQuantizeLinear + ConvInteger (int8 weights, per-batch uint8 input)";
      case "LSTM":
      case "GRU":
        return "runs as " + recurrentAs + " (8-bit weights, x and h quantized to uint8 per step and "
            + "row, float gates" + (opType.equals("LSTM") ? " and cell state)" : ")");
      default:
        return "runs as com.microsoft.DynamicQuantizeMatMul (int8 weights, per-batch uint8 input)";
    }
  }

  /** Unique names. */
  static final class Namer {
    private final Set<String> used;

    Namer(Set<String> used) {
      this.used = used;
    }

    String get(String base) {
      String n = base;
      for (int i = 1; used.contains(n); i++) {
        n = base + "_" + i;
      }
      used.add(n);
      return n;
    }
  }

  private static String matmul(Graph src, Graph g, Node n, QuantConfig cfg, QuantMath.IntRange wr,
      Namer names, List<Node> out) {
    Tensor b = Ptq.isFloatInitializer(src, n.input(1)) ? src.initializers().get(n.input(1)) : null;
    if (b == null || b.rank() != 2) {
      return "B is not a constant 2-D float matrix";
    }
    if (n.attributes().containsKey(FusedActivation.ATTR)) {
      return "carries a fused activation";
    }
    boolean gemm = n.opType().equals("Gemm");
    if (gemm && Ptq.attrLong(n, "transA", 0) != 0) {
      return "transA=1 is not converted";
    }
    float alpha = gemm && n.attributes().containsKey("alpha") ? n.attributes().get("alpha").asFloat() : 1f;
    float beta = gemm && n.attributes().containsKey("beta") ? n.attributes().get("beta").asFloat() : 1f;
    boolean transB = gemm && Ptq.attrLong(n, "transB", 0) != 0;
    int k = transB ? b.dim(1) : b.dim(0);
    int cols = transB ? b.dim(0) : b.dim(1);
    float[] bias = null;
    if (gemm && !n.input(2).isEmpty()) {
      Tensor c = Ptq.isFloatInitializer(src, n.input(2)) ? src.initializers().get(n.input(2)) : null;
      if (c == null || c.size() != cols || c.rank() > 2 || c.rank() == 2 && c.dim(0) != 1) {
        return "bias C is not a constant vector of " + cols + " values";
      }
      bias = c.toFloats().clone();
      for (int i = 0; i < bias.length; i++) {
        bias[i] *= beta;
      }
    }
    float[] bf = b.toFloats();
    float[] kn = new float[k * cols];
    for (int r = 0; r < k; r++) {
      for (int c = 0; c < cols; c++) {
        kn[r * cols + c] = transB ? bf[c * k + r] : bf[r * cols + c];
      }
    }
    Tensor bkn = Tensor.of(kn, k, cols);
    QuantMath.Params[] p = QuantMath.perAxisParams(bkn, cfg.perChannel() ? 1 : -1, wr, true);
    byte[] q = new byte[kn.length];
    float[] scales = new float[p.length];
    for (int c = 0; c < p.length; c++) {
      scales[c] = p[c].scale * alpha;
    }
    for (int i = 0; i < kn.length; i++) {
      QuantMath.Params pc = p[p.length == 1 ? 0 : i % cols];
      q[i] = (byte) QuantMath.quantize(kn[i], pc.scale, 0, wr);
    }
    String base = n.input(1);
    String qn = names.get(base + "_quantized");
    String sn = names.get(base + "_scale");
    String zn = names.get(base + "_zero_point");
    g.initializers().put(qn, Tensor.wrap(DType.I8, q, k, cols));
    g.initializers().put(sn, p.length == 1 ? Tensor.of(scales) : Tensor.of(scales, cols));
    g.initializers().put(zn, p.length == 1 ? Tensor.zeros(DType.I8) : Tensor.zeros(DType.I8, cols));
    List<String> ins = new ArrayList<>(List.of(n.input(0), qn, sn, zn));
    if (bias != null) {
      String bn = names.get(n.input(2) + "_bias");
      g.initializers().put(bn, Tensor.of(bias, cols));
      ins.add(bn);
    }
    out.add(new Node(n.name(), "DynamicQuantizeMatMul", "com.microsoft", ins, n.outputs(), Map.of()));
    dropIfUnused(src, g, n, n.input(1), n.input(2));
    return null;
  }

  private static String conv(Graph src, Graph g, Node n, QuantConfig cfg, QuantMath.IntRange wr,
      Namer names, List<Node> out) {
    if (src.opset("") < 11) {
      return "needs opset >= 11 (DynamicQuantizeLinear)";
    }
    Tensor w = Ptq.isFloatInitializer(src, n.input(1)) ? src.initializers().get(n.input(1)) : null;
    if (w == null) {
      return "weight is not a constant float tensor";
    }
    if (n.attributes().containsKey(FusedActivation.ATTR)) {
      return "carries a fused activation";
    }
    int m = w.dim(0);
    Tensor bias = null;
    if (!n.input(2).isEmpty()) {
      bias = Ptq.isFloatInitializer(src, n.input(2)) ? src.initializers().get(n.input(2)) : null;
      if (bias == null || bias.size() != m) {
        return "bias is not a constant vector of " + m + " values";
      }
    }
    QuantMath.Params[] p = QuantMath.perAxisParams(w, cfg.perChannel() ? 0 : -1, wr, true);
    float[] x = w.toFloats();
    byte[] q = new byte[x.length];
    int per = x.length / m;
    for (int i = 0; i < x.length; i++) {
      QuantMath.Params pc = p[p.length == 1 ? 0 : i / per];
      q[i] = (byte) QuantMath.quantize(x[i], pc.scale, 0, wr);
    }
    int[] bshape = new int[w.rank() - 1]; // [M, 1, ..., 1] broadcasts over N and the spatial axes
    java.util.Arrays.fill(bshape, 1);
    bshape[0] = m;
    float[] scales = new float[m];
    for (int c = 0; c < m; c++) {
      scales[c] = p[p.length == 1 ? 0 : c].scale;
    }
    String base = n.input(1);
    String qn = names.get(base + "_quantized");
    String zn = names.get(base + "_zero_point");
    String sn = names.get(base + "_scale");
    g.initializers().put(qn, Tensor.wrap(DType.I8, q, w.shape()));
    g.initializers().put(zn, Tensor.zeros(DType.I8, m));
    g.initializers().put(sn, Tensor.of(scales, bshape));
    String y = n.outputs().get(0);
    String xq = names.get(n.input(0) + "_" + n.name() + "_quantized");
    String xs = names.get(xq + "_scale");
    String xz = names.get(xq + "_zero_point");
    String acc = names.get(y + "_int32");
    String accf = names.get(y + "_acc");
    String scale = names.get(y + "_scale");
    out.add(new Node(names.get(n.name() + "_DynamicQuantizeLinear"), "DynamicQuantizeLinear",
        List.of(n.input(0)), List.of(xq, xs, xz), Map.of()));
    Map<String, Attribute> attrs = new LinkedHashMap<>(n.attributes());
    out.add(new Node(n.name(), "ConvInteger", "", List.of(xq, qn, xz, zn), List.of(acc), attrs));
    out.add(new Node(names.get(n.name() + "_Cast"), "Cast", List.of(acc), List.of(accf),
        Map.of("to", Attribute.of(1L))));
    out.add(new Node(names.get(n.name() + "_Scale"), "Mul", List.of(xs, sn), List.of(scale), Map.of()));
    if (bias == null) {
      out.add(new Node(names.get(n.name() + "_Rescale"), "Mul", List.of(accf, scale), List.of(y), Map.of()));
    } else {
      String scaled = names.get(y + "_nobias");
      String bn = names.get(n.input(2) + "_bias");
      g.initializers().put(bn, Tensor.of(bias.toFloats().clone(), bshape));
      out.add(new Node(names.get(n.name() + "_Rescale"), "Mul", List.of(accf, scale), List.of(scaled), Map.of()));
      out.add(new Node(names.get(n.name() + "_Bias"), "Add", List.of(scaled, bn), List.of(y), Map.of()));
    }
    dropIfUnused(src, g, n, n.input(1), n.input(2));
    return null;
  }

  /** Removes the float weight/bias initializers when no other node reads them. */
  static void dropIfUnused(Graph src, Graph g, Node self, String... names) {
    for (String name : names) {
      if (name.isEmpty()) {
        continue;
      }
      boolean other = false;
      for (Node n : src.nodes()) {
        other |= n != self && n.inputs().contains(name);
      }
      if (!other && !src.isOutput(name)) {
        g.initializers().remove(name);
      }
    }
  }
}
