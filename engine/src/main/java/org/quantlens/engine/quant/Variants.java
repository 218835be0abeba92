package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.List;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Float16;
import org.quantlens.engine.tensor.Tensor;

/**
 * Builds the quantized variants of a float graph by name (see DESIGN.md):
 * <ul>
 *   <li>{@code static-int8}: calibrated QDQ ({@link Ptq}) folded into int8 ops ({@link QdqFolding});
 *       full integer where the ops allow, the report says where not; LSTM/GRU run with int8
 *       weights and x/h quantized with calibrated ranges ({@link RecurrentQuantizer});
 *   <li>{@code dynamic-int8}: int8 weights, activations quantized per batch at run time
 *       ({@link DynamicQuantizer}; LSTM/GRU quantize x and h per step); no calibration;
 *   <li>{@code weight-int8}: weight-only: Conv/Gemm/MatMul weights stored as symmetric int8 (per
 *       channel) behind DequantizeLinear, which constant folding turns back into float at load;
 *       float compute (like CoreML 8-bit weights); no calibration;
 *   <li>{@code fp16}: every float32 initializer (but those only kept-float nodes read) rounded
 *       through float16 (round to nearest even); float compute; no calibration;
 *   <li>{@code fake-N}, N in 2..16: the static plan at N bits as float simulation: weights
 *       fake-quantized in place (symmetric, per channel), activations through Div/Round/Clip/Mul
 *       with calibrated ranges, bias on its {@code s_in * s_w} grid;
 *   <li>{@code qat-int8}: a model trained with quantization-aware training and converted to QDQ
 *       ({@link QatGraph#convert}), folded into int8 ops like {@code static-int8}; no calibration
 *       (the ranges were learned).
 * </ul>
 * The float graph is never changed.
 */
public final class Variants {
  private Variants() {}

  /** The fixed names; {@code fake-N} (N = 2..16) comes in addition. */
  public static final List<String> NAMES = List.of("static-int8", "dynamic-int8", "weight-int8", "fp16", "qat-int8");

  /** A built variant: its graph, what each node runs as, and the PTQ plan when there was one. */
  public static final class Built {
    private final String variant;
    private final Graph graph;
    private final Int8Report report;
    private final Ptq.Result ptq;
    /** static-int8: the configuration its LSTM/GRU weights are written with; else null. */
    private final QuantConfig recurrentExport;

    Built(String variant, Graph graph, Int8Report report, Ptq.Result ptq) {
      this(variant, graph, report, ptq, null);
    }

    Built(String variant, Graph graph, Int8Report report, Ptq.Result ptq,
        QuantConfig recurrentExport) {
      this.variant = variant;
      this.graph = graph;
      this.report = report;
      this.ptq = ptq;
      this.recurrentExport = recurrentExport;
    }

    public String variant() {
      return variant;
    }

    public Graph graph() {
      return graph;
    }

    /** Per node: int8 or float, and why. */
    public Int8Report report() {
      return report;
    }

    /** The calibrated QDQ plan (static-int8 and fake-N), else null. */
    public Ptq.Result ptq() {
      return ptq;
    }

    /**
     * The graph to write as an ONNX file: static-int8 and fake-N as their QDQ plan, the standard
     * form other runtimes read, static-int8's LSTM/GRU with int8 weights behind DequantizeLinear
     * ({@link RecurrentExport#int8Weights}: a float layer on those weights, since ONNX cannot say
     * "quantize x and h at every step" as the in-memory layer does); the other variants as built.
     */
    public Graph exportGraph() {
      if (ptq == null) {
        return graph;
      }
      return recurrentExport == null ? ptq.graph()
          : RecurrentExport.int8Weights(ptq.graph(), recurrentExport);
    }
  }

  /** Valid names as one line, for messages and usage text. */
  public static String describeNames() {
    return String.join(", ", NAMES) + ", fake-N (N = 2..16)";
  }

