package org.quantlens.engine.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The steps of a one-row recurrence, each cut by hidden units into pieces, as tickets (step s,
 * piece q) taken in order by every thread of a call ({@code par.forRange(par.threads(), this)}).
 * A piece of step s starts once all of step s - 1 are done, so a step costs a product of
 * 1/pieces of the weights plus one hand-over, where a fork per step cost more than it saved. A
 * thread only ever waits for pieces other running threads hold, so a call that gets no helper
 * runs every piece itself. A ticket counts as done even when its piece failed (the pool reports
 * the failure), so no thread waits forever. Reused by its thread's calls, one at a time.
 */
abstract class StepPieces implements IntConsumer {
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger done = new AtomicInteger();
  private int steps;
  private int pieces;

  /** Readies a call of {@code steps} steps of {@code pieces} pieces each. */
  final void start(int steps, int pieces) {
    this.steps = steps;
    this.pieces = pieces;
    next.set(0);
    done.set(0);
  }

  /** Runs piece q of step s. */
  abstract void piece(int s, int q, int pieces);

  @Override
  public final void accept(int task) {
    int total = steps * pieces;
    for (int t = next.getAndIncrement(); t < total; t = next.getAndIncrement()) {
      int s = t / pieces;
      int ready = s * pieces;
      while (done.get() < ready) {
        Thread.onSpinWait();
      }
      try {
        piece(s, t - ready, pieces);
      } finally {
        done.incrementAndGet();
      }
    }
  }
}
