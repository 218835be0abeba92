package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Im2col#tile} against a patch matrix built element by element from the definition. */
class ConvIm2colTest {
  @Test
  void tilesMatchPatchDefinitionForRanks1To3() {
    Random rnd = new Random(21);
    for (int trial = 0; trial < 200; trial++) {
      int r = 1 + rnd.nextInt(3);
      int[] in = new int[r];
      int[] k = new int[r];
      int[] s = new int[r];
      int[] d = new int[r];
      int[] pads = new int[2 * r];
      for (int i = 0; i < r; i++) {
        k[i] = 1 + rnd.nextInt(3);
        s[i] = 1 + rnd.nextInt(3);
        d[i] = 1 + rnd.nextInt(2);
        pads[i] = rnd.nextInt(3);
        pads[i + r] = rnd.nextInt(3);
        // inputs smaller than the kernel occur when the pads make up the difference
        in[i] = Math.max(1, (k[i] - 1) * d[i] + 1 - pads[i] - pads[i + r] + rnd.nextInt(r == 3 ? 4 : 9));
      }
      ConvGeometry g = ConvGeometry.of(in, k, s, d, pads, ConvGeometry.AutoPad.NOTSET, false);
      int channels = 1 + rnd.nextInt(3);
      float[] x = ConvKernelsTest.random(rnd, 5 + channels * g.inSize);
      int p0 = rnd.nextInt(g.outSize);
      int p1 = p0 + 1 + rnd.nextInt(g.outSize - p0);
      int len = p1 - p0;
      float[] col = new float[channels * g.kernelSize * len];
      java.util.Arrays.fill(col, 99f);
      Im2col.tile(g, x, 5, channels, p0, p1, col);
      for (int c = 0; c < channels; c++) {
        for (int kp = 0; kp < g.kernelSize; kp++) {
          int[] kc = coords(kp, k);
          for (int p = p0; p < p1; p++) {
            int[] oc = coords(p, g.out);
            int at = 0;
            boolean inside = true;
            for (int i = 0; i < r; i++) {
              int pos = oc[i] * s[i] - pads[i] + kc[i] * d[i];
              inside &= pos >= 0 && pos < in[i];
              at = at * in[i] + pos;
            }
            float want = inside ? x[5 + c * g.inSize + at] : 0f;
            assertEquals(want, col[(c * g.kernelSize + kp) * len + p - p0], g + " c" + c + " kp" + kp + " p" + p);
          }
        }
      }
    }
  }

  private static int[] coords(int flat, int[] dims) {
    int[] c = new int[dims.length];
    for (int i = dims.length - 1; i >= 0; i--) {
      c[i] = flat % dims[i];
      flat /= dims[i];
    }
    return c;
  }
}
