package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DirectConv} and {@link ConvKernels#directConv} against a naive convolution written here
 * from the ONNX definition (double accumulation, explicit bounds checks instead of padding).
 */
class DirectConvTest {
  /** One random convolution (strides 1-3 and dilations 1-2 in some cases). */
  private static final class Case {
    final int n;
    final int c;
    final int m;
    final int h;
    final int w;
    final int kh;
    final int kw;
    final int[] pads; // top, left, bottom, right
    final int sy;
    final int sx;
    final int dy;
    final int dx;
    final boolean oneD;
    final float[] x;
    final float[] wt;
    final float[] bias;
    final float lo;
    final float hi;
    final ConvGeometry g;

    Case(Random rnd) {
      this(rnd, 1 + rnd.nextInt(3), 1 + rnd.nextInt(20), 1 + rnd.nextInt(20), 12, 40);
    }

    Case(Random rnd, int n, int c, int m, int maxH, int maxW) {
      oneD = rnd.nextInt(6) == 0;
      this.n = n;
      this.c = c;
      this.m = m;
      boolean strided = rnd.nextBoolean();
      sy = oneD || !strided ? 1 : 1 + rnd.nextInt(3);
      sx = strided ? 1 + rnd.nextInt(3) : 1;
      dy = oneD || rnd.nextInt(4) > 0 ? 1 : 2;
      dx = rnd.nextInt(4) > 0 ? 1 : 2;
      kh = oneD ? 1 : 1 + rnd.nextInt(5);
      kw = (kh == 1 && sx == 1 && sy == 1 ? 2 : 1) + rnd.nextInt(5); // not a 1x1 stride-1 kernel
      pads = oneD ? new int[] {0, rnd.nextInt(kw), 0, rnd.nextInt(kw)}
          : new int[] {rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kh), rnd.nextInt(kw)};
      h = oneD ? 1 : Math.max(1, (kh - 1) * dy + 1 - pads[0] - pads[2]) + rnd.nextInt(maxH);
      w = Math.max(1, (kw - 1) * dx + 1 - pads[1] - pads[3]) + rnd.nextInt(maxW);
      x = random(rnd, n * c * h * w);
      wt = random(rnd, m * c * kh * kw);
      bias = rnd.nextBoolean() ? random(rnd, m) : null;
      int act = rnd.nextInt(3);
      lo = act == 0 ? Float.NEGATIVE_INFINITY : act == 1 ? 0f : -0.5f;
      hi = act == 2 ? 0.75f : Float.POSITIVE_INFINITY;
      g = oneD
          ? ConvGeometry.of(new int[] {w}, new int[] {kw}, new int[] {sx}, new int[] {dx},
              new int[] {pads[1], pads[3]}, ConvGeometry.AutoPad.NOTSET, false)
          : ConvGeometry.of(new int[] {h, w}, new int[] {kh, kw}, new int[] {sy, sx},
              new int[] {dy, dx}, new int[] {pads[0], pads[1], pads[2], pads[3]},
              ConvGeometry.AutoPad.NOTSET, false);
    }

    int outH() {
      return (h + pads[0] + pads[2] - (kh - 1) * dy - 1) / sy + 1;
    }

    int outW() {
      return (w + pads[1] + pads[3] - (kw - 1) * dx - 1) / sx + 1;
    }

    /** The ONNX definition, summed in double; also returns sum |terms| per output for a bound. */
    double[][] naive() {
      int oh = outH();
      int ow = outW();
      double[] y = new double[n * m * oh * ow];
      double[] mag = new double[y.length];
      for (int in = 0; in < n; in++) {
        for (int om = 0; om < m; om++) {
          for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
              double s = bias == null ? 0 : bias[om];
              double a = Math.abs(s);
              for (int ic = 0; ic < c; ic++) {
                for (int ky = 0; ky < kh; ky++) {
                  for (int kx = 0; kx < kw; kx++) {
                    int iy = oy * sy + ky * dy - pads[0];
                    int ix = ox * sx + kx * dx - pads[1];
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                      continue;
                    }
                    double term = (double) x[((in * c + ic) * h + iy) * w + ix]
                        * wt[((om * c + ic) * kh + ky) * kw + kx];
                    s += term;
                    a += Math.abs(term);
                  }
                }
              }
              int o = ((in * m + om) * oh + oy) * ow + ox;
              y[o] = Math.min(Math.max(s, lo), hi);
              mag[o] = a;
            }
          }
        }
      }
      return new double[][] {y, mag};
    }

    @Override
    public String toString() {
      return "n" + n + " c" + c + " m" + m + " in " + h + "x" + w + " k " + kh + "x" + kw
          + " strides " + sy + "x" + sx + " dilations " + dy + "x" + dx
          + " pads " + java.util.Arrays.toString(pads) + " bias " + (bias != null) + " clamp ["
          + lo + ", " + hi + "]";
    }
  }

  private static void assertClose(double[][] ref, float[] got, Case cs) {
    double[] y = ref[0];
    double[] mag = ref[1];
    assertEquals(y.length, got.length);
    for (int i = 0; i < y.length; i++) {
      // float accumulation of up to c * kh * kw + 1 terms: each rounding adds <= 2^-24 * sum|terms|
      double tol = 1e-7 * (cs.c * cs.kh * cs.kw + 2) * mag[i] + 1e-7;
      int at = i;
      assertTrue(Math.abs(got[i] - y[i]) <= tol,
          () -> cs + ": output " + at + " is " + got[at] + ", expected " + y[at]);
    }
  }

  private static float[] runDirect(Case cs, Parallel par) {
    float[] y = new float[cs.n * cs.m * cs.g.outSize];
    java.util.Arrays.fill(y, Float.NaN); // every output must be written
    DirectConv.run(cs.g, cs.n, cs.c, cs.m, cs.x, cs.wt, null, cs.bias,
        new Epilogue(cs.lo, cs.hi, null), y, par, null);
    return y;
  }

  @Test
  void directConvolutionMatchesNaiveDefinitionOverRandomShapes() {
    Random rnd = new Random(2026);
    for (int trial = 0; trial < 300; trial++) {
      Case cs = new Case(rnd);
      assertClose(cs.naive(), runDirect(cs, Parallel.SERIAL), cs);
    }
  }

  @Test
  void weightsPackedOnceGiveTheSameBitsAsWeightsRepackedPerCall() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 40; trial++) {
      Case cs = new Case(rnd);
      float[] packed = DirectConv.packWeights(cs.wt, cs.m, cs.c, cs.kh * cs.kw);
      float[] y = new float[cs.n * cs.m * cs.g.outSize];
      DirectConv.run(cs.g, cs.n, cs.c, cs.m, cs.x, null, packed, cs.bias,
          new Epilogue(cs.lo, cs.hi, null), y, Parallel.SERIAL, null);
      assertArrayEquals(runDirect(cs, Parallel.SERIAL), y, cs::toString);
    }
  }

  @Test
  void aLayoutPassedBackIsReusedForTheSameShapeAndReplacedForAnother() {
    Random rnd = new Random(5);
    Case a = new Case(rnd);
    float[] y = new float[a.n * a.m * a.g.outSize];
    Epilogue ep = new Epilogue(a.lo, a.hi, null);
    TapOffsets first = DirectConv.run(a.g, a.n, a.c, a.m, a.x, a.wt, null, a.bias, ep, y,
        Parallel.SERIAL, null);
    assertTrue(first == DirectConv.run(a.g, a.n, a.c, a.m, a.x, a.wt, null, a.bias, ep, y,
        Parallel.SERIAL, first), "same shape: cached layout");
    Case b;
    do {
      b = new Case(rnd);
    } while (b.c == a.c && b.g.in[b.g.rank - 1] == a.g.in[a.g.rank - 1]);
    float[] yb = new float[b.n * b.m * b.g.outSize];
    // A stale layout must not be used for another shape: the result still matches the naive one.
    DirectConv.run(b.g, b.n, b.c, b.m, b.x, b.wt, null, b.bias, new Epilogue(b.lo, b.hi, null), yb,
        Parallel.SERIAL, first);
    assertClose(b.naive(), yb, b);
  }

  @Test
  void imagesSplitIntoRowRangesAcrossThreadsMatchNaiveAndOneThreadBitForBit() {
    // Layers big enough (>= MIN_SPLIT_MACS) that one or two images are split into row ranges,
    // each task padding only the rows it reads; stride 2 and odd sizes included.
    Random rnd = new Random(404);
    try (GemmTestPool two = new GemmTestPool(2); GemmTestPool three = new GemmTestPool(3)) {
      for (int trial = 0; trial < 12; trial++) {
        Case cs = new Case(rnd, 1 + rnd.nextInt(2), 8 + rnd.nextInt(17), 8 + rnd.nextInt(25), 40,
            40);
        float[] one = runDirect(cs, Parallel.SERIAL);
        assertClose(cs.naive(), one, cs);
        assertArrayEquals(one, runDirect(cs, two), cs::toString);
        assertArrayEquals(one, runDirect(cs, three), cs::toString);
      }
    }
  }

  @Test
  void resultsAreIdenticalForOneTwoAndThreeThreads() {
    Random rnd = new Random(99);
    try (GemmTestPool two = new GemmTestPool(2); GemmTestPool three = new GemmTestPool(3)) {
      for (int trial = 0; trial < 40; trial++) {
        Case cs = new Case(rnd);
        float[] one = runDirect(cs, Parallel.SERIAL);
        assertArrayEquals(one, runDirect(cs, two), cs::toString);
        assertArrayEquals(one, runDirect(cs, three), cs::toString);
      }
    }
  }

  @Test
  void selectedKernelMatchesScalarReferenceKernelOnPaddedImages() {
    // The kernel interface alone, with a source offset, a partial last channel block and a
    // destination offset, over rows narrower and wider than any vector.
    Random rnd = new Random(31);
    ConvKernels simd = ConvKernels.get();
    ConvKernels ref = ConvKernels.SCALAR;
    for (int trial = 0; trial < 200; trial++) {
      int c = 1 + rnd.nextInt(9);
      int kh = 1 + rnd.nextInt(4);
      int kw = 1 + rnd.nextInt(4);
      int outH = 1 + rnd.nextInt(9);
      int outW = 1 + rnd.nextInt(37);
      int rowLen = outW + kw - 1 + rnd.nextInt(3); // a row step past the window's width
      int planeLen = (outH + kh - 1) * rowLen;
      int srcOff = rnd.nextInt(5);
      float[] src = random(rnd, srcOff + c * planeLen + DirectConv.SLACK);
      int[] offsets = new int[c * kh * kw];
      for (int q = 0; q < offsets.length; q++) {
        int t = q % (kh * kw);
        offsets[q] = q / (kh * kw) * planeLen + t / kw * rowLen + t % kw;
      }
      int width = rnd.nextBoolean() ? DirectConv.NARROW : DirectConv.PAIR;
      int mr = 1 + rnd.nextInt(width);
      int m0 = rnd.nextInt(3);
      float[] w = random(rnd, 3 + offsets.length * width);
      float[] bias = rnd.nextBoolean() ? random(rnd, m0 + mr) : null;
      float lo = rnd.nextBoolean() ? Float.NEGATIVE_INFINITY : -0.2f;
      float hi = rnd.nextBoolean() ? Float.POSITIVE_INFINITY : 0.3f;
      int plane = outH * outW;
      int dstPlane = plane + rnd.nextInt(3); // channels of a taller image: a gap between them
      float[] a = new float[2 + width * dstPlane];
      float[] b = new float[a.length];
      simd.directConv(src, srcOff, rowLen, offsets, w, 3, width, bias, m0, mr, lo, hi, a, 1, dstPlane,
          outH, outW);
      ref.directConv(src, srcOff, rowLen, offsets, w, 3, width, bias, m0, mr, lo, hi, b, 1, dstPlane,
          outH, outW);
      for (int i = 0; i < a.length; i++) {
        int j = (i - 1) / dstPlane;
        boolean inside = i >= 1 && j < mr && (i - 1) % dstPlane < plane;
        if (!inside) {
          assertEquals(0f, a[i], "wrote outside the block's " + mr + " channels, at " + i);
          continue;
        }
        float tol = 1e-6f * (offsets.length + 1) * (1 + Math.abs(b[i]));
        assertTrue(Math.abs(a[i] - b[i]) <= tol, "output " + i + ": " + a[i] + " vs " + b[i]);
      }
    }
  }

  @Test
  void handComputedOneChannelThreeByThreeWithPadding() {
    // x = [[1, 2], [3, 4]], all-ones 3x3 kernel, pad 1: each output sums its 3x3 neighbourhood,
    // which here is the whole image; bias 0.5.
    ConvGeometry g = ConvGeometry.of(new int[] {2, 2}, new int[] {3, 3}, null, null,
        new int[] {1, 1, 1, 1}, ConvGeometry.AutoPad.NOTSET, false);
    float[] w = new float[9];
    java.util.Arrays.fill(w, 1f);
    float[] y = new float[4];
    DirectConv.run(g, 1, 1, 1, new float[] {1, 2, 3, 4}, w, null, new float[] {0.5f},
        Epilogue.NONE, y, Parallel.SERIAL, null);
    assertArrayEquals(new float[] {10.5f, 10.5f, 10.5f, 10.5f}, y);
  }

  @Test
  void undilatedSingleGroupSpatialKernelsUpToSixtyFourChannelsSuitTheDirectPath() {
    int[] k3 = {3, 3};
    assertTrue(DirectConv.suits(k3, null, null, 1, 16, 16));
    assertTrue(DirectConv.suits(new int[] {5}, new int[] {1}, new int[] {1}, 1, 6, 16));
    assertTrue(DirectConv.suits(k3, new int[] {2, 2}, null, 1, 16, 32), "strided");
    assertTrue(DirectConv.suits(k3, null, null, 1, 64, 64), "64 channels");
    assertFalse(DirectConv.suits(k3, null, null, 1, 64, 65), "more than 64 channels: GEMM");
    assertFalse(DirectConv.suits(k3, null, new int[] {2, 2}, 1, 16, 16), "dilated");
    assertFalse(DirectConv.suits(k3, null, null, 2, 16, 16), "grouped");
    assertFalse(DirectConv.suits(new int[] {1, 1}, null, null, 1, 16, 16),
        "pointwise stride 1: GEMM reads the input in place");
    assertFalse(DirectConv.suits(new int[] {1, 1}, new int[] {2, 2}, null, 1, 16, 32),
        "pointwise stride 2: GEMM");
    assertFalse(DirectConv.suits(new int[] {3, 3, 3}, null, null, 1, 4, 4), "3-D");
  }

  @Test
  void wideAndStridedLayersMatchNaiveOnOneAndTwoThreads() {
    // The layers suits() now accepts beyond 32 channels and stride 1: 33-64 output channels
    // (many 4-channel blocks, a partial last one), strides 1-3 with padding and odd sizes.
    Random rnd = new Random(2026);
    try (GemmTestPool two = new GemmTestPool(2)) {
      for (int trial = 0; trial < 10; trial++) {
        Case cs = new Case(rnd, 1 + rnd.nextInt(2), 1 + rnd.nextInt(40), 33 + rnd.nextInt(32), 20,
            20);
        float[] one = runDirect(cs, Parallel.SERIAL);
        assertClose(cs.naive(), one, cs);
        assertArrayEquals(one, runDirect(cs, two), cs::toString);
      }
    }
  }

  @Test
  void channelBlocksCoverEveryOutputChannelWithAtMostOnePaddingChannel() {
    for (int m = 1; m <= 80; m++) {
      int covered = DirectConv.paddedChannels(m);
      // blocks of 4, and a last block of 2 when one or two channels are left
      int want = m % 4 == 0 || m % 4 == 3 ? (m + 3) / 4 * 4 : m / 4 * 4 + 2;
      assertEquals(want, covered, "channels " + m);
      assertTrue(covered - m <= 1, "channels " + m + " covered by " + covered);
    }
    assertEquals(6, DirectConv.paddedChannels(6), "LeNet-5's 6 channels: 4 + 2, no padding");
  }

  static float[] random(Random rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = rnd.nextFloat() * 2 - 1;
    }
    return a;
  }
}
