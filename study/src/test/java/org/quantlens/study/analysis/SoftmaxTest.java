package org.quantlens.study.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SoftmaxTest {

  @Test
  void logitsZeroLn3ZeroGiveOneFifthThreeFifthsOneFifth() {
    // e^0 : e^ln3 : e^0 = 1 : 3 : 1, sum 5; a row of zeros is uniform.
    float ln3 = (float) Math.log(3);
    float[] p = Softmax.probabilities(new float[] {0, ln3, 0, 0, 0, 0}, 2, 3);
    assertEquals(0.2, p[0], 1e-6);
    assertEquals(0.6, p[1], 1e-6);
    assertEquals(0.2, p[2], 1e-6);
    for (int c = 3; c < 6; c++) {
      assertEquals(1.0 / 3, p[c], 1e-7);
    }
  }

  @Test
  void hugeLogitsDoNotOverflow() {
    // exp(1000) overflows; subtracting the row maximum first gives the same 1 : 3 as above.
    float ln3 = (float) Math.log(3);
    float[] p = Softmax.probabilities(new float[] {1000, 1000 + ln3}, 1, 2);
    assertEquals(0.25, p[0], 1e-4); // 1000 + ln3 rounds in float: ulp(1000) = 6e-5
    assertEquals(0.75, p[1], 1e-4);
    assertEquals(1.0, p[0] + p[1], 1e-6);
  }

  @Test
  void nanLogitGivesANaNRowOnly() {
    float[] p = Softmax.probabilities(new float[] {Float.NaN, 0, 0, 0}, 2, 2);
    assertTrue(Float.isNaN(p[0]) && Float.isNaN(p[1]));
    assertEquals(0.5f, p[2]);
    assertEquals(0.5f, p[3]);
  }
}
