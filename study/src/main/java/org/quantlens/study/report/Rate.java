package org.quantlens.study.report;

import java.util.Collection;
import org.quantlens.study.analysis.Interval;
import org.quantlens.study.analysis.Wilson;

/**
 * A count of disagreements out of a number of inputs, pooled over cells when needed, with its 95%
 * Wilson score interval. Pooling corrupted versions of one test set counts the same images more
 * than once, so a pooled interval is narrower than independent samples would justify; the summary
 * says so.
 */
record Rate(long k, long n) {
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

  /** The 95% Wilson score interval; (0, 1) when there are no inputs (or the counts are inconsistent). */
  Interval interval() {
    return k >= 0 && k <= n ? Wilson.interval95(k, n) : new Interval(0, 1);
  }

  double low() {
    return interval().low();
  }

  double high() {
    return interval().high();
  }

  /** Whether the two 95% intervals share any value. */
  boolean overlaps(Rate other) {
    return low() <= other.high() && other.low() <= high();
  }
}
