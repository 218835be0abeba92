package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.tensor.Tensor;

/** Quantization parameters and rounding against values computed by hand. */
class QuantMathTest {
  private static final QuantMath.IntRange U8 = QuantMath.intRange(8, false, false, false);
  private static final QuantMath.IntRange I8 = QuantMath.intRange(8, true, false, false);

  @Test
  void gridsForEachSignednessSymmetryAndReducedRange() {
    assertRange(0, 255, U8);
    assertRange(-128, 127, I8);
    assertRange(-127, 127, QuantMath.intRange(8, true, true, false));
    assertRange(1, 255, QuantMath.intRange(8, false, true, false));
    assertRange(0, 127, QuantMath.intRange(8, false, false, true));
    assertRange(-64, 63, QuantMath.intRange(8, true, false, true));
    assertRange(-63, 63, QuantMath.intRange(8, true, true, true));
    assertRange(-8, 7, QuantMath.intRange(4, true, false, false));
    assertRange(-1, 1, QuantMath.intRange(2, true, true, false));
    assertRange(0, 65535, QuantMath.intRange(16, false, false, false));
    assertThrows(QuantLensException.class, () -> QuantMath.intRange(1, true, false, false));
    assertThrows(QuantLensException.class, () -> QuantMath.intRange(17, true, false, false));
  }

  private static void assertRange(int lo, int hi, QuantMath.IntRange r) {
    assertEquals(lo, r.qmin, "qmin of " + r);
    assertEquals(hi, r.qmax, "qmax of " + r);
  }

  @Test
  void asymmetricUint8OfMinusOneToThree() {
    // scale = 4 / 255; zp = rint(0 - (-1) / scale) = rint(63.75) = 64
    QuantMath.Params p = QuantMath.params(-1, 3, U8, false);
    assertEquals(4f / 255f, p.scale, 1e-9f);
    assertEquals(64, p.zeroPoint);
    // zero is exactly representable: q = zp, and dequantizes to 0
    assertEquals(64, QuantMath.quantize(0f, p.scale, p.zeroPoint, U8));
    assertEquals(0f, QuantMath.dequantize(64, p.scale, p.zeroPoint));
  }

  @Test
  void asymmetricInt8OfMinusOneToThree() {
    // zp = rint(-128 + 63.75) = rint(-64.25) = -64
    QuantMath.Params p = QuantMath.params(-1, 3, I8, false);
    assertEquals(4f / 255f, p.scale, 1e-9f);
    assertEquals(-64, p.zeroPoint);
  }

  @Test
  void rangeIsWidenedToIncludeZero() {
    // [0.5, 2] -> [0, 2]: scale 2/255, zp 0
    QuantMath.Params p = QuantMath.params(0.5, 2, U8, false);
    assertEquals(2f / 255f, p.scale, 1e-9f);
    assertEquals(0, p.zeroPoint);
    // [-3, -1] -> [-3, 0]: scale 3/255, zp = rint(3 / (3/255)) = 255
    QuantMath.Params n = QuantMath.params(-3, -1, U8, false);
    assertEquals(3f / 255f, n.scale, 1e-9f);
    assertEquals(255, n.zeroPoint);
  }

  @Test
  void symmetricUsesTheLargerMagnitudeAndTheGridMiddle() {
    QuantMath.IntRange s8 = QuantMath.intRange(8, true, true, false);
    QuantMath.Params p = QuantMath.params(-2, 1, s8, true);
    assertEquals(2f / 127f, p.scale, 1e-9f);
    assertEquals(0, p.zeroPoint);
    QuantMath.IntRange su8 = QuantMath.intRange(8, false, true, false);
    QuantMath.Params u = QuantMath.params(-0.5, 1, su8, true);
    assertEquals(1f / 127f, u.scale, 1e-9f);
    assertEquals(128, u.zeroPoint);
    // the extremes map to the grid ends exactly
    assertEquals(-127, QuantMath.quantize(-2f, p.scale, 0, s8));
    assertEquals(255, QuantMath.quantize(1f, u.scale, 128, su8));
    assertEquals(1, QuantMath.quantize(-1f, u.scale, 128, su8));
  }

  @Test
  void reducedRangeUint8MapsZeroTo127OntoUnitSteps() {
    QuantMath.IntRange r = QuantMath.intRange(8, false, false, true);
    QuantMath.Params p = QuantMath.params(0, 127, r, false);
    assertEquals(1f, p.scale);
    assertEquals(0, p.zeroPoint);
    assertEquals(127, QuantMath.quantize(200f, p.scale, p.zeroPoint, r));
  }

  @Test
  void zeroRangeGetsScaleOneAndAZeroPointThatMapsZero() {
    for (boolean sym : new boolean[] {false, true}) {
      QuantMath.Params u = QuantMath.params(0, 0, QuantMath.intRange(8, false, sym, false), sym);
      assertEquals(1f, u.scale);
      assertEquals(sym ? 128 : 0, u.zeroPoint);
      QuantMath.Params s = QuantMath.params(0, 0, QuantMath.intRange(8, true, sym, false), sym);
      assertEquals(1f, s.scale);
      assertEquals(0, s.zeroPoint);
    }
  }

