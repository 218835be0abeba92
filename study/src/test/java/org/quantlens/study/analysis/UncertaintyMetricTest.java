package org.quantlens.study.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;

/** Every metric on rows worked by hand (float inputs, so tolerances are ~1e-6). */
class UncertaintyMetricTest {
  private static final double TOL = 1e-6;
  /** Rows: [0.5, 0.3, 0.2], a tie [0.4, 0.4, 0.2], a one-hot [1, 0, 0]. */
  private static final float[] P = {0.5f, 0.3f, 0.2f, 0.4f, 0.4f, 0.2f, 1, 0, 0};

  private static double[] scores(UncertaintyMetric m) {
    return m.scores(P, null, 3, 3);
  }

  @Test
  void marginScoresOneMinusTopTwoGap() {
    // 1 - (0.5 - 0.3) = 0.8; tie: 1 - 0 = 1; one-hot: 1 - 1 = 0.
    assertArrayEquals(new double[] {0.8, 1.0, 0.0}, scores(UncertaintyMetric.MARGIN), TOL);
  }

  @Test
  void giniIsOneMinusSumOfSquares() {
    // 1 - (0.25 + 0.09 + 0.04) = 0.62; 1 - (0.16 + 0.16 + 0.04) = 0.64; 1 - 1 = 0.
    assertArrayEquals(new double[] {0.62, 0.64, 0.0}, scores(UncertaintyMetric.GINI), TOL);
  }

  @Test
  void entropyIsInBitsWithZeroLogZeroAsZero() {
    // 0.5*1 + 0.3*log2(1/0.3) + 0.2*log2(5) = 0.5 + 0.3*1.736966 + 0.2*2.321928 = 1.485475;
    // 2*0.4*log2(2.5) + 0.2*log2(5) = 0.8*1.321928 + 0.464386 = 1.521928; one-hot: 0.
    assertArrayEquals(new double[] {1.485475, 1.521928, 0.0}, scores(UncertaintyMetric.ENTROPY), TOL);
  }

  @Test
  void leastConfidenceIsOneMinusTop() {
    assertArrayEquals(new double[] {0.5, 0.6, 0.0}, scores(UncertaintyMetric.LEAST_CONFIDENCE), TOL);
  }

  @Test
  void confidenceRatioIsSecondOverFirst() {
    // 0.3/0.5 = 0.6; tie 0.4/0.4 = 1; one-hot 0/1 = 0.
    assertArrayEquals(new double[] {0.6, 1.0, 0.0}, scores(UncertaintyMetric.CONFIDENCE_RATIO), TOL);
  }

  @Test
  void klOfHalfHalfAgainstQuarterThreeQuarters() {
    // 0.5 ln(0.5/0.25) + 0.5 ln(0.5/0.75) = 0.5 (0.693147 - 0.405465) = 0.143841 (eps shifts ~1e-6).
    float[] f = {0.5f, 0.5f};
    float[] q = {0.25f, 0.75f};
    assertEquals(0.143841, UncertaintyMetric.KL.scores(f, q, 1, 2)[0], 1e-5);
  }

  @Test
  void klStaysFiniteWhereTheQuantizedSoftmaxIsZero() {
    // Smoothed: a = (1+e)/(1+2e), b = e/(1+2e): (a - b) ln(a/b) = ln((1+e)/e)/(1+2e) = ln(1e6+1) = 13.815511.
    float[] f = {1, 0};
    float[] q = {0, 1};
    assertEquals(13.815511, UncertaintyMetric.KL.scores(f, q, 1, 2)[0], 1e-4);
  }

  @Test
  void jsOfHalfHalfAgainstQuarterThreeQuarters() {
    // m = (0.375, 0.625). KL(f||m) = 0.5 ln(4/3) + 0.5 ln(0.8) = 0.032269;
    // KL(q||m) = 0.25 ln(2/3) + 0.75 ln(1.2) = 0.035375; JS = (0.032269 + 0.035375) / 2 = 0.033822.
    float[] f = {0.5f, 0.5f};
    float[] q = {0.25f, 0.75f};
    assertEquals(0.033822, UncertaintyMetric.JS.scores(f, q, 1, 2)[0], 1e-6);
  }

  @Test
  void jsOfDisjointDistributionsIsLn2() {
    assertEquals(Math.log(2), UncertaintyMetric.JS.scores(new float[] {1, 0}, new float[] {0, 1}, 1, 2)[0], 1e-12);
  }

  @Test
  void pairwiseMetricsAreZeroForIdenticalOutputs() {
    assertEquals(0.0, UncertaintyMetric.KL.scores(P, P, 3, 3)[1], 1e-12);
    assertEquals(0.0, UncertaintyMetric.JS.scores(P, P, 3, 3)[1], 1e-12);
  }

  @Test
  void pairwiseMetricsNeedTheSecondSoftmax() {
    assertTrue(UncertaintyMetric.KL.pairwise() && UncertaintyMetric.JS.pairwise());
    assertFalse(UncertaintyMetric.MARGIN.pairwise());
    assertThrows(ShapeMismatchException.class, () -> UncertaintyMetric.JS.scores(P, null, 3, 3));
  }

  @Test
  void aNaNRowScoresNaNForEveryMetric() {
    float[] p = {Float.NaN, 0.5f, 0.5f};
    float[] q = {0.2f, 0.3f, 0.5f};
    for (UncertaintyMetric m : UncertaintyMetric.values()) {
      assertTrue(Double.isNaN(m.scores(p, q, 1, 3)[0]), m.id());
    }
  }

  @Test
  void idsAreTheMetricsCsvNames() {
    String[] ids = {"margin", "gini", "entropy", "least_confidence", "confidence_ratio", "kl", "js"};
    for (String id : ids) {
      assertEquals(id, UncertaintyMetric.byId(id).id());
    }
    assertEquals(ids.length, UncertaintyMetric.values().length);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UncertaintyMetric.byId("pcs"));
    assertTrue(e.getMessage().contains("least_confidence"), e.getMessage());
  }
}
