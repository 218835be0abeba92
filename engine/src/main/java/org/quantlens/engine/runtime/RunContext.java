package org.quantlens.engine.runtime;

import java.util.IdentityHashMap;
import java.util.function.IntConsumer;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.SaturationCounter;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The context of one {@link Session#run} call: parallel work goes to the session's workers, and
 * outputs come from the session's {@link BufferPool}. It counts, per backing array allocated in
 * this call, how many live slots reference it (views such as Reshape share their input's array),
 * and returns an array to the pool only once no slot references it. Used by one thread.
 */
final class RunContext implements ExecContext {
  private final WorkerPool workers;
  private final BufferPool buffers;
  /** Arrays allocated in this call (by identity) and the number of live slots holding each. */
  private final IdentityHashMap<Object, int[]> owned = new IdentityHashMap<>();
  /** Dtype of each owned array, for returning it to the pool. */
  private final IdentityHashMap<Object, DType> types = new IdentityHashMap<>();

  /** The running node's saturation counter, null when counting is off. */
  private SaturationCounter saturation;

  RunContext(WorkerPool workers, BufferPool buffers) {
    this.workers = workers;
    this.buffers = buffers;
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
  public SaturationCounter saturation() {
    return saturation;
  }

  /** Set by the session before each node runs (on this context's thread). */
  void saturation(SaturationCounter c) {
    this.saturation = c;
  }

  @Override
  public Tensor allocate(DType type, int... shape) {
    int n = org.quantlens.engine.tensor.Shapes.size(shape); // typed error on a negative or huge shape
    Object a = buffers.take(type, n);
    // Ops may call allocate from worker threads (scratch); the maps are this call's alone.
    synchronized (this) {
      owned.put(a, new int[1]);
      types.put(a, type);
    }
    return Tensor.wrap(type, a, shape);
  }

  /** A slot now holds {@code t}. */
  synchronized void hold(Tensor t) {
    int[] c = owned.get(t.data());
    if (c != null) {
      c[0]++;
    }
  }

  /** A slot holding {@code t} is dead: recycle its array if no live slot references it. */
  synchronized void drop(Tensor t) {
    Object a = t.data();
    int[] c = owned.get(a);
    if (c != null && --c[0] == 0) {
      owned.remove(a);
      buffers.give(types.remove(a), a);
    }
  }

  /** Forgets {@code t}'s array so it is never recycled (the caller now owns it). */
  synchronized void disown(Tensor t) {
    owned.remove(t.data());
    types.remove(t.data());
  }
}