  @Test
  void tiesRoundToEven() {
    float[] x = {0.5f, 1.5f, 2.5f, 3.5f, -0.5f, -1.5f, -2.5f};
    int[] want = {0, 2, 2, 4, 0, -2, -2};
    for (int i = 0; i < x.length; i++) {
      assertEquals(want[i], QuantMath.quantize(x[i], 1f, 0, I8), "quantize(" + x[i] + ")");
    }
    // ties after division: 0.25 / 0.5 = 0.5 -> 0 and 0.75 / 0.5 = 1.5 -> 2, then + zp 10
    assertEquals(10, QuantMath.quantize(0.25f, 0.5f, 10, U8));
    assertEquals(12, QuantMath.quantize(0.75f, 0.5f, 10, U8));
  }

  @Test
  void valuesOutsideTheGridSaturate() {
    assertEquals(255, QuantMath.quantize(300f, 1f, 0, U8));
    assertEquals(0, QuantMath.quantize(-5f, 1f, 0, U8));
    assertEquals(-128, QuantMath.quantize(-200f, 1f, 0, I8));
    assertEquals(127, QuantMath.quantize(1e30f, 1e-3f, 0, I8));
    assertEquals(0, QuantMath.quantize(-1e30f, 1e-3f, 3, U8));
    assertEquals(3, QuantMath.quantize(Float.NaN, 1f, 3, U8));
  }

  @Test
  void invalidRangesAreRejected() {
    assertThrows(QuantLensException.class, () -> QuantMath.params(1, 0, U8, false));
    assertThrows(QuantLensException.class, () -> QuantMath.params(0, Double.POSITIVE_INFINITY, U8, false));
    assertThrows(QuantLensException.class, () -> QuantMath.params(Double.NaN, 1, U8, false));
  }

  @Test
  void fakeQuantAtTwoAndFourBits() {
    QuantMath.IntRange s2 = QuantMath.intRange(2, true, true, false); // [-1, 1]
    QuantMath.Params p = QuantMath.params(-1, 1, s2, true); // scale 1
    assertEquals(1f, p.scale);
    assertEquals(0f, QuantMath.fakeQuant(0.4f, p.scale, 0, s2));
    assertEquals(1f, QuantMath.fakeQuant(0.6f, p.scale, 0, s2));
    assertEquals(-1f, QuantMath.fakeQuant(-3f, p.scale, 0, s2));
    QuantMath.IntRange u4 = QuantMath.intRange(4, false, false, false); // [0, 15]
    QuantMath.Params q = QuantMath.params(0, 1.5, u4, false); // scale 0.1, zp 0
    assertEquals(0.1f, q.scale, 1e-8f);
    assertEquals(0.3f, QuantMath.fakeQuant(0.26f, q.scale, q.zeroPoint, u4), 1e-6f);
    assertEquals(1.5f, QuantMath.fakeQuant(9f, q.scale, q.zeroPoint, u4), 1e-6f);
    assertEquals(0f, QuantMath.fakeQuant(-9f, q.scale, q.zeroPoint, u4));
  }

  @Test
  void arrayFakeQuantEqualsQuantizeThenDequantize() {
    Random rnd = new Random(1);
    for (int bits = 2; bits <= 16; bits++) {
      QuantMath.IntRange r = QuantMath.intRange(bits, bits % 2 == 0, false, false);
      QuantMath.Params p = QuantMath.params(-1.3, 2.1, r, false);
      float[] x = new float[500];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (rnd.nextGaussian() * 2);
      }
      float[] y = x.clone();
      QuantMath.fakeQuant(y, 0, y.length, p.scale, p.zeroPoint, r);
      for (int i = 0; i < x.length; i++) {
        float want = QuantMath.dequantize(QuantMath.quantize(x[i], p.scale, p.zeroPoint, r), p.scale, p.zeroPoint);
        assertEquals(want, y[i], Math.ulp(want) * 2, "bits " + bits + " x=" + x[i]);
      }
    }
  }

  @Test
  void perAxisParamsTakeEachChannelsOwnRange() {
    Tensor t = Tensor.of(new float[] {1, -2, 0.5f, 0, 0, 0, 0.1f, 0.2f, 0.3f}, 3, 3);
    QuantMath.IntRange s8 = QuantMath.intRange(8, true, true, false);
    QuantMath.Params[] rows = QuantMath.perAxisParams(t, 0, s8, true);
    assertEquals(2f / 127f, rows[0].scale, 1e-9f);
    assertEquals(1f, rows[1].scale); // an all-zero channel
    assertEquals(0.3f / 127f, rows[2].scale, 1e-9f);
    QuantMath.Params[] cols = QuantMath.perAxisParams(t, 1, s8, true);
    assertEquals(1f / 127f, cols[0].scale, 1e-9f);
    assertEquals(2f / 127f, cols[1].scale, 1e-9f);
    assertEquals(0.5f / 127f, cols[2].scale, 1e-9f);
    QuantMath.Params[] all = QuantMath.perAxisParams(t, -1, s8, true);
    assertEquals(1, all.length);
    assertEquals(2f / 127f, all[0].scale, 1e-9f);
    assertTrue(QuantMath.channelOf(5, new int[] {3, 3}, 0) == 1 && QuantMath.channelOf(5, new int[] {3, 3}, 1) == 2);
  }
}
