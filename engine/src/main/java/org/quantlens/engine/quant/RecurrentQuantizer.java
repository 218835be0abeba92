package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Turns a float LSTM or GRU node into its 8-bit-weight form: W and R quantized to symmetric int8
 * (for DynamicQuantizeLSTM the same grid stored as uint8 with zero point 128, see below) per gate unit (per output row; per direction when per-channel is off) and transposed to ONNX
 * Runtime's DynamicQuantizeLSTM layout {@code [num_directions, input, gates*hidden]}; biases and
 * peepholes stay float. Dynamic: LSTM becomes {@code com.microsoft.DynamicQuantizeLSTM} (ONNX
 * Runtime runs it; a batch-major LSTM, which that op cannot express, becomes our
 * {@code com.quantlens.QuantizedLSTM} without static parameters), GRU {@code com.quantlens.QuantizedGRU} (ONNX Runtime has no quantized GRU;
 * {@link RecurrentExport} writes it as weight-only QDQ). Static: {@code com.quantlens.QuantizedLSTM}
 * / {@code QuantizedGRU} with calibrated X and H parameters.
 */
final class RecurrentQuantizer {
  private RecurrentQuantizer() {}

  /** Calibrated activation parameters of one node (static mode). */
  static final class Static {
    final QuantMath.Params x;
    final QuantMath.Params h;
    final DType type;

    Static(QuantMath.Params x, QuantMath.Params h, DType type) {
      this.x = x;
      this.h = h;
      this.type = type;
    }
  }

  /** Why {@code n} (an LSTM or GRU of the default domain) cannot be converted, or null. */
  static String whyNot(Graph src, Node n) {
    if (!n.opType().equals("LSTM") && !n.opType().equals("GRU")) {
      return "no int8 form for " + n.opType();
    }
    if (!Ptq.isFloatInitializer(src, n.input(1)) || !Ptq.isFloatInitializer(src, n.input(2))) {
      return "W and R are not constant float tensors";
    }
    if (!n.input(3).isEmpty() && !Ptq.isFloatInitializer(src, n.input(3))) {
      return "B is not a constant float tensor";
    }
    if (n.opType().equals("LSTM") && !n.input(7).isEmpty() && !Ptq.isFloatInitializer(src, n.input(7))) {
      return "P is not a constant float tensor";
    }
    Tensor w = src.initializers().get(n.input(1));
    Tensor r = src.initializers().get(n.input(2));
    if (w.rank() != 3 || r.rank() != 3 || w.dim(1) != r.dim(1) || r.dim(1) != r.dim(2)
        * (n.opType().equals("LSTM") ? 4 : 3)) {
      return "W or R does not have the shape of its op";
    }
    return null;
  }

  /**
   * The replacement node (adds its initializers to {@code g}).
   *
   * @param st calibrated parameters, or null for dynamic quantization
   */
  static Node convert(Graph src, Graph g, Node n, QuantConfig cfg, DynamicQuantizer.Namer names,
      Static st) {
    return convert(src, g, n, cfg, names, st, false);
  }

