package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The saturation counting kernels, SIMD (whatever {@code get()} selects) and the scalar reference,
 * against counts worked out by hand, including values exactly half a step past a bound (round half
 * to even decides) and NaN/Inf spread over vector bodies and scalar tails; then SIMD against scalar
 * on random data over many lengths.
 */
class SaturationCountKernelsTest {
  private static final QuantizeKernels[] QUANTIZE = {QuantizeKernels.SCALAR, QuantizeKernels.get()};
  private static final Requantize[] REQUANTIZE = {Requantize.SCALAR, Requantize.get()};

  @Test
  void quantizeCountsHandWorkedLowHighAndNonFiniteValues() {
    // scale 0.5, zp -10, int8: low iff rint(2x) < -118, high iff rint(2x) > 137
    float[] x = new float[41];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i - 20) * 0.7f; // in range
    }
    x[0] = 68.75f; // 137.5 -> 138: high
    x[3] = 68.25f; // 136.5 -> 136: in range
    x[5] = -59.25f; // -118.5 -> -118: in range
    x[9] = -59.75f; // -119.5 -> -120: low
    x[12] = Float.NaN;
    x[16] = 69.25f; // 138.5 -> 138: high
    x[23] = Float.POSITIVE_INFINITY;
    x[30] = -1000f; // low
    x[38] = 1e30f; // high (finite, far out)
    x[39] = Float.NEGATIVE_INFINITY;
    x[40] = 68.5f; // 137: in range
    for (QuantizeKernels k : QUANTIZE) {
      long[] c = new long[3];
      k.countSaturation(x, 0, x.length, 0.5f, -10, -128, 127, c);
      assertArrayEquals(new long[] {2, 3, 3}, c, k.getClass().getSimpleName());
      long[] tail = {1, 1, 1}; // adds to what is there; an offset run sees only its part
      k.countSaturation(x, 30, 11, 0.5f, -10, -128, 127, tail);
      assertArrayEquals(new long[] {2, 2, 2}, tail, k.getClass().getSimpleName() + " from offset 30");
    }
  }

  @Test
  void quantizeCountsForUint8AreAgainstZeroAnd255() {
    float[] x = new float[19];
    x[2] = -0.6f; // rint(-0.6 / 0.1) + 3 = -3: low
    x[7] = -0.25f; // -2.5 -> -2, + 3 = 1: in range
    x[11] = 25.3f; // 253 + 3 = 256: high
    x[17] = 25.2f; // 252 + 3 = 255: in range
    for (QuantizeKernels k : QUANTIZE) {
      long[] c = new long[3];
      k.countSaturation(x, 0, x.length, 0.1f, 3, 0, 255, c);
      assertArrayEquals(new long[] {1, 1, 0}, c, k.getClass().getSimpleName());
    }
  }

  @Test
  void requantizeRowCountsHandWorkedAccumulators() {
    // (acc + 2) * 0.25, zp 5, int8: pre-zero-point bounds [-133, 122]
    int[] acc = new int[27];
    acc[1] = 488; // 122.5 -> 122: in range
    acc[4] = 490; // 123: high
    acc[10] = -532; // -132.5 -> -132: in range
    acc[13] = -536; // -133.5 -> -134: low
    acc[20] = 1 << 30; // high
    acc[26] = -(1 << 30); // low
    for (Requantize k : REQUANTIZE) {
      long[] c = new long[2];
      k.countRowSaturation(acc, 0, acc.length, 2, 0.25f, 5, -128, 127, c);
      assertArrayEquals(new long[] {2, 2}, c, k.getClass().getSimpleName());
    }
  }

  @Test
  void requantizeColumnsCountsUseEachColumnsScale() {
    int[] acc = new int[18];
    float[] scale = new float[18];
    java.util.Arrays.fill(scale, 1f);
    acc[0] = 300; // with scale 1: high (uint8, zp 0)
    acc[1] = 300;
    scale[1] = 0.5f; // 150: in range
    acc[9] = -1; // -1 < 0: low
    acc[17] = 511;
    scale[17] = 0.5f; // 255.5 -> 256: high
    for (Requantize k : REQUANTIZE) {
      long[] c = new long[2];
      k.countColumnsSaturation(acc, 0, acc.length, scale, 0, 0, 0, 255, c);
      assertArrayEquals(new long[] {1, 2}, c, k.getClass().getSimpleName());
    }
  }

  @Test
  void simdCountsEqualScalarOnRandomDataOfManyLengths() {
    Random r = new Random(5);
    for (int n = 0; n < 100; n++) {
      float[] x = new float[n + 3];
      int[] acc = new int[n + 3];
      float[] scale = new float[n + 3];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (r.nextGaussian() * 40);
        if (r.nextInt(20) == 0) {
          x[i] = r.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY;
        }
        acc[i] = r.nextInt(4000) - 2000;
        scale[i] = 0.05f + r.nextFloat() * 0.1f;
      }
      int off = n % 3;
      long[] a = new long[3];
      long[] b = new long[3];
      QuantizeKernels.SCALAR.countSaturation(x, off, n, 0.3f, 7, -128, 127, a);
      QuantizeKernels.get().countSaturation(x, off, n, 0.3f, 7, -128, 127, b);
      assertArrayEquals(a, b, "quantize n=" + n);
      long[] c = new long[2];
      long[] d = new long[2];
      Requantize.SCALAR.countRowSaturation(acc, off, n, 11, 0.13f, 128, 0, 255, c);
      Requantize.get().countRowSaturation(acc, off, n, 11, 0.13f, 128, 0, 255, d);
      assertArrayEquals(c, d, "row n=" + n);
      long[] e = new long[2];
      long[] f = new long[2];
      Requantize.SCALAR.countColumnsSaturation(acc, off, n, scale, off, -3, -128, 127, e);
      Requantize.get().countColumnsSaturation(acc, off, n, scale, off, -3, -128, 127, f);
      assertArrayEquals(e, f, "columns n=" + n);
    }
  }
}
