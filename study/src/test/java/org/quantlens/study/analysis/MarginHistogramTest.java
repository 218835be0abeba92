package org.quantlens.study.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MarginHistogramTest {

  @Test
  void binsAreLeftClosedAndTheLastHoldsOne() {
    // Margins (exact in float): 0.2 and 0 (disagreements), then 1, 0.25, 0.5 (agreements).
    // Edges 0, .25, .5, .75, 1: 0.2 and 0 -> bin 0; 0.25 -> bin 1 (left edge belongs to the bin);
    // 0.5 -> bin 2; 1 -> bin 3 (closed on the right).
    float[] p = {
        0.5f, 0.3f, 0.2f,
        0.4f, 0.4f, 0.2f,
        1, 0, 0,
        0.625f, 0.375f, 0,
        0.75f, 0.25f, 0,
    };
    boolean[] disagree = {true, true, false, false, false};
    MarginHistogram h = MarginHistogram.of(p, disagree, 5, 3, 4);
    assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, h.edges(), 0.0);
    assertArrayEquals(new long[] {0, 1, 1, 1}, h.agree());
    assertArrayEquals(new long[] {2, 0, 0, 0}, h.disagree());
  }

  @Test
  void nanRowsAreNotCounted() {
    MarginHistogram h = MarginHistogram.of(new float[] {Float.NaN, 1, 0.5f, 0.5f}, new boolean[2], 2, 2, 2);
    assertArrayEquals(new long[] {1, 0}, h.agree());
  }

  @Test
  void needsAtLeastOneBin() {
    assertThrows(IllegalArgumentException.class, () -> MarginHistogram.of(new float[2], new boolean[1], 1, 2, 0));
  }
}
