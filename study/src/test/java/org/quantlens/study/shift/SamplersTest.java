package org.quantlens.study.shift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The random samplers against exact distributions (chi-square tests at fixed seeds). */
class SamplersTest {
  /** Poisson pmf computed in log space, independently of the sampler's own log-factorial. */
  private static double pmf(double lam, int k) {
    double logf = 0;
    for (int i = 2; i <= k; i++) {
      logf += Math.log(i);
    }
    return Math.exp(-lam + k * Math.log(lam) - logf);
  }

  /**
   * Chi-square statistic of n draws against the pmf, over bins with expected count >= 5 (the
   * tails pooled into one bin each side); returns {statistic, degrees of freedom}.
   */
  private static double[] chiSquare(double lam, int n, long seed) {
    int max = (int) (lam + 12 * Math.sqrt(lam) + 20);
    long[] counts = new long[max + 1];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      long k = Rng.poisson(r, lam);
      assertTrue(k >= 0, "negative deviate " + k);
      counts[(int) Math.min(k, max)]++;
    }
    double[] p = new double[max + 1];
    double total = 0;
    for (int k = 0; k < max; k++) {
      p[k] = pmf(lam, k);
      total += p[k];
    }
    p[max] = Math.max(0, 1 - total);
    // pool into bins of expected count >= 5
    double stat = 0;
    int bins = 0;
    double e = 0;
    double o = 0;
    for (int k = 0; k <= max; k++) {
      e += p[k] * n;
      o += counts[k];
      if (e >= 5 && (k == max || pmfTail(p, k + 1) * n >= 5)) {
        stat += (o - e) * (o - e) / e;
        bins++;
        e = 0;
        o = 0;
      }
    }
    if (e > 0) {
      stat += (o - e) * (o - e) / Math.max(e, 1e-9);
      bins++;
    }
    return new double[] {stat, bins - 1};
  }

  private static double pmfTail(double[] p, int from) {
    double s = 0;
    for (int k = from; k < p.length; k++) {
      s += p[k];
    }
    return s;
  }

  @Test
  void poissonMatchesTheExactDistributionForSmallAndLargeLambda() {
    // inversion below 10, transformed rejection above; 500 is CIFAR-10-C's largest photon count
    for (double lam : new double[] {0.3, 3, 9.99, 10, 25, 75.5, 250, 500}) {
      double[] cs = chiSquare(lam, 200_000, 42);
      double df = cs[1];
      // 99.9% quantile of chi-square(df) is below df + 3.1 sqrt(2 df) + 10 for these df
      double limit = df + 3.1 * Math.sqrt(2 * df) + 10;
      assertTrue(cs[0] < limit, "lambda " + lam + ": chi-square " + cs[0] + " on " + df + " df");
    }
  }

  @Test
  void poissonMeanAndVarianceEqualLambda() {
    for (double lam : new double[] {2, 50, 500}) {
      SplittableRandom r = new SplittableRandom(7);
      int n = 400_000;
      double s = 0;
      double ss = 0;
      for (int i = 0; i < n; i++) {
        double k = Rng.poisson(r, lam);
        s += k;
        ss += k * k;
      }
      double mean = s / n;
      double var = ss / n - mean * mean;
      assertEquals(lam, mean, 5 * Math.sqrt(lam / n), "mean at " + lam);
      assertEquals(lam, var, 0.02 * lam, "variance at " + lam);
    }
    assertEquals(0, Rng.poisson(new SplittableRandom(1), 0));
  }

  @Test
  void normalHasUnitVarianceAndGaussianTails() {
    Rng.Normal g = new Rng.Normal(new SplittableRandom(11));
    int n = 400_000;
    double s = 0;
    double ss = 0;
    int beyond2 = 0;
    for (int i = 0; i < n; i++) {
      double x = g.next();
      s += x;
      ss += x * x;
      if (Math.abs(x) > 2) {
        beyond2++;
      }
    }
    assertEquals(0, s / n, 0.01);
    assertEquals(1, ss / n, 0.01);
    assertEquals(0.0455, beyond2 / (double) n, 0.002); // P(|Z| > 2) = 4.55%
  }

  @Test
  void imageSeedsDependOnEveryPart() {
    long base = Rng.seedFor(1, "mnist-c/fog", 3, 10);
    assertEquals(base, Rng.seedFor(1, "mnist-c/fog", 3, 10));
    assertNotEquals(base, Rng.seedFor(2, "mnist-c/fog", 3, 10));
    assertNotEquals(base, Rng.seedFor(1, "cifar10-c/fog", 3, 10));
    assertNotEquals(base, Rng.seedFor(1, "mnist-c/fog", 4, 10));
    assertNotEquals(base, Rng.seedFor(1, "mnist-c/fog", 3, 11));
  }

  @Test
  void plasmaIsNormalisedOverTheWholeTorus() {
    int n = 64;
    float[] full = new float[n * n];
    Plasma.crop(n, 2, new SplittableRandom(5), full, n, n);
    float min = 1;
    float max = 0;
    for (float v : full) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertEquals(0f, min);
    assertEquals(1f, max);
    // a crop is the top-left corner of the same map
    float[] crop = new float[10 * 12];
    Plasma.crop(n, 2, new SplittableRandom(5), crop, 10, 12);
    for (int y = 0; y < 10; y++) {
      for (int x = 0; x < 12; x++) {
        assertEquals(full[y * n + x], crop[y * 12 + x]);
      }
    }
  }

  /**
   * The references' plasma_fractal transcribed with explicit sub-grids and modular rolls, drawing
   * uniforms in numpy's order (32-bit halves of one 64-bit draw, high half first, as Plasma does).
   */
  private static double[] naivePlasma(int n, double decay, SplittableRandom rng) {
    double[] map = new double[n * n];
    long[] bits = new long[1];
    boolean[] half = new boolean[1];
    java.util.function.DoubleSupplier u = () -> {
      if (half[0]) {
        half[0] = false;
        return (bits[0] & 0xffffffffL) * 0x1.0p-32;
      }
      bits[0] = rng.nextLong();
      half[0] = true;
      return (bits[0] >>> 32) * 0x1.0p-32;
    };
    double wibble = 100;
    for (int step = n; step >= 2; step /= 2) {
      int k = n / step;
      int h = step / 2;
      double[][] corner = new double[k][k];
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          corner[i][j] = map[i * step * n + j * step];
        }
      }
      // fillsquares: accum = corner + roll(corner, -1, 0); accum += roll(accum, -1, 1)
      double[][] acc = new double[k][k];
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          acc[i][j] = corner[i][j] + corner[(i + 1) % k][j];
        }
      }
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          double v = (acc[i][j] + acc[i][(j + 1) % k]) / 4 + wibble * (-wibble + 2 * wibble * u.getAsDouble());
          map[(i * step + h) * n + j * step + h] = v;
        }
      }
      // filldiamonds
      double[][] dr = new double[k][k];
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          dr[i][j] = map[(i * step + h) * n + j * step + h];
        }
      }
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          double ldr = dr[i][j] + dr[(i - 1 + k) % k][j];
          double lul = corner[i][j] + corner[i][(j + 1) % k];
          map[i * step * n + j * step + h] = (ldr + lul) / 4 + wibble * (-wibble + 2 * wibble * u.getAsDouble());
        }
      }
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          double tdr = dr[i][j] + dr[i][(j - 1 + k) % k];
          double tul = corner[i][j] + corner[(i + 1) % k][j];
          map[(i * step + h) * n + j * step] = (tdr + tul) / 4 + wibble * (-wibble + 2 * wibble * u.getAsDouble());
        }
      }
      wibble /= decay;
    }
    double min = Double.MAX_VALUE;
    for (double v : map) {
      min = Math.min(min, v);
    }
    double max = -Double.MAX_VALUE;
    for (int i = 0; i < map.length; i++) {
      map[i] -= min;
      max = Math.max(max, map[i]);
    }
    for (int i = 0; i < map.length; i++) {
      map[i] /= max;
    }
    return map;
  }

  @Test
  void plasmaEqualsAStraightTranscriptionOfTheReference() {
    for (int n : new int[] {2, 4, 32, 256}) {
      for (double decay : new double[] {1.4, 3}) {
        double[] expect = naivePlasma(n, decay, new SplittableRandom(n + (long) decay));
        float[] got = new float[n * n];
        Plasma.crop(n, decay, new SplittableRandom(n + (long) decay), got, n, n);
        for (int i = 0; i < got.length; i++) {
          assertEquals((float) expect[i], got[i], 1e-6f, "n " + n + " decay " + decay + " cell " + i);
        }
      }
    }
  }
}