  /** Whether {@code variant} needs a calibration set. */
  public static boolean needsCalibration(String variant) {
    return variant.equals("static-int8") || fakeBits(variant) > 0;
  }

  /** The graph of {@code variant}; see {@link #buildVariant}. */
  public static Graph build(Graph floatGraph, String variant, Calibration calib, QuantConfig cfg) {
    return buildVariant(floatGraph, variant, calib, cfg).graph();
  }

  /**
   * Builds {@code variant} of {@code floatGraph}.
   *
   * @param calib calibration data; may be null for variants that need none
   * @throws UnknownVariantException for a name not in {@link #describeNames()}
   */
  public static Built buildVariant(Graph floatGraph, String variant, Calibration calib, QuantConfig cfg) {
    if (cfg == null) {
      cfg = QuantConfig.defaults();
    }
    int bits = fakeBits(variant);
    if (!NAMES.contains(variant) && bits < 0) {
      throw new UnknownVariantException(variant);
    }
    if (needsCalibration(variant) && calib == null) {
      throw new QuantLensException("variant '" + variant + "' needs a calibration set");
    }
    if (variant.equals("qat-int8")) {
      return qatInt8(floatGraph, cfg);
    }
    floatGraph = Ptq.prepare(floatGraph);
    switch (variant) {
      case "static-int8": {
        Ptq.Result p = Ptq.quantize(floatGraph, calib, cfg);
        QdqFolding.Result f = QdqFolding.fold(p.graph(), cfg.keepFloat());
        List<Int8Report.Entry> entries = new ArrayList<>(f.report().entries());
        if (RecurrentQuantizer.applyStatic(floatGraph, f.graph(), entries, calib, cfg) > 0) {
          return new Built(variant, f.graph(), new Int8Report(entries), p, cfg);
        }
        return new Built(variant, f.graph(), f.report(), p);
      }
      case "dynamic-int8": {
        DynamicQuantizer.Result d = DynamicQuantizer.quantize(floatGraph, cfg);
        return new Built(variant, d.graph(), d.report(), null);
      }
      case "weight-int8":
        return weightOnly(floatGraph, cfg);
      case "fp16":
        return fp16(floatGraph, cfg.keepFloat());
      default: {
        Ptq.Result p = Ptq.quantize(floatGraph, calib, cfg, bits, Ptq.Style.SIMULATED);
        List<Int8Report.Entry> e = new ArrayList<>();
        for (Node n : floatGraph.nodes()) {
          e.add(new Int8Report.Entry(n.name(), n.opType(), false, p.quantizedNodes().contains(n.name())
              ? "float, simulating " + bits + "-bit quantization" : "float, not quantized"));
        }
        return new Built(variant, p.graph(), new Int8Report(e), p);
      }
    }
  }

  /** Folds a QAT model's QDQ form; preparing first would constant-fold its int8 weights back to float. */
  private static Built qatInt8(Graph qdq, QuantConfig cfg) {
    boolean hasQdq = qdq.nodes().stream().anyMatch(n -> n.opType().equals("DequantizeLinear"));
    if (!hasQdq) {
      throw new QuantLensException("variant 'qat-int8' needs a model trained with quantization-aware "
          + "training and exported as QDQ (quantlens train --recipe qat); '" + qdq.name()
          + "' has no DequantizeLinear");
    }
    QdqFolding.Result f = QdqFolding.fold(qdq, cfg.keepFloat());
    return new Built("qat-int8", f.graph(), f.report(), null);
  }

