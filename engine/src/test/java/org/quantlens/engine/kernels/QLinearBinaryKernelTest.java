package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link QuantizeKernels#binaryQuantized} (QLinearAdd/Mul on contiguous runs): the SIMD kernel
 * against the scalar reference bit for bit, and the scalar one against DequantizeLinear, Add/Mul,
 * QuantizeLinear written out here (float32, round half to even, saturation, fused clamp).
 */
class QLinearBinaryKernelTest {
  /** The three-op definition, element by element. */
  private static byte naive(boolean mul, int a, int b, float sa, int za, float sb, int zb, float sy, int zy,
      int lo, int hi) {
    float va = sa * (float) (a - za);
    float vb = sb * (float) (b - zb);
    float q = (mul ? va * vb : va + vb) / sy;
    double r = Math.rint(q) + zy;
    return (byte) Math.max(lo, Math.min(hi, r));
  }

  @Test
  void addRoundsTiesToEvenAndSaturatesHandComputed() {
    QuantizeKernels simd = Int8KernelsTest.simd(QuantizeKernels.class, "SimdInt8Quantize");
    // scales 1, 1, 2: y = rint((a + b) / 2), so odd sums are ties
    byte[] a = {1, 3, 5, -1, -3, 100, 127, -128, 0, 2, 7, 9, 11, -5, 60, 64, 1};
    byte[] b = {0, 0, 0, 0, 0, 100, 127, -128, 0, 1, 0, 0, 0, 0, 67, 64, 2};
    int[] want = {0, 2, 2, 0, -2, 100, 127, -128, 0, 2, 4, 4, 6, -2, 64, 64, 2};
    for (QuantizeKernels k : new QuantizeKernels[] {QuantizeKernels.SCALAR, simd}) {
      byte[] y = new byte[a.length];
      k.binaryQuantized(false, a, 0, b, 0, a.length, false, 1f, 0, 1f, 0, 2f, 0, -128, 127, y, 0);
      for (int i = 0; i < a.length; i++) {
        assertEquals(want[i], y[i], k + " a=" + a[i] + " b=" + b[i]);
      }
      // scale 0.25: 4 (a + b) saturates at 127 / -128; a fused Relu clamps at 0
      k.binaryQuantized(false, a, 0, b, 0, a.length, false, 1f, 0, 1f, 0, 0.25f, 0, 0, 127, y, 0);
      for (int i = 0; i < a.length; i++) {
        assertEquals(Math.max(0, Math.min(127, 4 * (a[i] + b[i]))), y[i], k + " relu a=" + a[i] + " b=" + b[i]);
      }
    }
  }

  @Test
  void simdMatchesScalarAndScalarMatchesTheThreeOpDefinitionOnRandomRuns() {
    QuantizeKernels simd = Int8KernelsTest.simd(QuantizeKernels.class, "SimdInt8Quantize");
    Random r = new Random(21);
    for (int t = 0; t < 400; t++) {
      boolean mul = t % 3 == 0;
      boolean u = t % 2 == 0;
      int n = r.nextInt(100);
      byte[] a = new byte[n + 5];
      byte[] b = new byte[n + 7];
      r.nextBytes(a);
      r.nextBytes(b);
      float sa = (float) Math.exp(r.nextGaussian() - 3);
      float sb = t % 7 == 0 ? sa : (float) Math.exp(r.nextGaussian() - 3);
      int za = u ? r.nextInt(256) : r.nextInt(256) - 128;
      int zb = u ? r.nextInt(256) : r.nextInt(256) - 128;
      float sy = mul ? sa * sb * (20 + r.nextInt(100)) : (sa + sb) * (0.5f + r.nextFloat());
      int zy = u ? r.nextInt(256) : r.nextInt(256) - 128;
      int qmin = u ? 0 : -128;
      int qmax = u ? 255 : 127;
      int lo = t % 4 == 1 ? Math.max(qmin, zy) : qmin; // a fused Relu now and then
      int hi = qmax;
      byte[] y1 = new byte[n + 2];
      byte[] y2 = new byte[n + 2];
      QuantizeKernels.SCALAR.binaryQuantized(mul, a, 5, b, 7, n, u, sa, za, sb, zb, sy, zy, lo, hi, y1, 2);
      simd.binaryQuantized(mul, a, 5, b, 7, n, u, sa, za, sb, zb, sy, zy, lo, hi, y2, 2);
      assertArrayEquals(y1, y2, "run " + t);
      int mask = u ? 0xff : -1;
      for (int i = 0; i < n; i++) {
        assertEquals(naive(mul, a[5 + i] & mask, b[7 + i] & mask, sa, za, sb, zb, sy, zy, lo, hi), y1[2 + i],
            "run " + t + " element " + i);
      }
    }
  }
}
