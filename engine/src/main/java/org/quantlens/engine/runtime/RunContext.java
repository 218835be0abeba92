package org.quantlens.engine.runtime;

import java.util.IdentityHashMap;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Node;
import java.util.function.IntConsumer;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.SaturationCounter;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * The context of one {@link Session#run} call: parallel work goes to the session's workers, and
 * outputs come from the session's {@link BufferPool}. It counts, per backing array allocated in
 * this call, how many live slots reference it (views such as Reshape share their input's array),
 * and returns an array to the pool only once no slot references it. Used by one thread at a time;
 * a session keeps finished contexts and reuses them ({@link #reset}), so that with their slot
 * array, input arrays and maps already sized a run allocates next to nothing for bookkeeping.
 */
final class RunContext implements ExecContext {
  private final WorkerPool workers;
  private final BufferPool buffers;
  /**
   * Arrays allocated in this call (by identity) and the number of live slots holding each (small
   * counts: boxed from Integer's cache, no allocation).
   */
  private final IdentityHashMap<Object, Integer> owned = new IdentityHashMap<>();
  /**
   * The tensor each of those arrays was allocated in, which is what goes back to the pool: the
   * slot dropped last may hold a view of another shape (Reshape), and pooling the view would make
   * the next run's allocation re-wrap the array and the view be made again.
   */
  private final IdentityHashMap<Object, Tensor> allocatedAs = new IdentityHashMap<>();

  /** The running node's saturation counter, null when counting is off. */
  private SaturationCounter saturation;
  /** The running node, named by errors raised here on its behalf. */
  private Node running;

  /** The run's value slots (see {@link ExecutionPlan}). */
  final Tensor[] slots;
  /** Per plan step, the array its operator receives its inputs in. */
  final Tensor[][] inputs;
  /** The feeds bound to the graph inputs, in the plan's input order. */
  final Tensor[] feeds;
  /** The outputs handed out so far by this run, in the plan's output order. */
  final Tensor[] returned;
  /** Per count, the array ops return their outputs in ({@link #results(int)}): made once. */
  private final Tensor[][] resultArrays = new Tensor[4][];

  RunContext(WorkerPool workers, BufferPool buffers, ExecutionPlan plan) {
    this.workers = workers;
    this.buffers = buffers;
    this.slots = new Tensor[plan.slotCount];
    this.inputs = new Tensor[plan.stepArray.length][];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = new Tensor[plan.stepArray[i].in.length];
    }
    this.feeds = new Tensor[plan.inputNames.length];
    this.returned = new Tensor[plan.outputNames.length];
  }

  /** Forgets everything of the finished run (keeping the arrays' and maps' capacity). */
  synchronized void reset() {
    java.util.Arrays.fill(slots, null);
    for (Tensor[] in : inputs) {
      java.util.Arrays.fill(in, null);
    }
    java.util.Arrays.fill(feeds, null);
    java.util.Arrays.fill(returned, null);
    for (Tensor[] a : resultArrays) {
      if (a != null) {
        java.util.Arrays.fill(a, null);
      }
    }
    owned.clear();
    allocatedAs.clear();
    saturation = null;
    running = null;
  }

  @Override
  public int threads() {
    return workers.threads();
  }

  @Override
  public void forRange(int tasks, IntConsumer body) {
    workers.forRange(tasks, body);
  }

  @Override
  public Tensor[] results(int count) {
    if (count >= resultArrays.length) {
      return new Tensor[count];
    }
    Tensor[] a = resultArrays[count];
    if (a == null) {
      a = resultArrays[count] = new Tensor[count];
    }
    return a;
  }

  @Override
  public SaturationCounter saturation() {
    return saturation;
  }

  /** Set by the session before each node runs (on this context's thread). */
  void saturation(SaturationCounter c) {
    this.saturation = c;
  }

  /** Set by the session before each node runs (on this context's thread). */
  void running(Node node) {
    this.running = node;
  }

  @Override
  public Tensor allocate(DType type, int... shape) {
    return own(shaped(buffers.take(type, size(shape), shape), shape));
  }

  @Override
  public Tensor allocate(DType type, Tensor like) {
    Tensor t = buffers.takeLike(type, like);
    return own(t.hasShapeOf(like) ? t : Tensor.wrap(type, t.data(), like.shape()));
  }

  @Override
  public Tensor allocateUninitialized(DType type, int... shape) {
    return own(shaped(buffers.takeUninitialized(type, size(shape), shape), shape));
  }

  @Override
  public Tensor allocateUninitialized(DType type, Tensor like) {
    Tensor t = buffers.takeUninitializedLike(type, like);
    return own(t.hasShapeOf(like) ? t : Tensor.wrap(type, t.data(), like.shape()));
  }

  /** {@code t}, or its array in a new tensor when its shape is not {@code shape}. */
  private static Tensor shaped(Tensor t, int[] shape) {
    return t.hasShape(shape) ? t : Tensor.wrap(t.dtype(), t.data(), shape);
  }

  /** Elements of a result's shape; a negative or huge shape is an error naming the running node. */
  private int size(int[] shape) {
    try {
      return Shapes.size(shape);
    } catch (ShapeMismatchException e) {
      throw new ShapeMismatchException((running == null ? "" : running.describe() + ": ")
          + "cannot allocate a result: " + e.getMessage());
    }
  }

  private Tensor own(Tensor t) {
    // Ops may call allocate from worker threads (scratch); the map is this call's alone.
    synchronized (this) {
      owned.put(t.data(), 0);
      allocatedAs.put(t.data(), t);
    }
    return t;
  }

  @Override
  public synchronized void release(Tensor t) {
    Object a = t.data();
    Integer c = owned.get(a);
    if (c != null && c == 0) { // allocated in this call and held by no slot
      owned.remove(a);
      buffers.give(allocatedAs.remove(a));
    }
  }

  /** A slot now holds {@code t}. */
  synchronized void hold(Tensor t) {
    Object a = t.data();
    Integer c = owned.get(a);
    if (c != null) {
      owned.put(a, c + 1);
    }
  }

  /** A slot holding {@code t} is dead: recycle its array if no live slot references it. */
  synchronized void drop(Tensor t) {
    Object a = t.data();
    Integer c = owned.get(a);
    if (c == null) {
      return;
    }
    if (c == 1) {
      owned.remove(a);
      buffers.give(allocatedAs.remove(a));
    } else {
      owned.put(a, c - 1);
    }
  }

  /** Forgets {@code t}'s array so it is never recycled (the caller now owns it). */
  synchronized void disown(Tensor t) {
    owned.remove(t.data());
    allocatedAs.remove(t.data());
  }
}
