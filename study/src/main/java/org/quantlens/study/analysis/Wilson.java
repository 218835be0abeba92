package org.quantlens.study.analysis;

/**
 * The Wilson score interval for a binomial proportion: unlike the normal approximation it stays
 * inside [0, 1] and keeps a sensible width when k is 0 or n, which is common for disagreement
 * rates on clean data.
 */
public final class Wilson {
  /** The standard normal quantile for 97.5%, giving a two-sided 95% interval. */
  static final double Z95 = 1.959963984540054;

  private Wilson() {}

  /**
   * The 95% Wilson interval of the proportion k / n. {@code n == 0} gives (0, 1): nothing is known.
   *
   * @throws IllegalArgumentException when k is negative or larger than n
   */
  public static Interval interval95(long k, long n) {
    if (k < 0 || n < 0 || k > n) {
      throw new IllegalArgumentException("Wilson interval needs 0 <= k <= n, got k=" + k + ", n=" + n);
    }
    if (n == 0) {
      return new Interval(0, 1);
    }
    double p = (double) k / n;
    double z2 = Z95 * Z95;
    double denom = 1 + z2 / n;
    double center = (p + z2 / (2.0 * n)) / denom;
    double half = Z95 / denom * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
    // At k == 0 (k == n) the bound is exactly 0 (1); rounding would leave a 1e-17 residue.
    double low = k == 0 ? 0 : Math.max(0, center - half);
    double high = k == n ? 1 : Math.min(1, center + half);
    return new Interval(low, high);
  }
}
