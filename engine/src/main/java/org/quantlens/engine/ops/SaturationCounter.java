package org.quantlens.engine.ops;

import java.util.concurrent.atomic.LongAdder;

/**
 * Saturation counts of one node, accumulated over every run of a session that counts them
 * (see {@code Session.Options.countSaturation}): values clipped at the low or high end of the
 * integer range when the node quantizes or requantizes, non-finite inputs (NaN, +-Inf) seen when
 * quantizing, and the number of values quantized. The three kinds are disjoint. Thread-safe: ops
 * add one batch of counts per chunk of work from any worker thread.
 */
public final class SaturationCounter {
  private final LongAdder low = new LongAdder();
  private final LongAdder high = new LongAdder();
  private final LongAdder nonFinite = new LongAdder();
  private final LongAdder total = new LongAdder();

  /** A counter at zero. */
  public SaturationCounter() {}

  /**
   * Adds one chunk's counts: {@code counts[0]} low, {@code counts[1]} high, {@code counts[2]}
   * non-finite (as the quantize kernels fill them), over {@code values} values quantized.
   */
  public void add(long[] counts, long values) {
    add(counts[0], counts[1], counts.length > 2 ? counts[2] : 0, values);
  }

  /** Adds counts of one chunk of {@code values} quantized values. */
  public void add(long lowCount, long highCount, long nonFiniteCount, long values) {
    if (lowCount != 0) {
      low.add(lowCount);
    }
    if (highCount != 0) {
      high.add(highCount);
    }
    if (nonFiniteCount != 0) {
      nonFinite.add(nonFiniteCount);
    }
    total.add(values);
  }

  /** Values clipped at the low end of the range. */
  public long low() {
    return low.sum();
  }

  /** Values clipped at the high end of the range. */
  public long high() {
    return high.sum();
  }

  /** NaN and infinite inputs seen when quantizing. */
  public long nonFinite() {
    return nonFinite.sum();
  }

  /** Values quantized or requantized. */
  public long total() {
    return total.sum();
  }

  /** Sets every count back to zero. */
  public void reset() {
    low.reset();
    high.reset();
    nonFinite.reset();
    total.reset();
  }
}
