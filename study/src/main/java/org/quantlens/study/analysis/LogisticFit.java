package org.quantlens.study.analysis;

/**
 * Logistic regression on one feature, P(positive | x) = sigmoid(b + w * z) with z the feature
 * standardized by the training mean and standard deviation. Fitted by Newton's method (IRLS) with
 * a step-halving line search, minimizing the log loss plus w^2 / 2 (an L2 penalty on the weight
 * only, scikit-learn's default C = 1), which keeps w finite when the classes separate.
 * Deterministic: no randomness, a fixed iteration order.
 */
record LogisticFit(double mean, double scale, double intercept, double weight) {
  private static final int MAX_ITERATIONS = 100;
  private static final double TOLERANCE = 1e-10;

  /** Fits on {@code x[k]} labelled {@code y[k]} for k < count. */
  static LogisticFit fit(double[] x, boolean[] y, int count) {
    double mean = 0;
    for (int k = 0; k < count; k++) {
      mean += x[k];
    }
    mean /= count;
    double var = 0;
    for (int k = 0; k < count; k++) {
      double d = x[k] - mean;
      var += d * d;
    }
    double sd = Math.sqrt(var / count);
    // A constant feature: z is 0 everywhere, the penalty drives w to 0 and all predictions tie.
    double scale = sd > 0 ? 1.0 / sd : 1.0;
    double[] z = new double[count];
    for (int k = 0; k < count; k++) {
      z[k] = (x[k] - mean) * scale;
    }
    double b = 0;
    double w = 0;
    double loss = objective(z, y, count, b, w);
    for (int it = 0; it < MAX_ITERATIONS; it++) {
      double gb = 0;
      double gw = w;
      double hbb = 0;
      double hbw = 0;
      double hww = 1;
      for (int k = 0; k < count; k++) {
        double p = sigmoid(b + w * z[k]);
        double r = p - (y[k] ? 1 : 0);
        double s = p * (1 - p);
        gb += r;
        gw += r * z[k];
        hbb += s;
        hbw += s * z[k];
        hww += s * z[k] * z[k];
      }
      double det = hbb * hww - hbw * hbw;
      if (!(det > 0)) {
        break; // saturated: the curvature in b vanished, nothing left to gain
      }
      double db = (hww * gb - hbw * gw) / det;
      double dw = (hbb * gw - hbw * gb) / det;
      double step = 1;
      double next = objective(z, y, count, b - db, w - dw);
      while (next > loss && step > 1e-6) {
        step *= 0.5;
        next = objective(z, y, count, b - step * db, w - step * dw);
      }
      if (next > loss) {
        break;
      }
      b -= step * db;
      w -= step * dw;
      loss = next;
      if (Math.abs(step * db) < TOLERANCE && Math.abs(step * dw) < TOLERANCE) {
        break;
      }
    }
    return new LogisticFit(mean, scale, b, w);
  }

  /** The log-odds b + w * z of a raw feature value; monotone in P(positive), without saturation. */
  double logit(double x) {
    return intercept + weight * ((x - mean) * scale);
  }

  private static double objective(double[] z, boolean[] y, int count, double b, double w) {
    double sum = 0.5 * w * w;
    for (int k = 0; k < count; k++) {
      double m = b + w * z[k];
      sum += logLoss(y[k] ? m : -m);
    }
    return sum;
  }

  /** log(1 + exp(-m)) without overflow. */
  private static double logLoss(double m) {
    return m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
  }

  private static double sigmoid(double m) {
    if (m >= 0) {
      return 1.0 / (1.0 + Math.exp(-m));
    }
    double e = Math.exp(m);
    return e / (1.0 + e);
  }
}
