package org.quantlens.study.analysis;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Per-input uncertainty metrics over softmax probabilities (SHIFTS.md section 4). Every score is
 * oriented so that higher means more uncertain, i.e. more likely a disagreement; p(1) >= p(2) are
 * the two largest probabilities of a row.
 *
 * <p>Single-model metrics read one softmax (the float model's, as in the paper, or the quantized
 * one's); the pairwise ones ({@link #KL}, {@link #JS}) compare the float softmax ({@code probs})
 * with the quantized one ({@code otherProbs}).
 */
public enum UncertaintyMetric {
  /** 1 - (p(1) - p(2)): one minus the margin (Margin/PCS), so that a small margin scores high. */
  MARGIN("margin", false) {
    @Override
    double row(float[] p, float[] q, int off, int classes) {
      return 1.0 - marginOf(p, off, classes);
    }
  },
  /** DeepGini: 1 - sum p_i^2. */
  GINI("gini", false) {
    @Override
    double row(float[] p, float[] q, int off, int classes) {
      double s = 0;
      for (int c = off, end = off + classes; c < end; c++) {
        s += (double) p[c] * p[c];
      }
      return 1.0 - s;
    }
  },
  /** Entropy in bits: -sum p_i log2 p_i, with 0 log 0 = 0. */
  ENTROPY("entropy", false) {
    @Override
    double row(float[] p, float[] q, int off, int classes) {
      double h = 0;
      for (int c = off, end = off + classes; c < end; c++) {
        double v = p[c];
        if (v > 0) {
          h -= v * Math.log(v);
        } else if (v != v) {
          return Double.NaN;
        }
      }
      return h * INV_LN2;
    }
  },
  /** Least confidence: 1 - p(1). */
  LEAST_CONFIDENCE("least_confidence", false) {
    @Override
    double row(float[] p, float[] q, int off, int classes) {
      float top = Float.NEGATIVE_INFINITY;
      for (int c = off, end = off + classes; c < end; c++) {
        top = Math.max(top, p[c]);
      }
      return 1.0 - top;
    }
  },
  /** Ratio of confidence: p(2) / p(1) (0 for a single class, NaN when p(1) is 0). */
  CONFIDENCE_RATIO("confidence_ratio", false) {
    @Override
    double row(float[] p, float[] q, int off, int classes) {
      float first = Float.NEGATIVE_INFINITY;
      float second = Float.NEGATIVE_INFINITY;
      for (int c = off, end = off + classes; c < end; c++) {
        float v = p[c];
        if (v > first) {
          second = first;
          first = v;
        } else if (v > second) {
          second = v;
        } else if (v != v) {
          return Double.NaN;
        }
      }
      if (classes == 1) {
        return 0;
      }
      return first > 0 ? (double) second / first : Double.NaN;
    }
  },
  /**
   * KL(float || quantized) in nats, each distribution smoothed as (p + eps) / (1 + K eps) with
   * {@link #EPS}, because a softmax can hold exact zeros (underflow, or a uint8 softmax) where
   * log(p_f / 0) would be infinite.
   */
  KL("kl", true) {
    @Override
    double row(float[] p, float[] q, int off, int classes) {
      double norm = 1.0 / (1.0 + classes * EPS);
      double kl = 0;
      for (int c = off, end = off + classes; c < end; c++) {
        double a = (p[c] + EPS) * norm;
        double b = (q[c] + EPS) * norm;
        kl += a * Math.log(a / b);
      }
      return kl;
    }
  },
  /**
   * Jensen-Shannon divergence in nats: (KL(p_f || m) + KL(p_q || m)) / 2 with m = (p_f + p_q) / 2;
   * between 0 and ln 2 and finite without smoothing (m > 0 wherever p_f or p_q is).
   */
  JS("js", true) {
    @Override
    double row(float[] p, float[] q, int off, int classes) {
      double js = 0;
      for (int c = off, end = off + classes; c < end; c++) {
        double a = p[c];
        double b = q[c];
        if (a != a || b != b) {
          return Double.NaN;
        }
        double m = 0.5 * (a + b);
        if (a > 0) {
          js += a * Math.log(a / m);
        }
        if (b > 0) {
          js += b * Math.log(b / m);
        }
      }
      return 0.5 * js;
    }
  };

  /** The smoothing constant of {@link #KL}. */
  public static final double EPS = 1e-6;
  private static final double INV_LN2 = 1.0 / Math.log(2.0);

  private final String id;
  private final boolean pairwise;

  UncertaintyMetric(String id, boolean pairwise) {
    this.id = id;
    this.pairwise = pairwise;
  }

  /** The name used in metrics.csv and study configs, e.g. {@code least_confidence}. */
  public String id() {
    return id;
  }

  /** Whether the metric needs both models' probabilities (KL, JS). */
  public boolean pairwise() {
    return pairwise;
  }

  /** The metric with this id. @throws IllegalArgumentException naming the valid ids */
  public static UncertaintyMetric byId(String id) {
    for (UncertaintyMetric m : values()) {
      if (m.id.equals(id)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown metric '" + id + "'; valid: "
        + Arrays.stream(values()).map(UncertaintyMetric::id).collect(Collectors.joining(", ")));
  }

  /**
   * Per-input score, higher = more uncertain = more likely a disagreement. {@code probs} and
   * {@code otherProbs} are row-major [n, classes] softmax outputs; {@code otherProbs} is read only
   * by pairwise metrics (the quantized model's softmax; may be null otherwise). A row holding NaN
   * scores NaN.
   */
  public double[] scores(float[] probs, float[] otherProbs, int n, int classes) {
    Sizes.matrix(id + " probabilities", probs, n, classes);
    if (pairwise) {
      Sizes.matrix(id + " second model's probabilities", otherProbs, n, classes);
    }
    double[] s = new double[n];
    for (int i = 0, off = 0; i < n; i++, off += classes) {
      s[i] = row(probs, otherProbs, off, classes);
    }
    return s;
  }

  /** The score of the row starting at {@code off}. */
  abstract double row(float[] p, float[] q, int off, int classes);

  /** p(1) - p(2) of one row; 1 for a single class; NaN if the row holds NaN. */
  static double marginOf(float[] p, int off, int classes) {
    float first = Float.NEGATIVE_INFINITY;
    float second = Float.NEGATIVE_INFINITY;
    boolean nan = false;
    for (int c = off, end = off + classes; c < end; c++) {
      float v = p[c];
      nan |= v != v;
      if (v > first) {
        second = first;
        first = v;
      } else if (v > second) {
        second = v;
      }
    }
    if (nan) {
      return Double.NaN;
    }
    return classes == 1 ? 1.0 : (double) first - second;
  }
}
