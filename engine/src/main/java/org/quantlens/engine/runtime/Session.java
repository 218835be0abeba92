package org.quantlens.engine.runtime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Passes;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.ops.Operator;
import org.quantlens.engine.ops.SaturationCounter;
import org.quantlens.engine.quant.QdqFolding;
import org.quantlens.engine.tensor.Tensor;

/**
 * Runs a graph. Construction optimises a copy of the graph and prepares every operator (weights
 * packed once); {@link #run} may then be called from many threads at once: the plan is immutable
 * and each call keeps its intermediates to itself. Intermediate buffers freed by one call are
 * recycled by later ones (see {@link Options#poolBytes}); what {@code run} returns is never reused. Close the session to stop its worker threads.
 *
 * <pre>{@code
 * try (Session s = new Session(graph)) {
 *   Tensor logits = s.run(Map.of("input", image)).get("output");
 * }
 * }</pre>
 */
public final class Session implements AutoCloseable {
  /** Settings of a session. */
  public static final class Options {
    private int threads = Runtime.getRuntime().availableProcessors();
    private boolean optimize = true;
    private ValueObserver observer;
    private long poolBytes = BufferPool.DEFAULT_MAX_BYTES;
    private boolean countSaturation;

    /** Threads one call may use (default: available processors). */
    public Options threads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("threads must be at least 1, got " + n);
      }
      this.threads = n;
      return this;
    }

    /** Whether to apply graph passes (fusion, folding); default true. */
    public Options optimize(boolean on) {
      this.optimize = on;
      return this;
    }

    /**
     * Calls {@code o} with every computed value. Passes rename and remove intermediates, so an
     * observer that must see the graph's own value names also sets {@code optimize(false)}.
     */
    public Options observer(ValueObserver o) {
      this.observer = o;
      return this;
    }

    /**
     * Bytes of freed intermediate buffers the session keeps for reuse by later runs (default 256
     * MB); 0 turns recycling off.
     */
    public Options poolBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("poolBytes must be at least 0, got " + bytes);
      }
      this.poolBytes = bytes;
      return this;
    }

    /**
     * Whether quantizing nodes count saturated values (clipped at the low or high end of the
     * integer range: QuantizeLinear, DynamicQuantizeLinear, DynamicQuantizeMatMul's input, the
     * requantized outputs of QLinearConv, QLinearMatMul, QGemm, QLinearAdd/Mul and QLinear average
     * pooling) and non-finite inputs (table-driven ops such as QLinearSigmoid do not count); read them with
     * {@link Session#saturation()}. Default false: then the kernels do no counting work at all.
     * When on, each counting node makes one extra pass over data it just produced (still in cache).
     */
    public Options countSaturation(boolean on) {
      this.countSaturation = on;
      return this;
    }
  }

  /** The graph's inputs and outputs (the graph itself is not kept: it would hold the weights). */
  private final List<Value> inputs;
  private final List<Value> outputs;
  private final ExecutionPlan plan;
  private final WorkerPool pool;
  private final ValueObserver observer;
  private final BufferPool buffers;
  /** Contexts of finished runs, kept for reuse by later runs (null entries are free places). */
  private final java.util.concurrent.atomic.AtomicReferenceArray<RunContext> idle;
  /** The declared shape of each plan input (Value.shape() copies it; a run must not). */
  private final int[][] inputShapes;
  /** One counter per plan step when counting saturation, else null. */
  private final SaturationCounter[] saturation;
  /** The model's initializer names, for the error a feed of one of them gets. */
  private final Set<String> initializers;

  public Session(Graph graph) {
    this(graph, new Options());
  }

  public Session(Graph graph, Options options) {
    Graph g = graph.copy();
    this.initializers = Set.copyOf(graph.initializers().keySet());
    if (options.optimize && hasQdq(g)) {
      g = QdqFolding.fold(g).graph(); // QDQ models run on the int8 kernels where patterns allow
    }
    Graph optimized = options.optimize ? Passes.optimize(g) : g;
    this.inputs = List.copyOf(optimized.inputs());
    this.outputs = List.copyOf(optimized.outputs());
    this.plan = ExecutionPlan.build(optimized, OpRegistry.standard());
    this.pool = new WorkerPool(options.threads);
    this.observer = options.observer;
    this.buffers = new BufferPool(options.poolBytes);
    this.inputShapes = new int[plan.inputValues.length][];
    for (int i = 0; i < inputShapes.length; i++) {
      inputShapes[i] = plan.inputValues[i].shape();
    }
    this.idle = new java.util.concurrent.atomic.AtomicReferenceArray<>(8);
    this.saturation = options.countSaturation ? newCounters(plan.steps.size()) : null;
  }

  private static SaturationCounter[] newCounters(int n) {
    SaturationCounter[] c = new SaturationCounter[n];
    for (int i = 0; i < n; i++) {
      c[i] = new SaturationCounter();
    }
    return c;
  }

  /**
   * The saturation counts of every node that quantized values, summed over all runs so far
   * (runs still in flight may be partly included).
   *
   * @throws IllegalStateException unless the session was made with
   *     {@link Options#countSaturation(boolean) countSaturation(true)}
   */
  public SaturationReport saturation() {
    requireCounting();
    List<SaturationReport.Entry> e = new java.util.ArrayList<>();
    for (int i = 0; i < saturation.length; i++) {
      SaturationCounter c = saturation[i];
      long total = c.total();
      if (total > 0) {
        org.quantlens.engine.graph.Node n = plan.steps.get(i).node;
        e.add(new SaturationReport.Entry(n.name(), n.opType(), c.low(), c.high(), c.nonFinite(), total));
      }
    }
    return new SaturationReport(e);
  }

  /** Sets the saturation counts back to zero (e.g. between data sets). */
  public void resetSaturation() {
    requireCounting();
    for (SaturationCounter c : saturation) {
      c.reset();
    }
  }

  /** True when the session counts saturation. */
  public boolean countsSaturation() {
    return saturation != null;
  }

  private void requireCounting() {
    if (saturation == null) {
      throw new IllegalStateException("this session does not count saturation; make it with "
          + "new Session.Options().countSaturation(true)");
    }
  }

  /** The session's buffer pool (for tests). */
  BufferPool buffers() {
    return buffers;
  }

  private static boolean hasQdq(Graph g) {
    return g.nodes().stream().anyMatch(n -> n.domain().isEmpty()
        && (n.opType().equals("QuantizeLinear") || n.opType().equals("DequantizeLinear")));
  }

  /** The graph inputs to feed, with their declared types and shapes. */
  public List<Value> inputs() {
    return inputs;
  }

  /** The graph outputs, with what is known of their types and shapes. */
  public List<Value> outputs() {
    return outputs;
  }

  /**
   * Runs the graph on {@code feeds} (graph input name to tensor) and returns every graph output by
   * name, in the graph's order.
   *
   * @throws ShapeMismatchException if an input is missing, unknown, or of the wrong type or shape
   */
  public Map<String, Tensor> run(Map<String, Tensor> feeds) {
    RunContext ctx = takeContext();
    Map<String, Tensor> result = run(feeds, ctx);
    ctx.reset();
    giveContext(ctx);
    return result;
  }

  private Map<String, Tensor> run(Map<String, Tensor> feeds, RunContext ctx) {
    Tensor[] slots = ctx.slots;
    for (int i = 0; i < plan.constantSlots.length; i++) {
      slots[plan.constantSlots[i]] = plan.constantTensors[i];
    }
    bindInputs(feeds, ctx);
    // An observer may keep the values it sees, so nothing is recycled while one is attached.
    boolean recycle = observer == null;
    ExecutionPlan.Step[] steps = plan.stepArray;
    for (int index = 0; index < steps.length; index++) {
      ExecutionPlan.Step step = steps[index];
      ctx.running(step.node);
      if (saturation != null) {
        ctx.saturation(saturation[index]);
      }
      Tensor[] in = ctx.inputs[index];
      for (int i = 0; i < in.length; i++) {
        in[i] = step.in[i] < 0 ? null : slots[step.in[i]];
      }
      Tensor[] out = invoke(step, in, ctx);
      for (int i = 0; i < step.out.length && i < out.length; i++) {
        if (step.out[i] >= 0) {
          slots[step.out[i]] = out[i];
          if (out[i] != null) {
            ctx.hold(out[i]);
          }
          if (observer != null && out[i] != null) {
            observer.onValue(step.node.outputs().get(i), out[i]);
          }
        }
      }
      for (int s : step.release) {
        if (recycle && slots[s] != null) {
          ctx.drop(slots[s]);
        }
        slots[s] = null;
      }
    }
    // sized for the outputs: the default table of 16 would be most of a small model's garbage
    Map<String, Tensor> result = new LinkedHashMap<>(plan.outputNames.length * 4 / 3 + 1);
    for (int o = 0; o < plan.outputNames.length; o++) {
      String name = plan.outputNames[o];
      Tensor t = slots[plan.outputSlotArray[o]];
      if (t == null) {
        throw new QuantLensException("graph output '" + name + "' was not computed");
      }
      // Callers own what run returns: never hand out a constant (or a view of one), nor a feed.
      boolean shared = plan.constantData.containsKey(t.data()) || sharesData(ctx.feeds, t)
          || sharesData(ctx.returned, t);
      ctx.disown(t);
      Tensor r = shared ? t.copy() : t;
      ctx.returned[o] = r;
      result.put(name, r);
    }
    return result;
  }

  /** Whether a tensor of {@code ts} (nulls skipped) has {@code t}'s backing array. */
  private static boolean sharesData(Tensor[] ts, Tensor t) {
    for (Tensor f : ts) {
      if (f != null && f.data() == t.data()) {
        return true;
      }
    }
    return false;
  }

  /** A finished run's context to reuse, else a new one. */
  private RunContext takeContext() {
    for (int i = 0; i < idle.length(); i++) {
      RunContext c = idle.get(i);
      if (c != null && idle.compareAndSet(i, c, null)) {
        return c;
      }
    }
    return new RunContext(pool, buffers, plan);
  }

  /** Keeps {@code c} for a later run if there is room (else the garbage collector takes it). */
  private void giveContext(RunContext c) {
    for (int i = 0; i < idle.length(); i++) {
      if (idle.get(i) == null && idle.compareAndSet(i, null, c)) {
        return;
      }
    }
  }

  private Tensor[] invoke(ExecutionPlan.Step step, Tensor[] in, RunContext ctx) {
    Operator op = step.op;
    try {
      return op.run(in, ctx);
    } catch (QuantLensException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new QuantLensException(step.node.describe() + " failed: " + e, e);
    }
  }

  private void bindInputs(Map<String, Tensor> feeds, RunContext ctx) {
    String[] names = plan.inputNames;
    int found = 0;
    for (String name : names) {
      if (feeds.get(name) != null) {
        found++;
      }
    }
    if (found != feeds.size() || found != names.length) {
      reportBadFeeds(feeds);
    }
    for (int i = 0; i < names.length; i++) {
      Tensor t = feeds.get(names[i]);
      Feeds.check(plan.inputValues[i], inputShapes[i], t);
      ctx.slots[plan.inputSlotArray[i]] = t;
      ctx.feeds[i] = t;
      if (observer != null) {
        observer.onValue(names[i], t);
      }
    }
  }

  /** Throws for the first unknown, missing or mismatched feed (some feed is unknown or missing). */
  private void reportBadFeeds(Map<String, Tensor> feeds) {
    for (String name : feeds.keySet()) {
      if (!plan.inputSlots.containsKey(name)) {
        throw Feeds.unknown(name, initializers, plan.inputSlots.keySet());
      }
    }
    for (Value v : inputs) {
      Tensor t = feeds.get(v.name());
      if (t == null) {
        throw Feeds.missing(v);
      }
      Feeds.check(v, v.shape(), t); // in the graph's order, as before any feed is bound
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
