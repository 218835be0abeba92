package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FloatConv#patches} (B panels gathered from padded planes) against a naive convolution
 * written here from the ONNX definition, against the patch-matrix path of {@link FloatConv#gemm},
 * and across thread counts; and {@link GemmKernel#gatherRuns} of the selected kernel against a
 * plain loop.
 */
class FloatConvPatchesTest {
  /** One random 1-D or 2-D convolution with strides, dilations, pads and groups. */
  private static final class Case {
    final int n;
    final int c;
    final int m;
    final int group;
    final int[] in;
    final int[] k;
    final int[] s;
    final int[] d;
    final int[] pads;
    final float[] x;
    final float[] w;
    final float[] bias;
    final float lo;
    final float hi;
    final ConvGeometry g;

    Case(Random rnd, boolean big) {
      int r = rnd.nextInt(5) == 0 ? 1 : 2;
      group = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 1;
      n = 1 + rnd.nextInt(3);
      c = group * (1 + rnd.nextInt(big ? 40 : 6));
      m = group * (1 + rnd.nextInt(big ? 70 : 9));
      in = new int[r];
      k = new int[r];
      s = new int[r];
      d = new int[r];
      pads = new int[2 * r];
      for (int i = 0; i < r; i++) {
        k[i] = 1 + rnd.nextInt(4);
        s[i] = 1 + rnd.nextInt(3);
        d[i] = rnd.nextInt(4) == 0 ? 2 : 1;
        pads[i] = rnd.nextInt(k[i]);
        pads[i + r] = rnd.nextInt(k[i]);
        int span = (k[i] - 1) * d[i] + 1;
        in[i] = Math.max(1, span - pads[i] - pads[i + r]) + rnd.nextInt(big ? 20 : 13);
      }
      if (Arrays.stream(k).allMatch(v -> v == 1) && Arrays.stream(s).allMatch(v -> v == 1)) {
        s[0] = 2; // a pointwise map does not take this path
      }
      g = ConvGeometry.of(in, k, s, d, pads, ConvGeometry.AutoPad.NOTSET, false);
      x = random(rnd, n * c * g.inSize);
      w = random(rnd, m * (c / group) * g.kernelSize);
      bias = rnd.nextBoolean() ? random(rnd, m) : null;
      int act = rnd.nextInt(3);
      lo = act == 0 ? Float.NEGATIVE_INFINITY : act == 1 ? 0f : -0.5f;
      hi = act == 2 ? 0.75f : Float.POSITIVE_INFINITY;
    }

    /** A batch-1 square 2-D layer with bias and Relu. */
    Case(Random rnd, int c, int m, int kernel, int size, int stride, int pad) {
      n = 1;
      this.c = c;
      this.m = m;
      group = 1;
      in = new int[] {size, size};
      k = new int[] {kernel, kernel};
      s = new int[] {stride, stride};
      d = new int[] {1, 1};
      pads = new int[] {pad, pad, pad, pad};
      g = ConvGeometry.of(in, k, s, d, pads, ConvGeometry.AutoPad.NOTSET, false);
      x = random(rnd, c * g.inSize);
      w = random(rnd, m * c * g.kernelSize);
      bias = random(rnd, m);
      lo = 0f;
      hi = Float.POSITIVE_INFINITY;
    }

    Epilogue epilogue() {
      return new Epilogue(lo, hi, null);
    }

    PackedMatrix[] packed() {
      return FloatConv.packWeights(w, m, group, (c / group) * g.kernelSize);
    }

    /** The definition, summed in double; [1] holds sum |terms| per output for a bound. */
    double[][] naive() {
      int r = in.length;
      int cg = c / group;
      int mg = m / group;
      double[] y = new double[n * m * g.outSize];
      double[] mag = new double[y.length];
      int[] o = new int[r];
      int[] kk = new int[r];
      for (int b = 0; b < n; b++) {
        for (int om = 0; om < m; om++) {
          int gi = om / mg;
          for (int p = 0; p < g.outSize; p++) {
            unflatten(p, g.out, o);
            double sum = bias == null ? 0 : bias[om];
            double a = Math.abs(sum);
            for (int ic = 0; ic < cg; ic++) {
              for (int t = 0; t < g.kernelSize; t++) {
                unflatten(t, k, kk);
                int at = 0;
                boolean inside = true;
                for (int i = 0; i < r; i++) {
                  int pos = o[i] * s[i] - pads[i] + kk[i] * d[i];
                  inside &= pos >= 0 && pos < in[i];
                  at = at * in[i] + pos;
                }
                if (inside) {
                  double term = (double) x[(b * c + gi * cg + ic) * g.inSize + at]
                      * w[(om * cg + ic) * g.kernelSize + t];
                  sum += term;
                  a += Math.abs(term);
                }
              }
            }
            int yi = (b * m + om) * g.outSize + p;
            y[yi] = Math.min(Math.max(sum, lo), hi);
            mag[yi] = a;
          }
        }
      }
      return new double[][] {y, mag};
    }

    @Override
    public String toString() {
      return "n" + n + " c" + c + " m" + m + " group " + group + " " + g + " bias "
          + (bias != null) + " clamp [" + lo + ", " + hi + "]";
    }
  }

  private static void unflatten(int flat, int[] dims, int[] out) {
    for (int i = dims.length - 1; i >= 0; i--) {
      out[i] = flat % dims[i];
      flat /= dims[i];
    }
  }

  static float[] random(Random rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = rnd.nextFloat() * 2 - 1;
    }
    return a;
  }

  private static float[] runPatches(Case cs, Parallel par) {
    float[] y = new float[cs.n * cs.m * cs.g.outSize];
    Arrays.fill(y, Float.NaN); // every output must be written
    assertTrue(FloatConv.patchesSuit(cs.g, cs.packed()), cs::toString);
    FloatConv.patches(cs.g, cs.n, cs.c, cs.group, cs.m, cs.x, cs.packed(), cs.bias,
        cs.epilogue(), y, par, null);
    return y;
  }

  private static void assertClose(Case cs, float[] got) {
    double[][] ref = cs.naive();
    assertEquals(ref[0].length, got.length);
    int terms = cs.c / cs.group * cs.g.kernelSize + 1;
    for (int i = 0; i < got.length; i++) {
      // float accumulation of `terms` terms: each rounding adds <= 2^-24 * sum |terms|
      double tol = 1e-7 * (terms + 2) * ref[1][i] + 1e-7;
      int at = i;
      assertTrue(Math.abs(got[i] - ref[0][i]) <= tol,
          () -> cs + ": output " + at + " is " + got[at] + ", expected " + ref[0][at]);
    }
  }

  @Test
  void patchPanelsMatchNaiveConvolutionWithStridesPadsDilationsAndGroups() {
    Random rnd = new Random(505);
    for (int trial = 0; trial < 250; trial++) {
      Case cs = new Case(rnd, trial % 10 == 0);
      assertClose(cs, runPatches(cs, Parallel.SERIAL));
    }
  }

  @Test
  void patchPanelsGiveTheSameBitsAsThePatchMatrixPath() {
    Random rnd = new Random(77);
    for (int trial = 0; trial < 80; trial++) {
      Case cs = new Case(rnd, trial % 4 == 0);
      float[] viaMatrix = new float[cs.n * cs.m * cs.g.outSize];
      FloatConv.gemm(cs.g, cs.n, cs.c, cs.group, cs.m, cs.x, cs.w, cs.packed(), cs.bias,
          cs.epilogue(), viaMatrix, Parallel.SERIAL);
      assertArrayEquals(viaMatrix, runPatches(cs, Parallel.SERIAL), cs::toString);
    }
  }

  @Test
  void resultsAreIdenticalForOneTwoAndThreeThreadsIncludingBatchOneSplits() {
    Random rnd = new Random(3);
    try (GemmTestPool two = new GemmTestPool(2); GemmTestPool three = new GemmTestPool(3)) {
      for (int trial = 0; trial < 60; trial++) {
        // big cases at batch 1 split one image's panels over the threads
        Case cs = new Case(rnd, trial % 2 == 0);
        float[] one = runPatches(cs, Parallel.SERIAL);
        assertArrayEquals(one, runPatches(cs, two), cs::toString);
        assertArrayEquals(one, runPatches(cs, three), cs::toString);
      }
    }
  }

  @Test
  void theResNetStrideTwoAndSixtyFourChannelLayersMatchNaiveOnTwoThreads() {
    // the zoo's shapes that take this path: 3x3 stride 2 16->32 and 32->64, 1x1 stride 2
    // shortcuts, 3x3 64->64 on 8x8; batch 1 so the panels of one image are split
    int[][] layers = {{16, 32, 3, 32, 2, 1}, {32, 64, 3, 16, 2, 1}, {16, 32, 1, 32, 2, 0},
        {64, 64, 3, 8, 1, 1}};
    Random rnd = new Random(64);
    try (GemmTestPool two = new GemmTestPool(2)) {
      for (int[] l : layers) {
        Case cs = new Case(rnd, l[0], l[1], l[2], l[3], l[4], l[5]);
        float[] y = runPatches(cs, two);
        assertClose(cs, y);
        assertArrayEquals(runPatches(cs, Parallel.SERIAL), y, cs::toString);
      }
    }
  }

  @Test
  void gatherRunsOfTheSelectedKernelCopyEveryRunLength() {
    GemmKernel kern = Gemm.kernel();
    int nr = kern.nr();
    Random rnd = new Random(9);
    float[] src = random(rnd, 500);
    for (int len = 1; len <= nr; len++) {
      int k = 1 + rnd.nextInt(20);
      int[] offsets = new int[k];
      for (int p = 0; p < k; p++) {
        offsets[p] = rnd.nextInt(400);
      }
      int d = rnd.nextInt(5);
      float[] got = new float[d + k * nr];
      float[] want = new float[got.length];
      Arrays.fill(got, -7f);
      Arrays.fill(want, -7f);
      for (int p = 0; p < k; p++) {
        for (int i = 0; i < len; i++) {
          want[d + p * nr + i] = src[3 + offsets[p] + i];
        }
      }
      kern.gatherRuns(src, 3, offsets, k, len, got, d);
      assertArrayEquals(want, got, "run length " + len);
    }
  }

  @Test
  void patchOffsetsPassedBackAreReusedForAnEqualGeometryAndReplacedForAnother() {
    Random rnd = new Random(11);
    Case cs = new Case(rnd, false);
    float[] y = new float[cs.n * cs.m * cs.g.outSize];
    PackedMatrix[] p = cs.packed();
    TapOffsets first = FloatConv.patches(cs.g, cs.n, cs.c, cs.group, cs.m, cs.x, p,
        cs.bias, cs.epilogue(), y, Parallel.SERIAL, null);
    assertSame(first, FloatConv.patches(cs.g, cs.n, cs.c, cs.group, cs.m, cs.x, p, cs.bias,
        cs.epilogue(), y, Parallel.SERIAL, first));
    // an equal geometry built anew (as for another batch size) reuses it too
    ConvGeometry again = ConvGeometry.of(cs.in, cs.k, cs.s, cs.d, cs.pads,
        ConvGeometry.AutoPad.NOTSET, false);
    assertSame(first, FloatConv.patches(again, cs.n, cs.c, cs.group, cs.m, cs.x, p, cs.bias,
        cs.epilogue(), y, Parallel.SERIAL, first));
    assertClose(cs, y);
    Case other = new Case(rnd, false);
    float[] yo = new float[other.n * other.m * other.g.outSize];
    // a stale layout must not be used for another geometry
    FloatConv.patches(other.g, other.n, other.c, other.group, other.m, other.x, other.packed(),
        other.bias, other.epilogue(), yo, Parallel.SERIAL, first);
    assertClose(other, yo);
  }
}
