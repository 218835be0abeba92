package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each observer against results computed by hand on small known distributions. */
class ObserversTest {
  @Test
  void minMaxTakesTheExtremesOverAllBatches() {
    MinMaxObserver o = new MinMaxObserver();
    assertArrayEquals(new double[] {0, 0}, o.range());
    o.observe(new float[] {1, 2, -0.5f}, 3);
    o.observe(new float[] {4, 0, 0, 99}, 2); // only the first two count
    assertArrayEquals(new double[] {-0.5, 4}, o.range());
    assertEquals(2, o.batches());
  }

  @Test
  void movingAverageFollowsTheStatedMomentum() {
    MovingAverageMinMaxObserver o = new MovingAverageMinMaxObserver(0.5);
    o.observe(new float[] {-1, 1}, 2); // first batch sets the range
    o.observe(new float[] {-3, 5}, 2); // -1 + 0.5 * (-3 + 1) = -2; 1 + 0.5 * (5 - 1) = 3
    assertArrayEquals(new double[] {-2, 3}, o.range(), 1e-12);
    o.observe(new float[] {0, 1}, 2); // -2 + 0.5 * 2 = -1; 3 + 0.5 * (1 - 3) = 2
    assertArrayEquals(new double[] {-1, 2}, o.range(), 1e-12);
  }

  @Test
  void percentileOfOneToTenThousandInGrowingBatches() {
    HistogramObserver h = new HistogramObserver(2048, x -> x.percentileRange(99));
    for (int b = 0; b < 10; b++) { // the histogram grows from [-1000, 1000) to [-16000, 16000)
      float[] x = new float[1000];
      for (int i = 0; i < 1000; i++) {
        x[i] = b * 1000 + i + 1;
      }
      h.observe(x, x.length);
    }
    assertEquals(16000, h.halfWidth());
    long total = 0;
    for (long c : h.counts()) {
      total += c;
    }
    assertEquals(10000, total);
    double[] r = h.range();
    double w = h.binWidth(); // 7.8: the histogram is exact to a bin
    // by hand: 1% of 10000 values lie below 100 and 1% above 9900
    assertEquals(100, r[0], w);
    assertEquals(9900, r[1], w);
    assertArrayEquals(new double[] {1, 10000}, h.minMax());
    // the 100th percentile is the exact max
    assertArrayEquals(new double[] {1, 10000}, h.percentileRange(100), 1e-9);
  }

  @Test
  void percentileOfASymmetricListClipsBothTails() {
    HistogramObserver h = new HistogramObserver(1024, x -> x.percentileRange(90));
    float[] x = new float[2001]; // -1000 .. 1000
    for (int i = 0; i < x.length; i++) {
      x[i] = i - 1000;
    }
    h.observe(x, x.length);
    double[] r = h.range();
    // 10% of 2001 values (200.1) lie below -800 and the same above 800
    assertEquals(-800, r[0], 2 * h.binWidth());
    assertEquals(800, r[1], 2 * h.binWidth());
  }

  @Test
  void entropyClipsAHeavyTailedDistributionBelowItsMax() {
    Random rnd = new Random(7);
    HistogramObserver h = new HistogramObserver(2048, x -> x.entropyRange(128));
    float[] x = new float[200_000];
    for (int i = 0; i < x.length; i++) { // Laplace(0, 1): a long exponential tail
      double u = rnd.nextDouble() - 0.5;
      x[i] = (float) (-Math.signum(u) * Math.log(1 - 2 * Math.abs(u)));
    }
    x[0] = 40; // a few far outliers
    x[1] = -35;
    h.observe(x, x.length);
    double[] r = h.range();
    assertTrue(r[1] < 0.5 * 40 && r[1] > 3, "threshold " + r[1] + " should clip the tail of max 40");
    assertEquals(-r[1], r[0], 1e-9, "|x| threshold applies to both signs");
  }

  @Test
  void entropyKeepsNearlyTheWholeRangeOfAUniformDistribution() {
    Random rnd = new Random(8);
    HistogramObserver h = new HistogramObserver(2048, x -> x.entropyRange(128));
    float[] x = new float[200_000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    h.observe(x, x.length);
    assertTrue(h.range()[1] > 0.9, "a uniform distribution has no tail to clip: " + h.range()[1]);
  }

  @Test
  void mseBeatsMinMaxOnOutliers() {
    Random rnd = new Random(9);
    float[] x = new float[20_000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < 5; i++) {
      x[i * 1000] = 60 + i; // rare large values
    }
    QuantMath.IntRange u8 = QuantMath.intRange(8, false, false, false);
    HistogramObserver h = new HistogramObserver(2048, o -> o.mseRange(u8, false, 100));
    h.observe(x, x.length);
    double[] mse = h.range();
    MinMaxObserver mm = new MinMaxObserver();
    mm.observe(x, x.length);
    double eMse = error(x, mse, u8);
    double eMinMax = error(x, mm.range(), u8);
    assertTrue(mse[1] < 64, "MSE clips the outliers: " + mse[1]);
    assertTrue(eMse < eMinMax, "fake-quant squared error with MSE range " + eMse + " vs minmax " + eMinMax);
  }

  /** Sum of squared fake-quant errors over the raw data (not the histogram). */
  private static double error(float[] x, double[] range, QuantMath.IntRange r) {
    QuantMath.Params p = QuantMath.params(range[0], range[1], r, false);
    double e = 0;
    for (float v : x) {
      double d = v - QuantMath.fakeQuant(v, p.scale, p.zeroPoint, r);
      e += d * d;
    }
    return e;
  }

  @Test
  void allZeroDataGivesAZeroRange() {
    HistogramObserver h = new HistogramObserver(64, x -> x.percentileRange(99));
    h.observe(new float[8], 8);
    assertArrayEquals(new double[] {0, 0}, h.range());
    h.observe(new float[] {0, 2}, 2); // the earlier zeros join the histogram once it has a range
    long total = 0;
    for (long c : h.counts()) {
      total += c;
    }
    assertEquals(10, total);
  }
}
