package org.quantlens.study.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * Wilson 95% bounds worked by hand: z = 1.959964, z^2 = 3.841459,
 * center = (p + z^2/2n) / (1 + z^2/n), half = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2).
 */
class WilsonTest {
  private static final double TOL = 1e-5;

  @Test
  void zeroOfTenGivesZeroToPoint2775() {
    // center = 0.192073 / 1.384146 = 0.138767; half is the same, so (0, 0.277533).
    Interval ci = Wilson.interval95(0, 10);
    assertEquals(0.0, ci.low(), 0.0);
    assertEquals(0.277533, ci.high(), TOL);
  }

  @Test
  void fiveOfTenIsSymmetricAroundOneHalf() {
    // center = 0.692073 / 1.384146 = 0.5; half = 1.416009 * sqrt(0.025 + 0.009604) = 0.263403.
    Interval ci = Wilson.interval95(5, 10);
    assertEquals(0.236597, ci.low(), TOL);
    assertEquals(0.763403, ci.high(), TOL);
  }

  @Test
  void tenOfTenMirrorsZeroOfTen() {
    Interval ci = Wilson.interval95(10, 10);
    assertEquals(1 - 0.277533, ci.low(), TOL);
    assertEquals(1.0, ci.high(), 0.0);
  }

  @Test
  void oneOfHundredIsAsymmetric() {
    // denom = 1.038415; center = 0.029207 / 1.038415 = 0.028127;
    // half = 1.887460 * sqrt(0.000099 + 0.0000960365) = 0.026359.
    Interval ci = Wilson.interval95(1, 100);
    assertEquals(0.001768, ci.low(), TOL);
    assertEquals(0.054486, ci.high(), TOL);
  }

  @Test
  void noTrialsGiveTheWholeUnitInterval() {
    assertEquals(new Interval(0, 1), Wilson.interval95(0, 0));
  }

  @Test
  void rejectsMoreSuccessesThanTrials() {
    assertThrows(IllegalArgumentException.class, () -> Wilson.interval95(3, 2));
    assertThrows(IllegalArgumentException.class, () -> Wilson.interval95(-1, 2));
  }
}
