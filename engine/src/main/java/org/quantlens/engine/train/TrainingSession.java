package org.quantlens.engine.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.UnsupportedOpException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.ops.Operator;
import org.quantlens.engine.runtime.Feeds;
import org.quantlens.engine.runtime.WorkerPool;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.grad.GradContext;
import org.quantlens.engine.train.grad.GradRegistry;
import org.quantlens.engine.train.grad.GradRule;

/**
 * Runs a graph forward keeping every activation, then backward in reverse topological order with
 * one {@link GradRule} per op type, accumulating parameter gradients (and, on request, input
 * gradients such as dLoss/dx for adversarial examples). The graph runs as written: no fusion or
 * folding, and every forward op is the engine's own operator, except the training-mode forwards
 * of Dropout and BatchNormalization. The session owns copies of the trainable initializers
 * ({@link #parameters()}) and of BatchNormalization's running statistics ({@link #buffers()});
 * {@link #exportGraph()} returns the graph with their current values.
 *
 * <p>Not thread-safe: one training loop drives a session. Kernels spread their work over the
 * session's threads so that results never depend on the thread count. Values returned by
 * {@link #forward} and {@link #inputGradient} belong to the session and are valid until the next
 * call.
 *
 * <pre>{@code
 * try (TrainingSession s = new TrainingSession(graph, new TrainingSession.Options().seed(1))) {
 *   Tensor logits = s.forward(Map.of("x", batch)).get("logits");
 *   float[] dLogits = new float[logits.size()];
 *   double loss = new SoftmaxCrossEntropy().compute(logits, labels, dLogits);
 *   s.zeroGrad();
 *   s.backward("logits", dLogits);
 *   optimizer.step(s.parameters(), lr);
 * }
 * }</pre>
 */
public final class TrainingSession implements AutoCloseable {
  /** Settings of a training session. */
  public static final class Options {
    private int threads = Runtime.getRuntime().availableProcessors();
    private long seed;
    private Set<String> trainable;
    private Set<String> inputGradients = Set.of();
    private GradRegistry rules = GradRegistry.standard();
    private java.util.function.LongSupplier clock;

    /** Defaults: all cores, seed 0, every float initializer trainable. */
    public Options() {}