  /** As above; {@code ownOps} keeps a dynamic LSTM as our QuantizedLSTM (int8, not uint8). */
  static Node convert(Graph src, Graph g, Node n, QuantConfig cfg, DynamicQuantizer.Namer names,
      Static st, boolean ownOps) {
    boolean lstm = n.opType().equals("LSTM");
    QuantMath.IntRange wr = cfg.weightRange(8);
    // ONNX Runtime's x86 u8 x s8 kernel sums product pairs in saturating int16, which full-range
    // int8 weights overflow (outputs off by 0.3 in a test); u8 x u8 is exact there. So the
    // DynamicQuantizeLSTM it runs gets the same symmetric grid stored as uint8 with zero point 128.
    boolean batchMajor = Ptq.attrLong(n, "layout", 0) != 0; // DynamicQuantizeLSTM has no layout
    boolean u8 = st == null && lstm && !batchMajor && !ownOps;
    String[] w = quantizeWeight(src.initializers().get(n.input(1)), n.input(1), cfg, wr, u8, g, names);
    String[] r = quantizeWeight(src.initializers().get(n.input(2)), n.input(2), cfg, wr, u8, g, names);
    List<String> ins = new ArrayList<>();
    ins.add(n.input(0));
    ins.add(w[0]);
    ins.add(r[0]);
    ins.add(n.input(3));
    ins.add(n.input(4));
    ins.add(n.input(5));
    if (lstm) {
      ins.add(n.input(6));
      ins.add(n.input(7));
    }
    ins.addAll(List.of(w[1], w[2], r[1], r[2]));
    String op;
    String domain;
    if (u8) {
      op = "DynamicQuantizeLSTM";
      domain = "com.microsoft";
    } else {
      op = lstm ? "QuantizedLSTM" : "QuantizedGRU";
      domain = OpRegistry.QUANTLENS_DOMAIN;
    }
    if (st != null) {
      String base = n.name();
      ins.add(param(g, names, base + "_X_scale", Tensor.of(new float[] {st.x.scale})));
      ins.add(param(g, names, base + "_X_zero_point", zeroPoint(st.type, st.x.zeroPoint)));
      ins.add(param(g, names, base + "_H_scale", Tensor.of(new float[] {st.h.scale})));
      ins.add(param(g, names, base + "_H_zero_point", zeroPoint(st.type, st.h.zeroPoint)));
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>(n.attributes());
    if (u8 || !batchMajor) {
      attrs.remove("layout");
    }
    if (!lstm) {
      attrs.remove("input_forget");
    }
    for (String o : new String[] {n.input(1), n.input(2)}) {
      DynamicQuantizer.dropIfUnused(src, g, n, o);
    }
    return new Node(n.name(), op, domain, ins, n.outputs(), attrs);
  }

  /**
   * Every eligible LSTM/GRU of {@code g} (not in keep-float) as our QuantizedLSTM/GRU with int8
   * weights and no activation parameters; a copy when anything changed.
   */
  static Graph quantizeWeights(Graph g, QuantConfig cfg) {
    Graph out = null;
    DynamicQuantizer.Namer names = null;
    for (int at = 0; at < g.nodes().size(); at++) {
      Node n = g.nodes().get(at);
      if (!n.domain().isEmpty() || !n.opType().equals("LSTM") && !n.opType().equals("GRU")
          || cfg.keepFloat().contains(n.name()) || whyNot(out == null ? g : out, n) != null) {
        continue;
      }
      if (out == null) {
        out = g.copy();
        java.util.Set<String> used = new java.util.HashSet<>(g.initializers().keySet());
        for (Node m : g.nodes()) {
          used.add(m.name());
          used.addAll(m.inputs());
          used.addAll(m.outputs());
        }
        names = new DynamicQuantizer.Namer(used);
      }
      out.nodes().set(at, convert(out, out, out.nodes().get(at), cfg, names, null, true));
    }
    if (out == null) {
      return g;
    }
    out.opsets().putIfAbsent(OpRegistry.QUANTLENS_DOMAIN, 1);
    return out;
  }

  private static Tensor zeroPoint(DType type, int zp) {
    Tensor t = Tensor.zeros(type);
    t.bytes()[0] = (byte) zp;
    return t;
  }

  private static String param(Graph g, DynamicQuantizer.Namer names, String base, Tensor t) {
    String name = names.get(base);
    g.initializers().put(name, t);
    return name;
  }

  /**
   * {@code [d, rows, k]} float to int8 {@code [d, k, rows]} (transposed) with scales and zero
   * points {@code [d, rows]} (per-channel) or {@code [d]}; returns the three initializer names.
   */
  private static String[] quantizeWeight(Tensor t, String base, QuantConfig cfg, QuantMath.IntRange wr,
      boolean asUint8, Graph g, DynamicQuantizer.Namer names) {
    int shift = asUint8 ? 128 : 0;
    int dirs = t.dim(0);
    int rows = t.dim(1);
    int k = t.dim(2);
    float[] x = t.toFloats();
    int groups = cfg.perChannel() ? rows : 1;
    float[] scales = new float[dirs * groups];
    byte[] q = new byte[x.length];
    for (int d = 0; d < dirs; d++) {
      for (int gi = 0; gi < groups; gi++) {
        int r0 = groups == 1 ? 0 : gi;
        int r1 = groups == 1 ? rows : gi + 1;
        double lo = 0;
        double hi = 0;
        for (int i = (d * rows + r0) * k; i < (d * rows + r1) * k; i++) {
          if (!Float.isFinite(x[i])) {
            throw new org.quantlens.engine.QuantLensException("cannot quantize weight '" + base
                + "': it holds " + x[i] + " at element " + i);
          }
          lo = Math.min(lo, x[i]);
          hi = Math.max(hi, x[i]);
        }
        QuantMath.Params p = QuantMath.params(lo, hi, wr, true);
        scales[d * groups + gi] = p.scale;
        for (int row = r0; row < r1; row++) {
          for (int c = 0; c < k; c++) {
            q[(d * k + c) * rows + row] = (byte) (QuantMath.quantize(x[(d * rows + row) * k + c], p.scale, 0, wr) + shift);
          }
        }
      }
    }
    String qn = names.get(base + "_quantized");
    String sn = names.get(base + "_scale");
    String zn = names.get(base + "_zero_point");
    DType type = asUint8 ? DType.U8 : DType.I8;
    g.initializers().put(qn, Tensor.wrap(type, q, dirs, k, rows));
    g.initializers().put(sn, groups == 1 ? Tensor.of(scales, dirs) : Tensor.of(scales, dirs, rows));
    Tensor zp = groups == 1 ? Tensor.zeros(type, dirs) : Tensor.zeros(type, dirs, rows);
    java.util.Arrays.fill(zp.bytes(), (byte) shift);
    g.initializers().put(zn, zp);
    return new String[] {qn, sn, zn};
  }

  /**
   * The static-int8 step for recurrent layers: calibrates the X input and the hidden states (Y,
   * and initial_h when given) of every eligible LSTM/GRU of {@code floatGraph} over {@code calib},
   * and replaces those nodes of {@code folded} (the folded QDQ graph, where they are still float)
   * by com.quantlens.QuantizedLSTM/QuantizedGRU. {@code report} entries of converted nodes are
   * replaced. Returns the number of nodes converted.
   */
  static int applyStatic(Graph floatGraph, Graph folded, List<Int8Report.Entry> report,
      Calibration calib, QuantConfig cfg) {
    List<Node> todo = new ArrayList<>();
    for (Node n : floatGraph.nodes()) {
      if (n.domain().isEmpty() && (n.opType().equals("LSTM") || n.opType().equals("GRU"))
          && !cfg.keepFloat().contains(n.name())) {
        String why = whyNot(floatGraph, n);
        if (why == null) {
          todo.add(n);
        } else {
          replace(report, n, false, why);
        }
      }
    }
    if (todo.isEmpty()) {
      return 0;
    }
    java.util.Set<String> used = new java.util.HashSet<>(folded.initializers().keySet());
    for (Graph gr : new Graph[] {floatGraph, folded}) {
      for (Node n : gr.nodes()) {
        used.add(n.name());
        used.addAll(n.inputs());
        used.addAll(n.outputs());
      }
    }
    DynamicQuantizer.Namer names = new DynamicQuantizer.Namer(used);
    // observe Y even where the model does not ask for it: it holds every h_t
    Graph cg = floatGraph.copy();
    Map<String, String[]> observed = new LinkedHashMap<>();
    java.util.Set<String> tensors = new java.util.LinkedHashSet<>();
    for (Node n : todo) {
      String y = n.outputs().isEmpty() ? "" : n.outputs().get(0);
      if (y.isEmpty()) {
        y = names.get(n.name() + "_Y_calibration");
        List<String> outs = new ArrayList<>(n.outputs());
        if (outs.isEmpty()) {
          outs.add(y);
        } else {
          outs.set(0, y);
        }
        int at = cg.nodes().indexOf(findByName(cg, n.name()));
        cg.nodes().set(at, cg.nodes().get(at).withIO(n.inputs(), outs));
      }
      String h0 = n.input(5);
      observed.put(n.name(), new String[] {n.input(0), y, h0});
      tensors.add(n.input(0));
      tensors.add(y);
      if (!h0.isEmpty() && !floatGraph.initializers().containsKey(h0)) {
        tensors.add(h0);
      }
    }
    Map<String, double[]> ranges = Calibrator.ranges(cg, calib, cfg, 8, tensors);
    QuantMath.IntRange ar = cfg.activationRange(8);
    for (Node n : todo) {
      String[] t = observed.get(n.name());
      double[] xr = range(floatGraph, ranges, t[0]);
      double[] hr = range(floatGraph, ranges, t[1]);
      if (!t[2].isEmpty()) {
        double[] h0 = range(floatGraph, ranges, t[2]);
        hr = new double[] {Math.min(hr[0], h0[0]), Math.max(hr[1], h0[1])};
      }
      Static st = new Static(QuantMath.params(xr[0], xr[1], ar, cfg.activationSymmetric()),
          QuantMath.params(hr[0], hr[1], ar, cfg.activationSymmetric()), cfg.activationType());
      Node target = findByName(folded, n.name());
      if (target == null || whyNot(folded, target) != null) {
        replace(report, n, false, "the folded graph no longer holds this layer with float weights");
        continue;
      }
      int at = folded.nodes().indexOf(target);
      folded.nodes().set(at, convert(folded, folded, target, cfg, names, st));
      replace(report, n, true, "runs as " + OpRegistry.QUANTLENS_DOMAIN + ".Quantized" + n.opType()
          + " (int8 weights, x and h quantized with calibrated " + cfg.activationType()
          + " parameters, float gates" + (n.opType().equals("LSTM") ? " and cell state)" : ")"));
    }
    folded.opsets().putIfAbsent(OpRegistry.QUANTLENS_DOMAIN, 1);
    return todo.size();
  }

  private static double[] range(Graph g, Map<String, double[]> ranges, String name) {
    double[] r = ranges.get(name);
    if (r != null) {
      return r;
    }
    double[][] mm = QuantMath.perAxisMinMax(g.initializers().get(name), -1);
    return new double[] {mm[0][0], mm[1][0]};
  }

  private static Node findByName(Graph g, String name) {
    for (Node n : g.nodes()) {
      if (n.name().equals(name)) {
        return n;
      }
    }
    return null;
  }

  private static void replace(List<Int8Report.Entry> report, Node n, boolean int8, String why) {
    Int8Report.Entry e = new Int8Report.Entry(n.name(), n.opType(), int8, why);
    for (int i = 0; i < report.size(); i++) {
      if (report.get(i).node().equals(n.name())) {
        report.set(i, e);
        return;
      }
    }
    report.add(e);
  }
}
