package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link QuantIm2col#padImage} (2-D: border-only fill plus {@link QuantizeKernels#widenRows})
 * against a padded image built naively here, for symmetric, asymmetric and zero pads, int8 and
 * uint8; and the SIMD {@code widenRows} against the scalar one bit for bit.
 */
class QuantPadImageTest {
  private static float[] naive(byte[] x, int xOff, int c, int h, int w, int[] pads, boolean unsigned, float pad) {
    int ph = h + pads[0] + pads[2];
    int pw = w + pads[1] + pads[3];
    float[] out = new float[c * ph * pw];
    Arrays.fill(out, pad);
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < h; y++) {
        for (int i = 0; i < w; i++) {
          int v = x[xOff + (ch * h + y) * w + i];
          out[ch * ph * pw + (y + pads[0]) * pw + i + pads[1]] = unsigned ? (v & 0xff) - 128 : v;
        }
      }
    }
    return out;
  }

  @Test
  void padImage2dEqualsANaivelyPaddedImageForEveryPadShape() {
    Random r = new Random(12);
    int[][] pads = {{1, 1, 1, 1}, {0, 0, 0, 0}, {2, 0, 1, 3}, {0, 1, 2, 0}};
    int[][] sizes = {{3, 32, 32}, {2, 8, 8}, {1, 5, 13}, {4, 1, 1}, {2, 9, 17}};
    for (int[] p : pads) {
      for (int[] s : sizes) {
        for (boolean u : new boolean[] {false, true}) {
          int c = s[0];
          byte[] x = new byte[3 + c * s[1] * s[2]];
          r.nextBytes(x);
          ConvGeometry g = ConvGeometry.of(new int[] {s[1], s[2]}, new int[] {1, 1}, null, null, p,
              ConvGeometry.AutoPad.NOTSET, false);
          int size = QuantIm2col.paddedSize(g, c);
          float[] got = new float[size + 4];
          Arrays.fill(got, Float.NaN); // every element must be written
          float pad = u ? 5 : -7;
          QuantIm2col.padImage(g, x, 3, u, 0, c, pad, got, 2);
          float[] want = naive(x, 3, c, s[1], s[2], p, u, pad);
          assertArrayEquals(want, Arrays.copyOfRange(got, 2, 2 + size), 0f,
              Arrays.toString(p) + " " + Arrays.toString(s) + (u ? " uint8" : " int8"));
        }
      }
    }
  }

  @Test
  void simdWidenRowsMatchesScalar() {
    QuantizeKernels simd = Int8KernelsTest.simd(QuantizeKernels.class, "SimdInt8Quantize");
    Random r = new Random(13);
    for (int t = 0; t < 200; t++) {
      int rows = 1 + r.nextInt(6);
      int cols = r.nextInt(40);
      int stride = cols + r.nextInt(4);
      boolean u = t % 2 == 0;
      byte[] x = new byte[1 + rows * cols];
      r.nextBytes(x);
      float[] a = new float[rows * stride + 1];
      float[] b = new float[rows * stride + 1];
      QuantizeKernels.SCALAR.widenRows(x, 1, rows, cols, u, a, 1, stride);
      simd.widenRows(x, 1, rows, cols, u, b, 1, stride);
      assertArrayEquals(a, b, "rows " + rows + " cols " + cols);
    }
  }
}
