package org.quantlens.study.report;

import java.util.Locale;

/** Number formats shared by the HTML report, the summary and the findings (locale-independent). */
final class Fmt {
  private Fmt() {}

  /**
   * A fraction as a percentage: one decimal ({@code 12.0%}), two below 1% so that small rates
   * do not all read 0.0% ({@code 0.02%}); zero is {@code 0.0%}, NaN {@code n/a}.
   */
  static String pct(double fraction) {
    if (!Double.isFinite(fraction)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%." + digits(fraction) + "f%%", 100 * fraction);
  }

  /** An interval of fractions as {@code 9.4–15.2%}, with the precision its upper end needs. */
  static String pctRange(double low, double high) {
    if (!Double.isFinite(low) || !Double.isFinite(high)) {
      return "n/a";
    }
    int d = digits(high);
    return String.format(Locale.ROOT, "%." + d + "f–%." + d + "f%%", 100 * low, 100 * high);
  }

  private static int digits(double fraction) {
    return fraction != 0 && Math.abs(fraction) < 0.00995 ? 2 : 1;
  }

  /** A number with {@code digits} decimals; NaN -> {@code n/a}. */
  static String num(double v, int digits) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "∞" : "−∞";
    }
    return String.format(Locale.ROOT, "%." + digits + "f", v);
  }

  /** {@code 1,234,567}. */
  static String thousands(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** {@code 1 reason}, {@code 3 reasons}. */
  static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  /** Elapsed time as {@code 2 min 03 s} or {@code 41.2 s}. */
  static String duration(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "n/a";
    }
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    long s = Math.round(seconds);
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
  }
}
