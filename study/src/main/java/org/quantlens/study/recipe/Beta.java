package org.quantlens.study.recipe;

import java.util.SplittableRandom;

/**
 * Beta(a, b) samples as {@code X / (X + Y)} with {@code X ~ Gamma(a)}, {@code Y ~ Gamma(b)};
 * Gamma by Marsaglia and Tsang's squeeze method, with the {@code U^(1/a)} boost for shapes below 1.
 */
final class Beta {
  private Beta() {}

  static double sample(SplittableRandom r, double a, double b) {
    double x = gamma(r, a);
    double y = gamma(r, b);
    double s = x + y;
    return s == 0 ? (r.nextBoolean() ? 1 : 0) : x / s; // both underflowed: tiny shapes, mass at the ends
  }

  static double gamma(SplittableRandom r, double shape) {
    if (shape < 1) {
      double u = r.nextDouble();
      return gamma(r, shape + 1) * Math.pow(u, 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double z = gaussian(r);
      double v = 1 + c * z;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = r.nextDouble();
      if (u < 1 - 0.0331 * z * z * z * z || Math.log(u) < 0.5 * z * z + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  /** A standard normal by the polar method. */
  private static double gaussian(SplittableRandom r) {
    while (true) {
      double u = 2 * r.nextDouble() - 1;
      double v = 2 * r.nextDouble() - 1;
      double s = u * u + v * v;
      if (s > 0 && s < 1) {
        return u * Math.sqrt(-2 * Math.log(s) / s);
      }
    }
  }
}
