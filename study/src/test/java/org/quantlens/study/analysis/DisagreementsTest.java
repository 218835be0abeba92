package org.quantlens.study.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;

class DisagreementsTest {

  @Test
  void argmaxTakesTheFirstOfTiedMaxima() {
    float[] logits = {
        1, 3, 3, 2, // tie between 1 and 2 -> 1
        5, 5, 5, 5, // all tied -> 0
        -1, -2, -3, -0.5f, // plain maximum at 3
    };
    assertArrayEquals(new int[] {1, 0, 3}, Disagreements.argmax(logits, 3, 4));
  }

  @Test
  void argmaxNeverPicksNaNUnlessTheRowIsAllNaN() {
    float nan = Float.NaN;
    float[] logits = {nan, 1, 0, nan, nan, nan};
    assertArrayEquals(new int[] {1, 0}, Disagreements.argmax(logits, 2, 3));
  }

  @Test
  void argmaxRejectsAnArrayOfAnotherSize() {
    assertThrows(ShapeMismatchException.class, () -> Disagreements.argmax(new float[7], 2, 4));
  }

  @Test
  void maskMarksDifferentPredictions() {
    boolean[] m = Disagreements.mask(new int[] {0, 1, 2, 3}, new int[] {0, 2, 2, 1});
    assertArrayEquals(new boolean[] {false, true, false, true}, m);
  }

  @Test
  void countsAccuraciesAndTheThreeKindsOfDisagreement() {
    // i: label float quant -> kind
    // 0:   0     0     0   both right, agree
    // 1:   1     1     2   float right -> quant wrong
    // 2:   2     2     1   float right -> quant wrong
    // 3:   3     0     3   float wrong -> quant right
    // 4:   4     1     3   both wrong, differently
    // 5:   0     2     1   both wrong, differently
    // 6:   1     2     2   both wrong the same way: no disagreement
    long[] labels = {0, 1, 2, 3, 4, 0, 1};
    int[] fl = {0, 1, 2, 0, 1, 2, 2};
    int[] q = {0, 2, 1, 3, 3, 1, 2};
    DisagreementStats s = Disagreements.count(fl, q, labels);
    assertEquals(new DisagreementStats(7, 3, 2, 5, 2, 1, 2), s);
    assertEquals(3.0 / 7, s.accFloat(), 1e-15);
    assertEquals(2.0 / 7, s.accQuant(), 1e-15);
    assertEquals(5.0 / 7, s.rate(), 1e-15);
    assertEquals(Wilson.interval95(5, 7), s.rateCi95());
  }

  @Test
  void emptySetHasUndefinedRatesAndTheWholeInterval() {
    DisagreementStats s = Disagreements.count(new int[0], new int[0], new long[0]);
    assertTrue(Double.isNaN(s.accFloat()));
    assertTrue(Double.isNaN(s.accQuant()));
    assertTrue(Double.isNaN(s.rate()));
    assertEquals(new Interval(0, 1), s.rateCi95());
  }

  @Test
  void countRejectsLabelsOfAnotherLength() {
    assertThrows(ShapeMismatchException.class,
        () -> Disagreements.count(new int[3], new int[3], new long[2]));
  }
}
