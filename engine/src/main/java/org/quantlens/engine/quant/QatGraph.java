package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
import org.quantlens.engine.train.ParameterSelection;
import org.quantlens.engine.train.grad.FakeQuantGrad;
import org.quantlens.engine.train.grad.GradRegistry;

/**
 * Quantization-aware training: a float graph with a QuantizeLinear/DequantizeLinear pair on every
 * tensor the static-int8 plan of {@link Ptq} quantizes (weights per channel, activations per tensor),
 * plus the weights and inputs of LSTM, GRU and RNN nodes. Weights stay float initializers and stay
 * trainable; {@link FakeQuantGrad} makes the pairs fake-quantize in training mode with a
 * straight-through gradient and keeps their scales current (weights from their min/max every step,
 * activations from a moving average of batch min/max).
 *
 * <p>After training, {@link #convert} writes the same QDQ form {@link Ptq} writes (int8 weights,
 * int32 biases, the learned activation parameters), so QAT and PTQ models lower to the same int8
 * kernels and export to the same ONNX.
 *
 * <pre>{@code
 * QatGraph qat = QatGraph.insert(floatGraph, calibration, QuantConfig.defaults());
 * try (TrainingSession s = new TrainingSession(qat.graph(), new TrainingSession.Options()
 *     .trainable(qat.trainable()).rules(qat.rules(GradRegistry.standard())))) {
 *   trainer.fit(s, train, test);
 *   Graph qdq = qat.convert(s.exportGraph(), null).graph();
 * }
 * }</pre>
 *
 * The scale and zero-point initializers of {@link #graph()} are updated in place by training; build
 * one {@code QatGraph} per training run.
 */
public final class QatGraph {
  private final Graph floatGraph;
  private final Graph graph;
  private final QuantConfig cfg;
  private final Set<String> trainable;
  /** Observed activation (float graph name) to its {scale, zero point} initializer names. */
  private final Map<String, String[]> activationParams;
  private final Map<String, FakeQuantGrad.Kind> kinds;
  /** Weight initializer to {scale, zero point} initializer names and its axis. */
  private final Map<String, String[]> weightParams;
  private final Map<String, Integer> weightAxis;

  private QatGraph(Graph floatGraph, Graph graph, QuantConfig cfg, Set<String> trainable,
      Map<String, String[]> activationParams, Map<String, FakeQuantGrad.Kind> kinds,
      Map<String, String[]> weightParams, Map<String, Integer> weightAxis) {
    this.weightParams = weightParams;
    this.weightAxis = weightAxis;
    this.floatGraph = floatGraph;
    this.graph = graph;
    this.cfg = cfg;
    this.trainable = trainable;
    this.activationParams = activationParams;
    this.kinds = kinds;
  }

  /** Recurrent ops whose weights (inputs 1, 2) and input (0) QAT fake-quantizes. */
  static final Set<String> RECURRENT = Set.of("LSTM", "GRU", "RNN");

  /**
   * Inserts fake quantization into {@code floatGraph} (first {@link Ptq#prepare prepared}: shapes,
   * constant folding, BatchNormalization folded into the Conv before it). Activation ranges start
   * from a calibration pass over {@code calib} with {@code cfg}'s method; training then moves them.
   */
  public static QatGraph insert(Graph floatGraph, Calibration calib, QuantConfig cfg) {
    if (cfg == null) {
      cfg = QuantConfig.defaults();
    }
    Graph g = Ptq.prepare(floatGraph);
    int opset = g.opset("");
    if (opset < 13) {
      throw new QuantLensException("quantization-aware training needs opset >= 13 (per-channel "
          + "DequantizeLinear); the model has opset " + opset);
    }
    Ptq.Plan plan = Ptq.Plan.of(g, cfg);
    Map<String, Integer> weightAxis = new LinkedHashMap<>(plan.weightAxis);
    LinkedHashSet<String> activations = new LinkedHashSet<>(plan.activations);
    for (Node n : g.topologicalOrder()) {
      if (!n.domain().isEmpty() || !RECURRENT.contains(n.opType()) || cfg.keepFloat().contains(n.name())) {
        continue;
      }
      for (int i = 1; i <= 2; i++) {
        if (Ptq.isFloatInitializer(g, n.input(i))) {
          weightAxis.putIfAbsent(n.input(i), cfg.perChannel() ? 1 : -1);
        }
      }
      if (Ptq.isFloat(g, n.input(0)) && !g.initializers().containsKey(n.input(0))) {
        activations.add(n.input(0));
      }
    }
    List<String> observed = new ArrayList<>();
    for (String t : activations) {
      if (!plan.shareFrom.containsKey(t) && !g.initializers().containsKey(t)) {
        observed.add(t);
      }
    }
    if (calib == null || calib.isEmpty()) {
      throw new QuantLensException("quantization-aware training needs calibration samples to start "
          + "its activation ranges");
    }
    Map<String, double[]> ranges = observed.isEmpty() ? Map.of()
        : Calibrator.ranges(g, calib, cfg, 8, observed);
    Set<String> trainable = ParameterSelection.trainable(g);
    Writer w = new Writer(g, cfg);
    for (Map.Entry<String, Integer> e : weightAxis.entrySet()) {
      w.weight(e.getKey(), e.getValue());
    }
    for (String t : activations) {
      if (g.initializers().containsKey(t)) {
        continue; // constant operands: quantized at conversion, float while training
      }
      String root = plan.shareFrom.get(t);
      if (root != null && w.params.containsKey(root)) {
        w.activation(t, null, w.params.get(root));
      } else {
        double[] r = ranges.get(t);
        if (r == null) {
          continue; // shares the parameters of a tensor that is not quantized
        }
        QuantMath.Params p = QuantMath.params(r[0], r[1], cfg.activationRange(8), cfg.activationSymmetric());
        w.activation(t, p, null);
      }
    }
    Map<String, String[]> params = new LinkedHashMap<>();
    for (String t : observed) {
      params.put(t, w.initializerNames.get(t));
    }
    Map<String, String[]> wp = new LinkedHashMap<>();
    for (String name : weightAxis.keySet()) {
      wp.put(name, w.initializerNames.get(name));
    }
    return new QatGraph(g, w.finish(), cfg, trainable, params, w.kinds, wp, weightAxis);
  }

