package org.quantlens.study.report;

import java.util.Collection;

/**
 * A count of disagreements out of a number of inputs, pooled over cells when needed, with its 95%
 * Wilson score interval. Pooling corrupted versions of one test set counts the same images more
 * than once, so a pooled interval is narrower than independent samples would justify; the summary
 * says so.
 */
record Rate(long k, long n) {
  private static final double Z = 1.959963984540054;

  static Rate pool(Collection<StudyData.Cell> cells) {
    long k = 0;
    long n = 0;
    for (StudyData.Cell c : cells) {
      k += c.disagreements();
      n += c.n();
    }
    return new Rate(k, n);
  }

  /** NaN when there are no inputs. */
  double value() {
    return n == 0 ? Double.NaN : (double) k / n;
  }

  /** The Wilson score interval; (0, 1) when there are no inputs. */
  double low() {
    return n == 0 ? 0 : Math.max(0, center() - half());
  }

  double high() {
    return n == 0 ? 1 : Math.min(1, center() + half());
  }

  private double center() {
    double p = value();
    return (p + Z * Z / (2.0 * n)) / (1 + Z * Z / n);
  }

  private double half() {
    double p = value();
    return Z / (1 + Z * Z / n) * Math.sqrt(p * (1 - p) / n + Z * Z / (4.0 * n * n));
  }

  /** Whether the two 95% intervals share any value. */
  boolean overlaps(Rate other) {
    return low() <= other.high() && other.low() <= high();
  }
}
