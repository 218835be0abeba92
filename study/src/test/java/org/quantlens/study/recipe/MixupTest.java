package org.quantlens.study.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Batch;

/** Mixup's lambda distribution and the blended samples and targets. */
class MixupTest {
  /** Sample mean and variance against Beta(a, b)'s a/(a+b) and ab/((a+b)^2 (a+b+1)). */
  private static void checkMoments(double a, double b) {
    SplittableRandom r = new SplittableRandom(11);
    int n = 40000;
    double sum = 0;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      double v = Beta.sample(r, a, b);
      assertTrue(v >= 0 && v <= 1, "sample " + v);
      sum += v;
      sq += v * v;
    }
    double mean = sum / n;
    double var = sq / n - mean * mean;
    double wantMean = a / (a + b);
    double wantVar = a * b / ((a + b) * (a + b) * (a + b + 1));
    // standard error of the mean is sqrt(var / n) < 0.0025; 4 of them
    assertEquals(wantMean, mean, 0.01, "mean of Beta(" + a + ", " + b + ")");
    assertEquals(wantVar, var, 0.1 * wantVar, "variance of Beta(" + a + ", " + b + ")");
  }

  @Test
  void betaSamplesHaveTheMomentsOfBeta() {
    checkMoments(0.2, 0.2);
    checkMoments(2, 5);
    checkMoments(1, 1);
  }

  @Test
  void alphaPointTwoPutsMostLambdasNearZeroOrOne() {
    SplittableRandom r = new SplittableRandom(5);
    int ends = 0;
    int n = 20000;
    for (int i = 0; i < n; i++) {
      double v = Beta.sample(r, 0.2, 0.2);
      ends += v < 0.1 || v > 0.9 ? 1 : 0;
    }
    // P(X < 0.1 or X > 0.9) for Beta(0.2, 0.2) = 2 I_0.1(0.2, 0.2) = 0.6734 (scipy betainc)
    assertEquals(0.6734, (double) ends / n, 0.015); // about 4 standard errors
  }

  @Test
  void eachSampleAndTargetIsItsLambdaBlendWithItsPartner() {
    int n = 6;
    int classes = 4;
    float[] x = new float[n * 2];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
    }
    long[] y = {0, 1, 2, 3, 1, 2};
    Mixup m = new Mixup(0.4, classes);
    Batch out = m.apply(new Batch(Tensor.of(x, n, 2), Tensor.of(y, n)), null, new SplittableRandom(9));
    float[] l = m.lambdas();
    int[] p = m.partners();
    boolean[] used = new boolean[n];
    for (int i = 0; i < n; i++) {
      assertTrue(!used[p[i]], "partners form a permutation");
      used[p[i]] = true;
      for (int k = 0; k < 2; k++) {
        assertEquals(l[i] * x[i * 2 + k] + (1 - l[i]) * x[p[i] * 2 + k], out.x().floats()[i * 2 + k], 1e-5f);
      }
      float sum = 0;
      for (int c = 0; c < classes; c++) {
        float want = (c == y[i] ? l[i] : 0) + (c == y[p[i]] ? 1 - l[i] : 0);
        assertEquals(want, out.y().floats()[i * classes + c], 1e-6f);
        sum += out.y().floats()[i * classes + c];
      }
      assertEquals(1f, sum, 1e-6f);
    }
    boolean distinct = false;
    for (int i = 1; i < n; i++) {
      distinct |= l[i] != l[0];
    }
    assertTrue(distinct, "one lambda per sample");
  }
}