  /** The graph to train (float weights, QuantizeLinear/DequantizeLinear pairs). */
  public Graph graph() {
    return graph;
  }

  /** The prepared float graph fake quantization was inserted into. */
  public Graph floatGraph() {
    return floatGraph;
  }

  /** The initializers to train: those {@link ParameterSelection#trainable} picks in the float graph. */
  public Set<String> trainable() {
    return trainable;
  }

  /** {@code base} plus the fake-quant rules of this graph's pairs. */
  public GradRegistry rules(GradRegistry base) {
    return new FakeQuantGrad(kinds, cfg.momentum(), cfg.activationRange(8), cfg.activationSymmetric(),
        cfg.weightRange(8)).registry(base);
  }

  /** The float graph with the trained weights of {@code trained} (a graph of this QAT run). */
  public Graph trainedFloat(Graph trained) {
    Graph f = floatGraph.copy();
    for (String name : trainable) {
      Tensor t = trained.initializers().get(name);
      if (t == null) {
        throw new QuantLensException("the trained graph has no initializer '" + name + "'");
      }
      f.initializers().put(name, t.copy());
    }
    return f;
  }

  /**
   * {@code trained} (a graph of this QAT run, e.g. {@code TrainingSession.exportGraph()}) with new
   * scale tensors for its weights, recomputed from the final weights as the training forward
   * does; run with optimisation off, it is the fake-quantized model in float.
   */
  public Graph fakeQuantGraph(Graph trained) {
    Graph g = trained.copy();
    QuantMath.IntRange grid = cfg.weightRange(8);
    for (Map.Entry<String, String[]> e : weightParams.entrySet()) {
      Tensor w = trained.initializers().get(e.getKey());
      QuantMath.Params[] p = QuantMath.perAxisParams(w, weightAxis.get(e.getKey()), grid, true);
      float[] s = new float[p.length];
      for (int c = 0; c < p.length; c++) {
        s[c] = p[c].scale;
      }
      g.initializers().put(e.getValue()[0], p.length == 1 ? Tensor.of(s) : Tensor.of(s, p.length));
    }
    for (String[] names : activationParams.values()) {
      for (String n : names) {
        g.initializers().put(n, trained.initializers().get(n).copy());
      }
    }
    return g;
  }

  /** The learned range {@code {lo, hi}} of each observed activation in {@code trained}. */
  public Map<String, double[]> ranges(Graph trained) {
    Map<String, double[]> r = new LinkedHashMap<>();
    QuantMath.IntRange grid = cfg.activationRange(8);
    for (Map.Entry<String, String[]> e : activationParams.entrySet()) {
      Tensor s = trained.initializers().get(e.getValue()[0]);
      Tensor z = trained.initializers().get(e.getValue()[1]);
      double scale = s.getDouble(0);
      long zp = z.getLong(0);
      r.put(e.getKey(), new double[] {(grid.qmin - zp) * scale, (grid.qmax - zp) * scale});
    }
    return r;
  }

