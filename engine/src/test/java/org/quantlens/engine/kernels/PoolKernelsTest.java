package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The selected {@link PoolKernels} against the scalar reference: window rows and the affine map
 * bit-exact (same operations in the same order), plane sums within rounding.
 */
class PoolKernelsTest {
  private final PoolKernels simd = PoolKernels.get();
  private final PoolKernels ref = PoolKernels.SCALAR;

  @Test
  void maxAndAverageRowsMatchScalarReferenceBitForBit() {
    Random rnd = new Random(3);
    for (int trial = 0; trial < 300; trial++) {
      int kh = 1 + rnd.nextInt(4);
      int kw = 1 + rnd.nextInt(4);
      int s = 1 + rnd.nextInt(3);
      int d = 1 + rnd.nextInt(2);
      int h = kh * d + rnd.nextInt(12);
      int w = kw * d + rnd.nextInt(60);
      int[] pads = {rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kh), rnd.nextInt(kw)};
      ConvGeometry g = ConvGeometry.of(new int[] {h, w}, new int[] {kh, kw}, new int[] {s, s},
          new int[] {d, d}, pads, ConvGeometry.AutoPad.NOTSET, rnd.nextBoolean());
      PaddedPlane plane = new PaddedPlane(g);
      float[] x = ConvKernelsTest.random(rnd, g.inSize);
      if (trial % 7 == 0) {
        x[rnd.nextInt(x.length)] = Float.NaN;
      }
      float[] buf = new float[plane.size()];
      float[] divX = new float[plane.outW];
      for (int i = 0; i < divX.length; i++) {
        divX[i] = 1 + rnd.nextInt(9);
      }
      for (int pass = 0; pass < 2; pass++) {
        plane.fill(x, 0, pass == 0 ? Float.NEGATIVE_INFINITY : 0f, buf);
        for (int oy = 0; oy < plane.outH; oy++) {
          float[] a = new float[plane.outW];
          float[] b = new float[plane.outW];
          if (pass == 0) {
            simd.maxRow(buf, plane.rowBase(oy), plane.taps(), a, 0, plane.outW);
            ref.maxRow(buf, plane.rowBase(oy), plane.taps(), b, 0, plane.outW);
          } else {
            simd.avgRow(buf, plane.rowBase(oy), plane.taps(), 3f, divX, a, 0, plane.outW);
            ref.avgRow(buf, plane.rowBase(oy), plane.taps(), 3f, divX, b, 0, plane.outW);
          }
          assertEquals(Arrays.toString(b), Arrays.toString(a), g.toString());
        }
      }
    }
  }

  @Test
  void max2x2RowsMatchWindowMaximaAndScalarReferenceBitForBit() {
    Random rnd = new Random(5);
    for (int trial = 0; trial < 200; trial++) {
      int outW = 1 + rnd.nextInt(40);
      int w = 2 * outW + rnd.nextInt(3); // an odd last column is never read
      int off = rnd.nextInt(5);
      float[] x = ConvKernelsTest.random(rnd, off + 2 * w);
      if (trial % 5 == 0) {
        x[off + rnd.nextInt(2 * w)] = Float.NaN;
      }
      if (trial % 7 == 0) { // -0 against +0: max is +0 whichever comes first
        x[off + 2 * w - w] = -0f;
        x[off] = 0f;
      }
      float[] a = new float[outW + 1];
      float[] b = new float[outW + 1];
      simd.max2x2Row(x, off, w, a, 1, outW);
      ref.max2x2Row(x, off, w, b, 1, outW);
      for (int i = 0; i < outW; i++) {
        float want = Float.NEGATIVE_INFINITY;
        for (int t : new int[] {off + 2 * i, off + 2 * i + 1, off + w + 2 * i, off + w + 2 * i + 1}) {
          want = Float.isNaN(x[t]) || Float.isNaN(want) ? Float.NaN
              : x[t] > want || x[t] == want && Float.compare(x[t], want) > 0 ? x[t] : want;
        }
        assertEquals(want, a[i + 1], "outW=" + outW + " i=" + i);
      }
      assertEquals(Arrays.toString(b), Arrays.toString(a), "outW=" + outW);
      assertEquals(0f, a[0]); // nothing written before dstOff
    }
  }

  @Test
  void planeReductionsMatchScalarReference() {
    Random rnd = new Random(8);
    for (int n = 0; n < 300; n += 1 + n / 8) {
      float[] x = ConvKernelsTest.random(rnd, n + 3);
      // Sums of n values in [-1, 1] in two association orders differ by at most ~n * 2^-24 * n.
      float tol = 1e-6f * (n + 1) * (n + 1);
      assertEquals(ref.sum(x, 2, n), simd.sum(x, 2, n), tol, "n=" + n);
      assertEquals(ref.max(x, 2, n), simd.max(x, 2, n), "n=" + n);
      if (n > 0) {
        x[2 + rnd.nextInt(n)] = Float.NaN;
        assertTrue(Float.isNaN(simd.max(x, 2, n)), "NaN must propagate through max, n=" + n);
      }
    }
    assertEquals(Float.NEGATIVE_INFINITY, simd.max(new float[0], 0, 0));
  }

  @Test
  void affineMatchesScalarReferenceBitForBit() {
    Random rnd = new Random(2);
    for (int n = 0; n < 80; n++) {
      float[] x = ConvKernelsTest.random(rnd, n + 1);
      float[] a = new float[n + 2];
      float[] b = new float[n + 2];
      simd.affine(x, 1, 1.7f, -0.3f, a, 2, n);
      ref.affine(x, 1, 1.7f, -0.3f, b, 2, n);
      assertEquals(Arrays.toString(b), Arrays.toString(a));
    }
  }
}
