package org.quantlens.engine.ops;

/**
 * Splits element-wise quantized work into disjoint pieces for {@link ExecContext#forRange}: the
 * data is {@code blocks} runs of {@code inner} elements (one run per (outer index, channel) of a
 * per-axis op, or one run for per-tensor), long runs are cut into pieces. Small inputs run on the
 * calling thread. Pieces never overlap, so results do not depend on the thread count.
 */
final class QuantParallel {
  /** Work below this many elements is not worth a hand-off to other threads. */
  static final int MIN_PARALLEL = 1 << 15;
  private static final int PIECE = 1 << 14;

  /** One piece: elements {@code [from, to)} of run {@code block}. */
  @FunctionalInterface
  interface Body {
    void run(int block, int from, int to);
  }

  private QuantParallel() {}

  /** Runs {@code body} for items {@code [0, items)}, spread over threads when the work is large. */
  static void forItems(ExecContext ctx, int items, long workPerItem, java.util.function.IntConsumer body) {
    if (items <= 1 || ctx.threads() <= 1 || items * workPerItem < MIN_PARALLEL) {
      for (int i = 0; i < items; i++) {
        body.accept(i);
      }
      return;
    }
    int tasks = Math.min(items, ctx.threads() * 4);
    ctx.forRange(tasks, t -> {
      for (int i = (int) ((long) items * t / tasks); i < (int) ((long) items * (t + 1) / tasks); i++) {
        body.accept(i);
      }
    });
  }

  /** Whether {@code elements} of work run on the calling thread alone. */
  static boolean serial(ExecContext ctx, long elements) {
    return elements < MIN_PARALLEL || ctx.threads() <= 1;
  }

  static void forRuns(ExecContext ctx, int blocks, int inner, Body body) {
    if (blocks == 0 || inner == 0) {
      return;
    }
    int pieces = inner > PIECE ? (inner + PIECE - 1) / PIECE : 1;
    int len = (inner + pieces - 1) / pieces;
    long units = (long) blocks * pieces;
    int tasks = serial(ctx, (long) blocks * inner) ? 1 : (int) Math.min(units, ctx.threads() * 4L);
    if (tasks == 1) {
      for (int b = 0; b < blocks; b++) {
        body.run(b, 0, inner);
      }
      return;
    }
    ctx.forRange(tasks, t -> {
      long u0 = units * t / tasks;
      long u1 = units * (t + 1) / tasks;
      for (long u = u0; u < u1; u++) {
        int b = (int) (u / pieces);
        int from = (int) (u % pieces) * len;
        body.run(b, from, Math.min(inner, from + len));
      }
    });
  }
}