  /**
   * The static-int8 QDQ form of a trained graph: the float graph with the trained weights,
   * quantized by {@link Ptq} with the learned activation parameters. Tensors the PTQ plan
   * quantizes that training did not observe are calibrated on {@code fallback} (an error when it
   * is null).
   */
  public Ptq.Result convert(Graph trained, Calibration fallback) {
    Graph f = trainedFloat(trained);
    Map<String, double[]> ranges = new LinkedHashMap<>(ranges(trained));
    Ptq.Plan plan = Ptq.Plan.of(f, cfg);
    List<String> missing = new ArrayList<>();
    for (String t : plan.activations) {
      if (!plan.shareFrom.containsKey(t) && !f.initializers().containsKey(t) && !ranges.containsKey(t)) {
        missing.add(t);
      }
    }
    if (!missing.isEmpty()) {
      if (fallback == null) {
        throw new QuantLensException("no learned range for " + missing + "; pass calibration data");
      }
      ranges.putAll(Calibrator.ranges(f, fallback, cfg, 8, missing));
    }
    return Ptq.quantize(f, ranges, cfg, 8, Ptq.Style.QDQ);
  }

  /** Writes the pairs into a copy of the float graph. */
  private static final class Writer {
    private final Graph src;
    private final Graph g;
    private final QuantConfig cfg;
    private final Set<String> used = new HashSet<>();
    private final Map<String, String> producerRename = new HashMap<>();
    private final Map<String, String> readerRename = new HashMap<>();
    private final List<Node> added = new ArrayList<>();
    /** Quantized tensor to the live (Identity) names of its scale and zero point. */
    final Map<String, String[]> params = new HashMap<>();
    /** Quantized tensor to its scale and zero-point initializer names. */
    final Map<String, String[]> initializerNames = new HashMap<>();
    final Map<String, FakeQuantGrad.Kind> kinds = new LinkedHashMap<>();

    Writer(Graph src, QuantConfig cfg) {
      this.src = src;
      this.g = src.copy();
      this.cfg = cfg;
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

    void weight(String name, int axis) {
      Tensor w = src.initializers().get(name);
      QuantMath.Params[] p = QuantMath.perAxisParams(w, axis, cfg.weightRange(8), true);
      String[] live = liveParams(name, p, DType.I8);
      String fq = unique(name + "_fake_quantized");
      readerRename.put(name, fq);
      pair(name, name, fq, live, axis < 0 ? null : axis, w.shape(), FakeQuantGrad.Kind.WEIGHT);
    }

    void activation(String t, QuantMath.Params p, String[] shared) {
      boolean isInput = src.inputs().stream().anyMatch(v -> v.name().equals(t));
      String floatName;
      String fqName;
      if (isInput) {
        floatName = t;
        fqName = unique(t + "_fake_quantized");
        readerRename.put(t, fqName);
      } else {
        floatName = unique(t + "_float");
        fqName = t;
        producerRename.put(t, floatName);
      }
      Value info = src.value(t);
      int[] shape = info == null ? null : info.shape();
      if (shape != null && !isInput) {
        g.valueInfo().put(floatName, new Value(floatName, DType.F32, shape, info.dimNames()));
      }
      String[] live = shared != null ? shared
          : liveParams(t, new QuantMath.Params[] {p}, cfg.activationType());
      pair(t, floatName, fqName, live, null, null,
          shared != null ? FakeQuantGrad.Kind.FOLLOWER : FakeQuantGrad.Kind.ACTIVATION);
    }

    private void pair(String base, String in, String out, String[] live, Integer axis, int[] shape,
        FakeQuantGrad.Kind kind) {
      Map<String, Attribute> a = axis == null ? Map.of() : Map.of("axis", Attribute.of((long) axis));
      String q = unique(base + "_qat_q");
      String qNode = unique(base + "_QuantizeLinear");
      added.add(new Node(qNode, "QuantizeLinear", List.of(in, live[0], live[1]), List.of(q), a));
      added.add(new Node(unique(base + "_DequantizeLinear"), "DequantizeLinear",
          List.of(q, live[0], live[1]), List.of(out), a));
      kinds.put(qNode, kind);
      params.put(base, live);
    }

    /** Scale and zero-point initializers read through Identity, so ops see their updates. */
    private String[] liveParams(String base, QuantMath.Params[] p, DType zpType) {
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
      initializerNames.put(base, new String[] {sn, zn});
      String sl = unique(sn + "_live");
      String zl = unique(zn + "_live");
      added.add(new Node(unique(sn + "_Identity"), "Identity", List.of(sn), List.of(sl), Map.of()));
      added.add(new Node(unique(zn + "_Identity"), "Identity", List.of(zn), List.of(zl), Map.of()));
      return new String[] {sl, zl};
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
