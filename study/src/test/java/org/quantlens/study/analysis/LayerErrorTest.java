package org.quantlens.study.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;

class LayerErrorTest {

  @Test
  void oneUnitOffInTheLastOfFour() {
    // r = (1,2,3,4), o = (1,2,3,5), sliced out of longer arrays with junk around.
    // signal 1+4+9+16 = 30, noise 1 -> SQNR 10 log10 30 = 14.771213 dB;
    // cosine 34 / sqrt(30 * 39) = 34 / 34.205263 = 0.993999; max abs 1.
    float[] r = {99, 1, 2, 3, 4, -7};
    float[] o = {0, 1, 2, 3, 5, 8};
    LayerError e = LayerError.between(r, o, 1, 4);
    assertEquals(14.771213, e.sqnrDb(), 1e-6);
    assertEquals(0.993999, e.cosine(), 1e-6);
    assertEquals(1.0, e.maxAbs(), 0.0);
  }

  @Test
  void signFlipIsMinusSixDecibelsAndCosineMinusOne() {
    // noise (1 - -1)^2 = 4, signal 1 -> 10 log10(1/4) = -6.020600.
    LayerError e = LayerError.between(new float[] {1, 0}, new float[] {-1, 0}, 0, 2);
    assertEquals(-6.020600, e.sqnrDb(), 1e-6);
    assertEquals(-1.0, e.cosine(), 1e-12);
    assertEquals(2.0, e.maxAbs(), 0.0);
  }

  @Test
  void identicalActivationsHaveInfiniteSqnr() {
    float[] a = {0.5f, -2, 3};
    LayerError e = LayerError.between(a, a.clone(), 0, 3);
    assertEquals(Double.POSITIVE_INFINITY, e.sqnrDb());
    assertEquals(1.0, e.cosine(), 1e-12);
    assertEquals(0.0, e.maxAbs());
  }

  @Test
  void allZeroOrEmptyIsUndefined() {
    LayerError zeros = LayerError.between(new float[3], new float[3], 0, 3);
    assertTrue(Double.isNaN(zeros.sqnrDb()) && Double.isNaN(zeros.cosine()));
    assertEquals(0.0, zeros.maxAbs());
    LayerError empty = LayerError.between(new float[3], new float[3], 1, 0);
    assertTrue(Double.isNaN(empty.sqnrDb()) && Double.isNaN(empty.cosine()) && Double.isNaN(empty.maxAbs()));
  }

  @Test
  void sliceOutsideEitherArrayIsRejected() {
    assertThrows(ShapeMismatchException.class, () -> LayerError.between(new float[4], new float[3], 0, 4));
  }
}
