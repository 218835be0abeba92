package org.quantlens.bench.report;

import java.util.Arrays;

/** Order statistics of small samples (rounds, iterations). */
public final class Stats {
  private Stats() {}

  public static double median(double[] a) {
    return percentile(a, 50);
  }

  /** The {@code p}-th percentile, linear between order statistics; NaN for an empty sample. */
  public static double percentile(double[] a, double p) {
    if (a.length == 0) {
      return Double.NaN;
    }
    double[] s = a.clone();
    Arrays.sort(s);
    double pos = p / 100.0 * (s.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(s.length - 1, lo + 1);
    return s[lo] + (pos - lo) * (s[hi] - s[lo]);
  }
}
