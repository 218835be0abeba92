package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The selected {@link ConvKernels} (SIMD when the vector module is present) against the scalar
 * reference. With {@code -Dquantlens.simd=false} both are the reference and agree exactly.
 */
class ConvKernelsTest {
  private final ConvKernels simd = ConvKernels.get();
  private final ConvKernels ref = ConvKernels.SCALAR;

  @Test
  void depthwiseRowsMatchScalarReferenceOverManyGeometries() {
    Random rnd = new Random(11);
    int checked = 0;
    for (int trial = 0; trial < 400; trial++) {
      boolean oneD = rnd.nextInt(4) == 0;
      int kh = oneD ? 1 : 1 + rnd.nextInt(5);
      int kw = 1 + rnd.nextInt(5);
      int sy = oneD ? 1 : 1 + rnd.nextInt(3);
      int sx = 1 + rnd.nextInt(3);
      int dy = oneD ? 1 : 1 + rnd.nextInt(2);
      int dx = 1 + rnd.nextInt(2);
      int[] pads = oneD ? new int[] {rnd.nextInt(kw), rnd.nextInt(kw)}
          : new int[] {rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kh), rnd.nextInt(kw)};
      // inputs may be smaller than the kernel where the pads make up the difference
      int h = oneD ? 0 : Math.max(1, (kh - 1) * dy + 1 - pads[0] - pads[2] + rnd.nextInt(20));
      int w = Math.max(1, (kw - 1) * dx + 1 - pads[oneD ? 0 : 1] - pads[oneD ? 1 : 3] + rnd.nextInt(70));
      ConvGeometry g = oneD
          ? ConvGeometry.of(new int[] {w}, new int[] {kw}, new int[] {sx}, new int[] {dx}, pads,
              ConvGeometry.AutoPad.NOTSET, false)
          : ConvGeometry.of(new int[] {h, w}, new int[] {kh, kw}, new int[] {sy, sx},
              new int[] {dy, dx}, pads, ConvGeometry.AutoPad.NOTSET, false);
      PaddedPlane plane = new PaddedPlane(g);
      float[] x = random(rnd, g.inSize);
      float[] buf = new float[plane.size()];
      plane.fill(x, 0, 0f, buf);
      float[] wt = random(rnd, g.kernelSize + 3);
      int wOff = rnd.nextInt(4);
      float bias = rnd.nextFloat() - 0.5f;
      float lo = rnd.nextBoolean() ? Float.NEGATIVE_INFINITY : -0.3f;
      float hi = rnd.nextBoolean() ? Float.POSITIVE_INFINITY : 0.4f;
      for (int oy = 0; oy < plane.outH; oy++) {
        float[] a = new float[plane.outW + 2];
        float[] b = new float[plane.outW + 2];
        simd.depthwiseRow(buf, plane.rowBase(oy), plane.taps(), wt, wOff, bias, lo, hi, a, 1, plane.outW);
        ref.depthwiseRow(buf, plane.rowBase(oy), plane.taps(), wt, wOff, bias, lo, hi, b, 1, plane.outW);
        assertEquals(0f, a[0]);
        assertEquals(0f, a[plane.outW + 1], "wrote past the row");
        for (int i = 1; i <= plane.outW; i++) {
          // Bound: both orders round each of the taps' products and sums once or twice, so they
          // differ by at most ~2 * taps * 2^-24 times the sum of |terms|; 1e-6 * taps covers it.
          float mag = Math.abs(bias) + Math.abs(b[i]) + (float) plane.taps().length;
          assertTrue(Math.abs(a[i] - b[i]) <= 1e-6f * plane.taps().length * mag,
              () -> g + " simd " + java.util.Arrays.toString(a) + " ref " + java.util.Arrays.toString(b));
          checked++;
        }
      }
    }
    assertTrue(checked > 10_000);
  }

  @Test
  void biasClampMatchesScalarReferenceExactly() {
    Random rnd = new Random(5);
    for (int n = 0; n < 70; n++) {
      float[] y = random(rnd, n + 5);
      float[] a = y.clone();
      float[] b = y.clone();
      a[2] = Float.NaN;
      b[2] = Float.NaN;
      simd.biasClamp(a, 1, n, 0.25f, -0.2f, 0.3f);
      ref.biasClamp(b, 1, n, 0.25f, -0.2f, 0.3f);
      assertEquals(java.util.Arrays.toString(b), java.util.Arrays.toString(a));
      simd.biasClamp(a, 0, n, -0.1f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
      ref.biasClamp(b, 0, n, -0.1f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
      assertEquals(java.util.Arrays.toString(b), java.util.Arrays.toString(a));
    }
  }

  @Test
  void scalarDepthwiseRowIsTheTapSumOfItsDefinition() {
    // 1-D, kernel 3, stride 2, pad 1 each side over x = 1..6: output o reads x[2o-1 .. 2o+1].
    ConvGeometry g = ConvGeometry.of(new int[] {6}, new int[] {3}, new int[] {2}, null,
        new int[] {1, 1}, ConvGeometry.AutoPad.NOTSET, false);
    PaddedPlane plane = new PaddedPlane(g);
    float[] buf = new float[plane.size()];
    plane.fill(new float[] {1, 2, 3, 4, 5, 6}, 0, 0f, buf);
    float[] y = new float[3];
    ref.depthwiseRow(buf, 0, plane.taps(), new float[] {1, 10, 100}, 0, 0.5f,
        Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, y, 0, 3);
    // o=0: 0*1 + 1*10 + 2*100; o=1: 2 + 30 + 400; o=2: 4 + 50 + 600.
    assertEquals(210.5f, y[0]);
    assertEquals(432.5f, y[1]);
    assertEquals(654.5f, y[2]);
  }

  static float[] random(Random rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = rnd.nextFloat() * 2 - 1;
    }
    return a;
  }
}