    /** Threads kernels may use (default: available processors). */
    public Options threads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("threads must be at least 1, got " + n);
      }
      this.threads = n;
      return this;
    }

    /** Seed of per-step randomness (dropout masks). */
    public Options seed(long s) {
      this.seed = s;
      return this;
    }

    /** The initializers to train; default {@link ParameterSelection#trainable}. */
    public Options trainable(Collection<String> names) {
      this.trainable = new LinkedHashSet<>(names);
      return this;
    }

    /** Graph inputs whose gradient {@link #inputGradient} should report. */
    public Options inputGradients(String... names) {
      this.inputGradients = new LinkedHashSet<>(Arrays.asList(names));
      return this;
    }

    /**
     * Times every node's forward and backward pass with {@code clock} (nanoseconds, e.g.
     * {@code System::nanoTime}); see {@link TrainingSession#profile()}. Off by default.
     */
    public Options profile(java.util.function.LongSupplier clock) {
      this.clock = clock;
      return this;
    }

    /** The backward rules (default {@link GradRegistry#standard()}). */
    public Options rules(GradRegistry r) {
      this.rules = r;
      return this;
    }
  }

  /** One scheduled node with its forward operators and backward rule. */
  private static final class Step {
    final int index;
    final Node node;
    final NodeContext ctx;
    final Operator op;
    final GradRule.TrainingForward trainForward;
    final GradRule rule;
    final int[] in;
    final int[] out;
    final Tensor[] inBuf;
    boolean backward;
    Object saved;
    long forwardNanos;
    long backwardNanos;
    long calls;
    float[][] scratch = new float[0][];

    Step(int index, Node node, NodeContext ctx, Operator op, GradRule.TrainingForward trainForward,
        GradRule rule, int[] in, int[] out) {
      this.index = index;
      this.node = node;
      this.ctx = ctx;
      this.op = op;
      this.trainForward = trainForward;
      this.rule = rule;
      this.in = in;
      this.out = out;
      this.inBuf = new Tensor[in.length];
    }
  }

  private final Graph graph;
  private final Step[] steps;
  private final Map<String, Integer> slotOf = new HashMap<>();
  private final Map<String, Parameter> params = new LinkedHashMap<>();
  private final List<Parameter> paramList;
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private final Parameter[] paramOfSlot;
  private final boolean[] constantSlot;
  private final boolean[] requiresGrad;
  private final Tensor[] values;
  private final float[][] grads;
  private final boolean[] hasGrad;
  private final WorkerPool pool;
  private final long seed;
  private final java.util.function.LongSupplier clock;
  private final Context context = new Context();
  private boolean training = true;
  private long forwardCount;

  public TrainingSession(Graph graph) {
    this(graph, new Options());
  }

  /**
   * Prepares {@code graph} for training.
   *
   * @throws UnsupportedOpException listing every node a gradient must pass that has no rule
   * @throws ShapeMismatchException if a named parameter or input does not exist or is not float32
   */
  public TrainingSession(Graph graph, Options options) {
    this.graph = graph.copy();
    this.seed = options.seed;
    this.clock = options.clock;
    Set<String> trainable = options.trainable != null ? options.trainable
        : ParameterSelection.trainable(graph);
    Set<String> bufferNames = ParameterSelection.buffers(graph);
    List<Node> order = this.graph.topologicalOrder();
    slotOf.put("", -1);
    List<Tensor> constants = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : this.graph.initializers().entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      if (trainable.contains(name) || bufferNames.contains(name)) {
        if (t.dtype() != DType.F32) {
          throw new ShapeMismatchException("parameter '" + name + "' must be float32, got " + t.dtype());
        }
        t = t.copy();
        if (trainable.contains(name)) {
          params.put(name, new Parameter(name, t));
        } else {
          buffers.put(name, t);
        }
        this.graph.initializers().put(name, t);
      }
      slotOf.put(name, constants.size());
      constants.add(t);
    }
    for (String name : trainable) {
      if (!params.containsKey(name)) {
        throw new ShapeMismatchException("trainable '" + name + "' is not an initializer of graph '"
            + graph.name() + "'");
      }
    }
    for (Value v : this.graph.inputs()) {
      slotOf.computeIfAbsent(v.name(), k -> slotOf.size() - 1);
    }
    for (String name : options.inputGradients) {
      if (this.graph.inputs().stream().noneMatch(v -> v.name().equals(name))) {
        throw new ShapeMismatchException("input gradient asked for '" + name
            + "', which is not a graph input");
      }
    }
    OpRegistry registry = OpRegistry.standard();
    checkSupported(registry);
    List<Step> list = new ArrayList<>();
    for (Node n : order) {
      int[] in = new int[n.inputs().size()];
      Tensor[] consts = new Tensor[in.length];
      Value[] info = new Value[in.length];
      for (int i = 0; i < in.length; i++) {
        String name = n.inputs().get(i);
        in[i] = slotOf.get(name);
        boolean fixed = in[i] >= 0 && in[i] < constants.size() && !params.containsKey(name)
            && !buffers.containsKey(name);
        consts[i] = fixed ? constants.get(in[i]) : null;
        info[i] = this.graph.value(name);
      }
      int[] out = new int[n.outputs().size()];
      for (int i = 0; i < out.length; i++) {
        String name = n.outputs().get(i);
        out[i] = name.isEmpty() ? -1 : slotOf.computeIfAbsent(name, k -> slotOf.size() - 1);
      }
      int opset = this.graph.opset(n.domain());
      NodeContext ctx = new NodeContext(n, opset, consts, info);
      Operator op = registry.find(n.domain(), n.opType(), opset).factory().create(ctx);
      GradRule rule = n.domain().isEmpty() ? options.rules.find(n.opType()) : null;
      GradRule.TrainingForward tf = rule == null ? null : rule.trainingForward(ctx);
      list.add(new Step(list.size(), n, ctx, op, tf, rule, in, out));
    }
    this.steps = list.toArray(new Step[0]);
    int slots = slotOf.size() - 1;
    this.values = new Tensor[slots];
    this.grads = new float[slots][];
    this.hasGrad = new boolean[slots];
    this.requiresGrad = new boolean[slots];
    this.constantSlot = new boolean[slots];
    this.paramOfSlot = new Parameter[slots];
    for (int s = 0; s < constants.size(); s++) {
      values[s] = constants.get(s);
      constantSlot[s] = true;
    }
    for (Parameter p : params.values()) {
      int s = slotOf.get(p.name());
      paramOfSlot[s] = p;
      requiresGrad[s] = true;
    }
    for (String name : options.inputGradients) {
      requiresGrad[slotOf.get(name)] = true;
    }
    this.paramList = List.copyOf(params.values());
    planBackward();
    this.pool = new WorkerPool(options.threads);
  }

  private void checkSupported(OpRegistry registry) {
    List<String> problems = new ArrayList<>();
    for (Node n : graph.nodes()) {
      int v = graph.opset(n.domain());
      if (registry.find(n.domain(), n.opType(), v) == null) {
        problems.add(n.describe() + " at opset " + v + ": operator not supported");
      }
    }
    if (!problems.isEmpty()) {
      throw new UnsupportedOpException(problems);
    }
  }

  /**
   * Marks which values need gradients (downstream of a parameter or a watched input) and which
   * nodes run backward (those also upstream of a graph output); a node a gradient must cross
   * without a rule is an error, all such nodes listed at once.
   */
  private void planBackward() {
    for (Step st : steps) {
      boolean any = false;
      for (int i = 0; i < st.in.length; i++) {
        int s = st.in[i];
        any |= s >= 0 && requiresGrad[s] && (st.rule == null || st.rule.differentiable(i));
      }
      if (any) {
        for (int s : st.out) {
          if (s >= 0) {
            requiresGrad[s] = true;
          }
        }
      }
    }
    boolean[] reaches = new boolean[values.length];
    for (Value v : graph.outputs()) {
      Integer s = slotOf.get(v.name());
      if (s == null) {
        throw new org.quantlens.engine.ModelLoadException("graph output '" + v.name()
            + "' is produced by no node, input or initializer");
      }
      reaches[s] = true;
    }
    List<String> missing = new ArrayList<>();
    for (int k = steps.length - 1; k >= 0; k--) {
      Step st = steps[k];
      boolean feedsOutput = false;
      for (int s : st.out) {
        feedsOutput |= s >= 0 && reaches[s] && requiresGrad[s];
      }
      if (!feedsOutput) {
        continue;
      }
      if (st.rule == null) {
        missing.add(st.node.describe() + ": no backward rule");
        continue;
      }
      for (int i = 0; i < st.in.length; i++) {
        int s = st.in[i];
        if (s >= 0 && requiresGrad[s] && st.rule.differentiable(i)) {
          st.backward = true;
          reaches[s] = true;
        }
      }
    }
    if (!missing.isEmpty()) {
      Collections.reverse(missing);
      throw new UnsupportedOpException(missing);
    }
  }

  /** The trainable parameters, in initializer order. */
  public List<Parameter> parameters() {
    return paramList;
  }

  /** The parameter named {@code name}, or null. */
  public Parameter parameter(String name) {
    return params.get(name);
  }

  /** State updated by training but not by the optimizer (BatchNormalization running statistics). */
  public Map<String, Tensor> buffers() {
    return Collections.unmodifiableMap(buffers);
  }

  /** The graph inputs to feed. */
  public List<Value> inputs() {
    return List.copyOf(graph.inputs());
  }

  /** The graph outputs. */
  public List<Value> outputs() {
    return List.copyOf(graph.outputs());
  }

  /** The session's thread pool, for callers that want to parallelise like the kernels. */
  public ExecContext exec() {
    return pool;
  }

  /** Training mode (default): dropout active, batch normalisation on batch statistics. */
  public void setTraining(boolean on) {
    this.training = on;
  }

  public boolean isTraining() {
    return training;
  }

  /** Sets every parameter gradient to zero. */
  public void zeroGrad() {
    for (Parameter p : params.values()) {
      Arrays.fill(p.grad(), 0f);
    }
  }

  /**
   * Runs the graph on {@code feeds}, keeping the activations for {@link #backward}. Returns the
   * graph outputs by name (owned by the session, valid until the next forward).
   */
  public Map<String, Tensor> forward(Map<String, Tensor> feeds) {
    bind(feeds);
    long pass = training ? ++forwardCount : forwardCount;
    for (Step st : steps) {
      for (int i = 0; i < st.in.length; i++) {
        st.inBuf[i] = st.in[i] < 0 ? null : values[st.in[i]];
      }
      Tensor[] out;
      long t0 = clock == null ? 0 : clock.getAsLong();
      try {
        if (training && st.trainForward != null) {
          st.saved = null;
          out = st.trainForward.run(st.inBuf, mix(seed, pass, st.index), o -> st.saved = o, pool);
        } else {
          out = st.op.run(st.inBuf, pool);
        }
      } catch (QuantLensException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new QuantLensException(st.node.describe() + " failed: " + e, e);
      }
      if (clock != null) {
        st.forwardNanos += clock.getAsLong() - t0;
        st.calls++;
      }
      for (int i = 0; i < st.out.length && i < out.length; i++) {
        if (st.out[i] >= 0) {
          values[st.out[i]] = out[i];
        }
      }
    }
    Map<String, Tensor> result = new LinkedHashMap<>();
    for (Value v : graph.outputs()) {
      Tensor t = values[slotOf.get(v.name())];
      if (t == null) {
        throw new QuantLensException("graph output '" + v.name() + "' was not computed");
      }
      result.put(v.name(), t);
    }
    return result;
  }

  /** A per-step, per-node seed: splitmix64 of the three. */
  private static long mix(long seed, long pass, int node) {
    long z = seed + 0x9E3779B97F4A7C15L * (pass + 1) + 0xBF58476D1CE4E5B9L * (node + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private void bind(Map<String, Tensor> feeds) {
    for (String name : feeds.keySet()) {
      if (graph.inputs().stream().noneMatch(v -> v.name().equals(name))) {
        throw Feeds.unknown(name, graph.initializers().keySet(),
            graph.inputs().stream().map(Value::name).toList());
      }
    }
    for (Value v : graph.inputs()) {
      Tensor t = feeds.get(v.name());
      if (t == null) {
        throw Feeds.missing(v);
      }
      Feeds.check(v, v.shape(), t);
      values[slotOf.get(v.name())] = t;
    }
  }

  /** Backward from one output: {@code grad} is dLoss/d(output), in the output's C order. */
  public void backward(String output, float[] grad) {
    Map<String, float[]> m = new HashMap<>();
    m.put(output, grad);
    backward(m);
  }

  /**
   * Backward from several outputs at once, after {@link #forward}. Parameter gradients ADD to
   * what they hold (call {@link #zeroGrad} first unless accumulating over several batches).
   */
  public void backward(Map<String, float[]> outputGrads) {
    for (int s = 0; s < hasGrad.length; s++) {
      hasGrad[s] = false;
    }
    for (Map.Entry<String, float[]> e : outputGrads.entrySet()) {
      Integer s = slotOf.get(e.getKey());
      if (s == null || !graph.isOutput(e.getKey())) {
        throw new ShapeMismatchException("'" + e.getKey() + "' is not a graph output");
      }
      Tensor v = values[s];
      if (v == null) {
        throw new QuantLensException("backward before forward: '" + e.getKey() + "' has no value");
      }
      if (e.getValue().length < v.size()) {
        throw new ShapeMismatchException("gradient of '" + e.getKey() + "' has " + e.getValue().length
            + " values, the output " + v.size());
      }
      if (!requiresGrad[s]) {
        continue;
      }
      float[] g = gradBuffer(s);
      float[] src = e.getValue();
      for (int i = 0; i < v.size(); i++) {
        g[i] += src[i];
      }
    }
    for (int k = steps.length - 1; k >= 0; k--) {
      Step st = steps[k];
      if (!st.backward || !anyOutputGrad(st)) {
        continue;
      }
      context.step = st;
      long t0 = clock == null ? 0 : clock.getAsLong();
      try {
        st.rule.backward(context);
      } catch (QuantLensException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new QuantLensException(st.node.describe() + " backward failed: " + e, e);
      }
      if (clock != null) {
        st.backwardNanos += clock.getAsLong() - t0;
      }
    }
  }

  /** True when a gradient reached some output of {@code st} (LSTM's Y may be absent, Y_h used). */
  private boolean anyOutputGrad(Step st) {
    for (int s : st.out) {
      if (s >= 0 && hasGrad[s]) {
        return true;
      }
    }
    return false;
  }

  /**
   * With {@link Options#profile}: per node, in graph order, {@code "name (op)"} to
   * {@code {forward nanos, backward nanos, forward calls}} accumulated so far.
   */
  public Map<String, long[]> profile() {
    Map<String, long[]> m = new LinkedHashMap<>();
    for (Step st : steps) {
      m.put(st.node.name() + " (" + st.node.opType() + ")",
          new long[] {st.forwardNanos, st.backwardNanos, st.calls});
    }
    return m;
  }

  /** The gradient buffer of slot {@code s}, zeroed on first use in a backward pass. */
  private float[] gradBuffer(int s) {
    return gradBuffer(s, true);
  }

  /** As {@link #gradBuffer(int)}; {@code zero = false} skips the fill (the caller overwrites). */
  private float[] gradBuffer(int s, boolean zero) {
    Parameter p = paramOfSlot[s];
    if (p != null) {
      hasGrad[s] = true;
      return p.grad();
    }
    int n = values[s].size();
    float[] g = grads[s];
    if (g == null || g.length < n) {
      g = new float[n];
      grads[s] = g;
    } else if (!hasGrad[s] && zero) {
      Arrays.fill(g, 0, n, 0f);
    }
    hasGrad[s] = true;
    return g;
  }

  /**
   * dLoss/d(input) of a graph input named in {@link Options#inputGradients} after the last
   * {@link #backward} (zeros when no gradient reached it). Owned by the session.
   */
  public Tensor inputGradient(String name) {
    Integer s = slotOf.get(name);
    if (s == null || s < 0 || !requiresGrad[s] || paramOfSlot[s] != null || constantSlot[s]) {
      throw new ShapeMismatchException("no gradient is kept for '" + name
          + "': name it in Options.inputGradients");
    }
    Tensor v = values[s];
    if (!hasGrad[s]) {
      return Tensor.zeros(DType.F32, v.shape());
    }
    return Tensor.wrap(DType.F32, grads[s], v.shape());
  }

  /**
   * The graph with the current parameter and buffer values as initializers (copies), ready for
   * inference or export.
   */
  public Graph exportGraph() {
    Graph g = graph.copy();
    for (Parameter p : params.values()) {
      g.initializers().put(p.name(), p.value().copy());
    }
    for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
      g.initializers().put(e.getKey(), e.getValue().copy());
    }
    return g;
  }

  @Override
  public void close() {
    pool.close();
  }

  /** The per-node view the rules see; one instance re-pointed at each step. */
  private final class Context implements GradContext {
    Step step;

    @Override
    public NodeContext node() {
      return step.ctx;
    }

    @Override
    public Tensor input(int i) {
      return i < step.in.length && step.in[i] >= 0 ? values[step.in[i]] : null;
    }

    @Override
    public Tensor output(int i) {
      return i < step.out.length && step.out[i] >= 0 ? values[step.out[i]] : null;
    }

    @Override
    public float[] outputGrad(int i) {
      int s = i < step.out.length ? step.out[i] : -1;
      return s >= 0 && hasGrad[s] ? (paramOfSlot[s] != null ? paramOfSlot[s].grad() : grads[s]) : null;
    }

    @Override
    public boolean needsGrad(int i) {
      int s = i < step.in.length ? step.in[i] : -1;
      return s >= 0 && requiresGrad[s] && step.rule.differentiable(i) && values[s] != null
          && values[s].dtype() == DType.F32;
    }

    @Override
    public float[] inputGrad(int i) {
      if (!needsGrad(i)) {
        throw new IllegalStateException(step.node.describe() + ": input " + i + " takes no gradient");
      }
      return gradBuffer(step.in[i]);
    }

    @Override
    public boolean canOverwrite(int i) {
      return needsGrad(i) && !hasGrad[step.in[i]] && paramOfSlot[step.in[i]] == null;
    }

    @Override
    public float[] overwriteGrad(int i) {
      if (!canOverwrite(i)) {
        throw new IllegalStateException(step.node.describe() + ": input " + i
            + "'s gradient already holds contributions");
      }
      return gradBuffer(step.in[i], false);
    }

    @Override
    public Object saved() {
      return step.saved;
    }

    @Override
    public boolean training() {
      return training;
    }

    @Override
    public ExecContext exec() {
      return pool;
    }

    @Override
    public float[] scratch(int key, int size) {
      if (key >= step.scratch.length) {
        step.scratch = Arrays.copyOf(step.scratch, key + 1);
      }
      float[] a = step.scratch[key];
      if (a == null || a.length < size) {
        a = new float[size];
        step.scratch[key] = a;
      }
      return a;
    }
  }
}
