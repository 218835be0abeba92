package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Post-training quantization: annotates a float graph with quantize/dequantize pairs whose
 * parameters come from calibration. The float graph is not changed; a new graph is returned.
 *
 * <p>What gets quantized, following ONNX Runtime's QDQ format:
 * <ul>
 *   <li>weights of Conv (per output channel, axis 0), Gemm and MatMul (per output column) as
 *       symmetric int8 initializers read through DequantizeLinear (per-tensor when per-channel is
 *       off);
 *   <li>biases of Conv and Gemm as int32 with {@code scale = s_in * s_w} (per channel) and zero
 *       point 0;
 *   <li>activations per tensor (uint8 asymmetric or int8, {@link QuantConfig}) on the inputs and
 *       outputs of Conv, Gemm, MatMul, Add, Concat, AveragePool, GlobalAveragePool, and of the
 *       data-movement ops MaxPool, Flatten, Reshape, Transpose, Squeeze and Unsqueeze, whose output
 *       shares its input's parameters (their values are a subset of the input's);
 *   <li>a Relu or Clip that is the only reader of a Conv/Gemm/MatMul/Add output is kept with its
 *       op: no quantization between them, only after the activation (the folding pass then fuses
 *       it into the int8 op);
 *   <li>embedding tables (the constant data of Gather along axis 0) as symmetric int8 with one
 *       scale per row ({@link EmbeddingTables}; 8-bit QDQ only).
 * </ul>
 * Every reader of a quantized tensor reads its dequantized value (graph outputs keep their names).
 * Nodes listed in {@link QuantConfig#keepFloat()} are left alone.
 *
 * <p>The same plan can be emitted as real QuantizeLinear/DequantizeLinear nodes (8 bits) or as a
 * float simulation at any width 2..16 ({@code Div, Round, Clip, Mul} per activation and
 * fake-quantized float constants), which is what {@code fake-N} runs.
 */
public final class Ptq {
  private Ptq() {}

  /** Op types whose inputs and outputs are quantized. */
  static final Set<String> QUANTIZABLE = Set.of("Conv", "Gemm", "MatMul", "Add", "Concat",
      "AveragePool", "GlobalAveragePool", "MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze",
      "Unsqueeze");
  /** Ops whose output holds only values of the input: it shares the input's parameters. */
  static final Set<String> PASS_THROUGH =
      Set.of("MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze");
  /** Ops a following Relu/Clip stays attached to. */
  static final Set<String> ACTIVATION_HOSTS = Set.of("Conv", "Gemm", "MatMul", "Add");

  /** How the plan is written into the graph. */
  public enum Style {
    /** QuantizeLinear/DequantizeLinear nodes and integer initializers (8 bits). */
    QDQ,
    /** Float-only simulation: Div/Round/Clip/Mul and fake-quantized float constants. */
    SIMULATED
  }

  /** A quantized graph with the parameters chosen for each tensor. */
  public static final class Result {
    private final Graph graph;
    private final Map<String, QuantMath.Params> activations;
    private final Map<String, QuantMath.Params[]> weights;
    private final Set<String> quantizedNodes;

    Result(Graph graph, Map<String, QuantMath.Params> activations,
        Map<String, QuantMath.Params[]> weights, Set<String> quantizedNodes) {
      this.graph = graph;
      this.activations = activations;
      this.weights = weights;
      this.quantizedNodes = quantizedNodes;
    }

    /** The new graph. */
    public Graph graph() {
      return graph;
    }

    /** Parameters of each quantized activation tensor, by its name in the float graph. */
    public Map<String, QuantMath.Params> activations() {
      return activations;
    }

    /** Per-channel parameters of each quantized weight initializer. */
    public Map<String, QuantMath.Params[]> weights() {
      return weights;
    }

    /** Names of the nodes whose inputs and outputs were quantized (fused activations included). */
    public Set<String> quantizedNodes() {
      return quantizedNodes;
    }
  }

  /** Calibrates {@code g} on {@code calib} and returns its 8-bit QDQ form. */
  public static Result quantize(Graph g, Calibration calib, QuantConfig cfg) {
    return quantize(g, calib, cfg, 8, Style.QDQ);
  }

  /**
   * The float graph as quantization sees it: a copy with shapes inferred, constants folded (PyTorch
   * exports compute shapes at run time), dead code removed and inference BatchNormalization folded
   * into the Conv/Gemm before it, as the runtime would run it. Activations stay separate nodes so
   * the quantizer can place Relu/Clip with the op before them.
   */
  public static Graph prepare(Graph floatGraph) {
    Graph g = floatGraph.copy();
    org.quantlens.engine.graph.ShapeInference.run(g);
    org.quantlens.engine.graph.ConstantFolding.run(g);
    org.quantlens.engine.graph.DeadCodeElimination.run(g);
    org.quantlens.engine.graph.BatchNormFolding.run(g);
    org.quantlens.engine.graph.DeadCodeElimination.run(g);
    return g;
  }

  /**
   * Calibrates {@code g} on {@code calib} and emits the plan at {@code bits} bits in {@code style}.
   * The graph is first {@link #prepare prepared}.
   */
  public static Result quantize(Graph floatGraph, Calibration calib, QuantConfig cfg, int bits, Style style) {
    Graph g = prepare(floatGraph);
    Plan plan = Plan.of(g, cfg);
    List<String> toCalibrate = new ArrayList<>();
    for (String t : plan.activations) {
      if (!plan.shareFrom.containsKey(t) && !g.initializers().containsKey(t)) {
        toCalibrate.add(t);
      }
    }
    if (calib.isEmpty()) {
      throw new QuantLensException("the calibration set is empty: at least one sample is needed");
    }
    Map<String, double[]> ranges = toCalibrate.isEmpty() ? Map.of()
        : Calibrator.ranges(g, calib, cfg, bits, toCalibrate);
    return emit(g, plan, ranges, cfg, bits, style);
  }

  /** Emits the plan with given activation ranges (tensor name to {@code {lo, hi}}). */
  public static Result quantize(Graph g, Map<String, double[]> ranges, QuantConfig cfg, int bits,
      Style style) {
    return emit(g, Plan.of(g, cfg), ranges, cfg, bits, style);
  }

  /** Which nodes are quantized and the roles of their inputs. */
  static final class Plan {
    final Map<Node, Node> fused = new IdentityHashMap<>();
    final Set<Node> quantized = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    final LinkedHashSet<String> activations = new LinkedHashSet<>();
    final Map<String, String> shareFrom = new HashMap<>();
    /** Weight initializer to its channel axis (-1: per tensor). */
    final Map<String, Integer> weightAxis = new LinkedHashMap<>();
    /** Bias initializer to {activation input, weight initializer}. */
    final Map<String, String[]> bias = new LinkedHashMap<>();
    final List<Node> order;

    private Plan(List<Node> order) {
      this.order = order;
    }

    static Plan of(Graph g, QuantConfig cfg) {
      Plan p = new Plan(g.topologicalOrder());
      Map<String, List<Node>> consumers = consumers(g);
      for (Node n : p.order) {
        if (n.domain().isEmpty() && QUANTIZABLE.contains(n.opType()) && !cfg.keepFloat().contains(n.name())
            && eligible(g, n)) {
          p.quantized.add(n);
        }
      }
      for (Node n : p.order) {
        if (!p.quantized.contains(n) || !ACTIVATION_HOSTS.contains(n.opType())) {
          continue;
        }
        String out = n.outputs().get(0);
        List<Node> readers = consumers.getOrDefault(out, List.of());
        if (readers.size() == 1 && !g.isOutput(out) && isFoldableActivation(g, readers.get(0))
            && !cfg.keepFloat().contains(readers.get(0).name())) {
          p.fused.put(n, readers.get(0));
        }
      }
      for (Node n : p.order) {
        if (!p.quantized.contains(n)) {
          continue;
        }
        String type = n.opType();
        for (int i = 0; i < n.inputs().size(); i++) {
          String in = n.inputs().get(i);
          if (in.isEmpty()) {
            continue;
          }
          if ((type.equals("Conv") || type.equals("Gemm") || type.equals("MatMul")) && i == 1
              && isFloatInitializer(g, in)) {
            p.weightAxis.putIfAbsent(in, cfg.perChannel() ? weightAxis(n, g.initializers().get(in)) : -1);
          } else if ((type.equals("Conv") || type.equals("Gemm")) && i == 2) {
            if (biasQuantizable(g, n)) {
              p.bias.put(in, new String[] {n.inputs().get(0), n.inputs().get(1)});
            }
          } else if (PASS_THROUGH.contains(type) && i > 0) {
            continue; // shapes, axes
          } else if (isFloat(g, in)) {
            p.activations.add(in);
          }
        }
        Node end = p.fused.getOrDefault(n, n);
        String out = end.outputs().get(0);
        p.activations.add(out);
        if (PASS_THROUGH.contains(type)) {
          p.shareFrom.put(out, n.inputs().get(0));
        }
      }
      return p;
    }

    /** Whether the node's shape fits what the plan handles (weights constant, one output...). */
    private static boolean eligible(Graph g, Node n) {
      switch (n.opType()) {
        case "Conv":
          return isFloatInitializer(g, n.input(1));
        case "MaxPool":
          return n.outputs().size() == 1 || n.outputs().get(1).isEmpty();
        case "Gemm":
          return true;
        default:
          return isFloat(g, n.input(0));
      }
    }

    private static boolean biasQuantizable(Graph g, Node n) {
      String b = n.input(2);
      if (!isFloatInitializer(g, b) || !isFloatInitializer(g, n.input(1))) {
        return false;
      }
      Tensor bt = g.initializers().get(b);
      Tensor w = g.initializers().get(n.input(1));
      if (n.opType().equals("Conv")) {
        return bt.rank() == 1 && bt.dim(0) == w.dim(0);
      }
      Attribute alpha = n.attributes().get("alpha");
      Attribute beta = n.attributes().get("beta");
      if (alpha != null && alpha.asFloat() != 1f || beta != null && beta.asFloat() != 1f
          || w.rank() != 2) {
        return false;
      }
      int cols = attrLong(n, "transB", 0) != 0 ? w.dim(0) : w.dim(1);
      return bt.size() == cols && (bt.rank() == 1 || bt.rank() == 2 && bt.dim(0) == 1);
    }
  }

  static long attrLong(Node n, String name, long def) {
    Attribute a = n.attributes().get(name);
    return a == null ? def : a.asLong();
  }

  /** Channel axis of a weight: 0 for Conv, the output column for Gemm/MatMul. */
  static int weightAxis(Node n, Tensor w) {
    switch (n.opType()) {
      case "Conv":
        return 0;
      case "Gemm":
        return attrLong(n, "transB", 0) != 0 ? 0 : 1;
      default:
        return w.rank() >= 2 ? w.rank() - 1 : -1;
    }
  }

  static boolean isFoldableActivation(Graph g, Node r) {
    if (!r.domain().isEmpty()) {
      return false;
    }
    if (r.opType().equals("Relu")) {
      return true;
    }
    if (!r.opType().equals("Clip")) {
      return false;
    }
    for (int i = 1; i < r.inputs().size(); i++) {
      String s = r.inputs().get(i);
      if (!s.isEmpty() && !g.initializers().containsKey(s)) {
        return false; // bounds computed at run time
      }
    }
    return true;
  }

  static boolean isFloatInitializer(Graph g, String name) {
    Tensor t = name.isEmpty() ? null : g.initializers().get(name);
    return t != null && t.dtype() == DType.F32;
  }

  /** True unless the value is known to be something other than float32. */
  static boolean isFloat(Graph g, String name) {
    if (name.isEmpty()) {
      return false;
    }
    Tensor t = g.initializers().get(name);
    if (t != null) {
      return t.dtype() == DType.F32;
    }
    Value v = g.value(name);
    return v == null || v.dtype() == null || v.dtype() == DType.F32;
  }

  static Map<String, List<Node>> consumers(Graph g) {
    Map<String, List<Node>> m = new HashMap<>();
    for (Node n : g.nodes()) {
      for (String in : new LinkedHashSet<>(n.inputs())) {
        m.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
      }
    }
    return m;
  }

  private static Result emit(Graph src, Plan plan, Map<String, double[]> ranges, QuantConfig cfg,
      int bits, Style style) {
    if (style == Style.QDQ && bits != 8) {
      throw new QuantLensException("QuantizeLinear/DequantizeLinear graphs are 8-bit; use the "
          + "simulated style for " + bits + " bits");
    }
    int opset = src.opset("");
    if (style == Style.QDQ && opset < 10) {
      throw new QuantLensException("QDQ needs opset >= 10 (QuantizeLinear); the model has opset " + opset);
    }
    if (style == Style.QDQ && cfg.perChannel() && !plan.weightAxis.isEmpty() && opset < 13) {
      throw new QuantLensException("per-channel weights need opset >= 13 (DequantizeLinear axis); the "
          + "model has opset " + opset + ": re-export at 13 or turn per-channel off");
    }
    if (style == Style.SIMULATED && opset < 11) {
      throw new QuantLensException("simulated quantization needs opset >= 11 (Round); the model has opset " + opset);
    }
    QuantMath.IntRange aRange = cfg.activationRange(bits);
    QuantMath.IntRange wRange = cfg.weightRange(bits);
    boolean aSym = cfg.activationSymmetric();
    Map<String, QuantMath.Params> act = new LinkedHashMap<>();
    for (String t : plan.activations) {
      String root = plan.shareFrom.get(t);
      if (root != null) {
        act.put(t, act.get(root));
      } else if (src.initializers().containsKey(t)) {
        double[][] mm = QuantMath.perAxisMinMax(src.initializers().get(t), -1);
        act.put(t, QuantMath.params(mm[0][0], mm[1][0], aRange, aSym));
      } else {
        double[] r = ranges.get(t);
        if (r == null) {
          throw new QuantLensException("no calibrated range for tensor '" + t + "'");
        }
        act.put(t, QuantMath.params(r[0], r[1], aRange, aSym));
      }
    }
    Emitter e = new Emitter(src, style, cfg.activationType(), aRange, wRange);
    Map<String, QuantMath.Params[]> wParams = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> w : plan.weightAxis.entrySet()) {
      wParams.put(w.getKey(), e.weight(w.getKey(), w.getValue()));
    }
    for (Map.Entry<String, String[]> b : plan.bias.entrySet()) {
      QuantMath.Params in = act.get(b.getValue()[0]);
      QuantMath.Params[] w = wParams.get(b.getValue()[1]);
      if (in != null && w != null) {
        e.bias(b.getKey(), in.scale, w);
      }
    }
    for (String t : plan.activations) {
      if (src.initializers().containsKey(t)) {
        e.constantActivation(t, act.get(t));
      } else {
        e.activation(t, act.get(t), plan.shareFrom.containsKey(t) ? plan.shareFrom.get(t) : null);
      }
    }
    Graph out = e.finish();
    if (style == Style.QDQ) {
      EmbeddingTables.quantize(out, cfg); // int8 embedding tables, per row
    }
    Set<String> names = new LinkedHashSet<>();
    for (Node n : plan.order) {
      if (plan.quantized.contains(n)) {
        names.add(n.name());
        if (plan.fused.containsKey(n)) {
          names.add(plan.fused.get(n).name());
        }
      }
    }
    return new Result(out, act, wParams, names);
  }

  /** Writes quantization into a copy of the graph. */
  private static final class Emitter {
    private final Graph src;
    private final Graph g;
    private final Style style;
    private final DType aType;
    private final QuantMath.IntRange aRange;
    private final QuantMath.IntRange wRange;
    private final Set<String> used = new HashSet<>();
    /** Producer output renames: old name to new. */
    private final Map<String, String> producerRename = new HashMap<>();
    /** Consumer input renames (graph inputs): old name to new. */
    private final Map<String, String> readerRename = new HashMap<>();
    private final List<Node> added = new ArrayList<>();
    /** Scale/zero-point initializer names per quantized activation, so shared params reuse them. */
    private final Map<String, String[]> paramNames = new HashMap<>();

    Emitter(Graph src, Style style, DType aType, QuantMath.IntRange aRange, QuantMath.IntRange wRange) {
      this.src = src;
      this.g = src.copy();
      this.style = style;
      this.aType = aType;
      this.aRange = aRange;
      this.wRange = wRange;
      for (Node n : src.nodes()) {
        used.add(n.name());
        used.addAll(n.outputs());
        used.addAll(n.inputs());
      }
      used.addAll(src.initializers().keySet());
      src.inputs().forEach(v -> used.add(v.name()));
      src.outputs().forEach(v -> used.add(v.name()));
    }

    private String unique(String base) {
      String n = base;
      for (int i = 1; used.contains(n); i++) {
        n = base + "_" + i;
      }
      used.add(n);
      return n;
    }

    QuantMath.Params[] weight(String name, int axis) {
      Tensor w = src.initializers().get(name);
      QuantMath.Params[] p = QuantMath.perAxisParams(w, axis, wRange, true);
      int[] shape = w.shape();
      float[] x = w.toFloats();
      if (style == Style.SIMULATED) {
        float[] fq = new float[w.size()];
        for (int i = 0; i < fq.length; i++) {
          QuantMath.Params c = p[QuantMath.channelOf(i, shape, axis)];
          fq[i] = QuantMath.fakeQuant(x[i], c.scale, c.zeroPoint, wRange);
        }
        g.initializers().put(name, Tensor.of(fq, shape));
        return p;
      }
      byte[] q = new byte[w.size()];
      for (int i = 0; i < q.length; i++) {
        QuantMath.Params c = p[QuantMath.channelOf(i, shape, axis)];
        q[i] = (byte) QuantMath.quantize(x[i], c.scale, c.zeroPoint, wRange);
      }
      g.initializers().remove(name);
      String qn = unique(name + "_quantized");
      g.initializers().put(qn, Tensor.wrap(DType.I8, q, shape));
      String[] sz = paramInitializers(name, p, DType.I8);
      added.add(dq(name, qn, sz, axis < 0 ? null : axis));
      return p;
    }

    void bias(String name, float inScale, QuantMath.Params[] w) {
      Tensor b = src.initializers().get(name);
      float[] x = b.toFloats();
      float[] scales = new float[w.length];
      for (int c = 0; c < w.length; c++) {
        scales[c] = Math.max(inScale * w[c].scale, Float.MIN_NORMAL);
      }
      int[] q = new int[x.length];
      float[] fq = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        float s = scales[w.length == 1 ? 0 : i % w.length];
        double v = Math.rint(x[i] / s);
        q[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
        fq[i] = (float) q[i] * s;
      }
      if (style == Style.SIMULATED) {
        g.initializers().put(name, Tensor.of(fq, b.shape()));
        return;
      }
      g.initializers().remove(name);
      String qn = unique(name + "_quantized");
      g.initializers().put(qn, Tensor.wrap(DType.I32, q, b.shape()));
      boolean perChannel = w.length > 1;
      String sn = unique(name + "_scale");
      String zn = unique(name + "_zero_point");
      g.initializers().put(sn, perChannel ? Tensor.of(scales, w.length) : Tensor.of(new float[] {scales[0]}));
      g.initializers().put(zn, perChannel ? Tensor.zeros(DType.I32, w.length) : Tensor.wrap(DType.I32, new int[1]));
      added.add(dq(name, qn, new String[] {sn, zn}, perChannel ? b.rank() - 1 : null));
    }

    void constantActivation(String name, QuantMath.Params p) {
      Tensor t = src.initializers().get(name);
      float[] x = t.toFloats();
      if (style == Style.SIMULATED) {
        float[] fq = new float[x.length];
        for (int i = 0; i < x.length; i++) {
          fq[i] = QuantMath.fakeQuant(x[i], p.scale, p.zeroPoint, aRange);
        }
        g.initializers().put(name, Tensor.of(fq, t.shape()));
        return;
      }
      Tensor q = Tensor.zeros(aType, t.shape());
      for (int i = 0; i < x.length; i++) {
        q.setLong(i, QuantMath.quantize(x[i], p.scale, p.zeroPoint, aRange));
      }
      g.initializers().remove(name);
      String qn = unique(name + "_quantized");
      g.initializers().put(qn, q);
      added.add(dq(name, qn, paramInitializers(name, new QuantMath.Params[] {p}, aType), null));
    }

    /** Q/DQ (or its simulation) after the producer of {@code t}; {@code sharedWith} reuses params. */
    void activation(String t, QuantMath.Params p, String sharedWith) {
      boolean isInput = src.inputs().stream().anyMatch(v -> v.name().equals(t));
      String floatName;
      String dqName;
      if (isInput) {
        floatName = t;
        dqName = unique(t + "_dequantized");
        readerRename.put(t, dqName);
      } else {
        floatName = unique(t + "_float");
        dqName = t;
        producerRename.put(t, floatName);
      }
      Value info = src.value(t);
      if (info != null && info.shape() != null && !isInput) {
        g.valueInfo().put(floatName, new Value(floatName, DType.F32, info.shape(), info.dimNames()));
      }
      if (style == Style.SIMULATED) {
        simulate(t, floatName, dqName, p);
        return;
      }
      String[] sz = sharedWith != null && paramNames.containsKey(sharedWith) ? paramNames.get(sharedWith)
          : paramInitializers(t, new QuantMath.Params[] {p}, aType);
      paramNames.put(t, sz);
      String qName = unique(t + "_quantized");
      if (info != null && info.shape() != null) {
        g.valueInfo().put(qName, new Value(qName, aType, info.shape(), info.dimNames()));
      }
      added.add(new Node(unique(t + "_QuantizeLinear"), "QuantizeLinear",
          List.of(floatName, sz[0], sz[1]), List.of(qName), Map.of()));
      added.add(dq(dqName, qName, sz, null));
    }

    private void simulate(String t, String in, String out, QuantMath.Params p) {
      String s = unique(t + "_scale");
      String lo = unique(t + "_qmin");
      String hi = unique(t + "_qmax");
      g.initializers().put(s, Tensor.of(new float[] {p.scale}));
      g.initializers().put(lo, Tensor.of(new float[] {aRange.qmin - p.zeroPoint}));
      g.initializers().put(hi, Tensor.of(new float[] {aRange.qmax - p.zeroPoint}));
      String div = unique(t + "_div");
      String rnd = unique(t + "_round");
      String clp = unique(t + "_clip");
      added.add(new Node(unique(t + "_fq_div"), "Div", List.of(in, s), List.of(div), Map.of()));
      added.add(new Node(unique(t + "_fq_round"), "Round", List.of(div), List.of(rnd), Map.of()));
      added.add(new Node(unique(t + "_fq_clip"), "Clip", List.of(rnd, lo, hi), List.of(clp), Map.of()));
      added.add(new Node(unique(t + "_fq_mul"), "Mul", List.of(clp, s), List.of(out), Map.of()));
    }

    /** Scale and zero-point initializers (scalars for one channel, 1-D otherwise). */
    private String[] paramInitializers(String base, QuantMath.Params[] p, DType zpType) {
      String sn = unique(base + "_scale");
      String zn = unique(base + "_zero_point");
      float[] s = new float[p.length];
      Tensor z = p.length == 1 ? Tensor.zeros(zpType) : Tensor.zeros(zpType, p.length);
      for (int c = 0; c < p.length; c++) {
        s[c] = p[c].scale;
        z.setLong(c, p[c].zeroPoint);
      }
      g.initializers().put(sn, p.length == 1 ? Tensor.of(s) : Tensor.of(s, p.length));
      g.initializers().put(zn, z);
      return new String[] {sn, zn};
    }

    private Node dq(String out, String in, String[] sz, Integer axis) {
      Map<String, Attribute> a = axis == null ? Map.of() : Map.of("axis", Attribute.of((long) axis));
      return new Node(unique(out + "_DequantizeLinear"), "DequantizeLinear", List.of(in, sz[0], sz[1]),
          List.of(out), a);
    }

    Graph finish() {
      List<Node> nodes = new ArrayList<>();
      for (Node n : g.nodes()) {
        List<String> ins = new ArrayList<>(n.inputs());
        ins.replaceAll(s -> readerRename.getOrDefault(s, s));
        List<String> outs = new ArrayList<>(n.outputs());
        outs.replaceAll(s -> producerRename.getOrDefault(s, s));
        nodes.add(n.withIO(ins, outs));
      }
      nodes.addAll(added);
      g.nodes().clear();
      g.nodes().addAll(nodes);
      return g;
    }
  }
}