  /** N of "fake-N" when 2 <= N <= 16, else -1. */
  static int fakeBits(String variant) {
    if (variant == null || !variant.startsWith("fake-")) {
      return -1;
    }
    try {
      int n = Integer.parseInt(variant.substring(5));
      return n >= 2 && n <= 16 ? n : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static Built weightOnly(Graph src, QuantConfig cfg) {
    Graph g = src.copy();
    QuantMath.IntRange wr = cfg.weightRange(8);
    List<Node> added = new ArrayList<>();
    List<Int8Report.Entry> e = new ArrayList<>();
    java.util.Set<String> done = new java.util.HashSet<>();
    for (Node n : src.nodes()) {
      boolean weighted = n.domain().isEmpty() && (n.opType().equals("Conv") || n.opType().equals("Gemm")
          || n.opType().equals("MatMul")) && Ptq.isFloatInitializer(src, n.input(1));
      if (!weighted || cfg.keepFloat().contains(n.name())) {
        e.add(new Int8Report.Entry(n.name(), n.opType(), false,
            weighted ? "kept in float by configuration" : "float (no weight to store as int8)"));
        continue;
      }
      String w = n.input(1);
      if (done.add(w)) {
        Tensor t = src.initializers().get(w);
        int axis = cfg.perChannel() ? Ptq.weightAxis(n, t) : -1;
        QuantMath.Params[] p = QuantMath.perAxisParams(t, axis, wr, true);
        float[] x = t.toFloats();
        byte[] q = new byte[x.length];
        int[] shape = t.shape();
        float[] s = new float[p.length];
        for (int c = 0; c < p.length; c++) {
          s[c] = p[c].scale;
        }
        for (int i = 0; i < x.length; i++) {
          QuantMath.Params c = p[QuantMath.channelOf(i, shape, axis)];
          q[i] = (byte) QuantMath.quantize(x[i], c.scale, 0, wr);
        }
        g.initializers().remove(w);
        g.initializers().put(w + "_quantized", Tensor.wrap(DType.I8, q, shape));
        g.initializers().put(w + "_scale", p.length == 1 ? Tensor.of(s) : Tensor.of(s, p.length));
        g.initializers().put(w + "_zero_point", p.length == 1 ? Tensor.zeros(DType.I8) : Tensor.zeros(DType.I8, p.length));
        added.add(new Node(w + "_DequantizeLinear", "DequantizeLinear",
            List.of(w + "_quantized", w + "_scale", w + "_zero_point"), List.of(w),
            axis < 0 ? java.util.Map.of() : java.util.Map.of("axis", Attribute.of((long) axis))));
      }
      e.add(new Int8Report.Entry(n.name(), n.opType(), false,
          "float compute; weight '" + w + "' stored as int8, dequantized at load"));
    }
    g.nodes().addAll(added);
    if (!added.isEmpty() && cfg.perChannel() && g.opset("") < 13) {
      throw new QuantLensException("per-channel weights need opset >= 13 (DequantizeLinear axis); the "
          + "model has opset " + g.opset("") + ": re-export at 13 or turn per-channel off");
    }
    return new Built("weight-int8", g, new Int8Report(e), null);
  }

  private static Built fp16(Graph src, java.util.Set<String> keepFloat) {
    Graph g = src.copy();
    java.util.Set<String> keep = new java.util.HashSet<>(); // initializers read only by kept nodes
    java.util.Set<String> round = new java.util.HashSet<>();
    for (Node n : src.nodes()) {
      (keepFloat.contains(n.name()) ? keep : round).addAll(n.inputs());
    }
    keep.removeAll(round);
    for (java.util.Map.Entry<String, Tensor> en : src.initializers().entrySet()) {
      Tensor t = en.getValue();
      if (t.dtype() == DType.F32 && !keep.contains(en.getKey())) {
        float[] x = t.toFloats();
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) {
          r[i] = Float16.toFloat(Float16.fromFloat(x[i]));
        }
        g.initializers().put(en.getKey(), Tensor.of(r, t.shape()));
      }
    }
    List<Int8Report.Entry> e = new ArrayList<>();
    for (Node n : src.nodes()) {
      e.add(new Int8Report.Entry(n.name(), n.opType(), false, keepFloat.contains(n.name())
          ? "kept in float by configuration (float32 weights)" : "float compute on float16-rounded weights"));
    }
    return new Built("fp16", g, new Int8Report(e), null);
  }
}
