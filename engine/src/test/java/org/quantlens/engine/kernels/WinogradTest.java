package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Winograd} against the convolution's definition summed in double here (3x3, stride 1,
 * one pixel of zero padding), with both output tiles (2x2 and 4x4) on the shapes each takes:
 * ResNet-20's three stages, rows of half a vector of tiles, output channels that do not fill a
 * block, several bands and threads.
 */
class WinogradTest {
  @BeforeEach
  void simdKernels() {
    assumeTrue(WinogradKernels.get(2) != null, "Winograd runs with the SIMD kernels, JDK 18 on");
  }

  private static final int[] TILES = {2, 4};
  private static final ConvGeometry.AutoPad NOTSET = ConvGeometry.AutoPad.NOTSET;

  private static ConvGeometry geometry(int h, int w, int stride, int pad) {
    return ConvGeometry.of(new int[] {h, w}, new int[] {3, 3}, new int[] {stride, stride}, null,
        new int[] {pad, pad, pad, pad}, NOTSET, false);
  }

  private static float[] random(Random rnd, int size) {
    float[] a = new float[size];
    for (int i = 0; i < size; i++) {
      a[i] = rnd.nextFloat() * 2 - 1;
    }
    return a;
  }

  /** A random layer of {@code n} images: {@code c} to {@code m} channels of {@code h x w}. */
  private record Layer(int n, int c, int m, int h, int w, float[] x, float[] wt, float[] bias) {
    static Layer random(Random rnd, int[] shape, boolean withBias) {
      int n = shape[0];
      int c = shape[1];
      int m = shape[2];
      int h = shape[3];
      int w = shape[4];
      return new Layer(n, c, m, h, w, WinogradTest.random(rnd, n * c * h * w),
          WinogradTest.random(rnd, m * c * 9), withBias ? WinogradTest.random(rnd, m) : null);
    }

    boolean runsHere(int tile) {
      return Winograd.suits(geometry(h, w, 1, 1), tile);
    }

    double[][] naive(float lo, float hi) {
      return WinogradTest.naive(n, c, m, h, w, x, wt, bias, lo, hi);
    }

    float[] run(int tile, Epilogue ep, Parallel par) {
      return WinogradTest.run(tile, n, c, m, h, w, x, wt, bias, ep, par);
    }
  }

  /** {@code y} and the sum of |terms| per output, in double. */
  private static double[][] naive(int n, int c, int m, int h, int w, float[] x, float[] wt,
      float[] bias, float lo, float hi) {
    double[] y = new double[n * m * h * w];
    double[] mag = new double[y.length];
    for (int in = 0; in < n; in++) {
      for (int om = 0; om < m; om++) {
        for (int oy = 0; oy < h; oy++) {
          for (int ox = 0; ox < w; ox++) {
            double s = bias == null ? 0 : bias[om];
            double a = Math.abs(s);
            for (int ic = 0; ic < c; ic++) {
              for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                  int iy = oy + ky - 1;
                  int ix = ox + kx - 1;
                  if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                    double t = (double) x[((in * c + ic) * h + iy) * w + ix]
                        * wt[((om * c + ic) * 3 + ky) * 3 + kx];
                    s += t;
                    a += Math.abs(t);
                  }
                }
              }
            }
            int o = ((in * m + om) * h + oy) * w + ox;
            y[o] = Math.min(Math.max(s, lo), hi);
            mag[o] = a;
          }
        }
      }
    }
    return new double[][] {y, mag};
  }

  private static float[] run(int tile, int n, int c, int m, int h, int w, float[] x, float[] wt,
      float[] bias, Epilogue ep, Parallel par) {
    ConvGeometry g = geometry(h, w, 1, 1);
    assertTrue(Winograd.suits(g, tile), h + "x" + w);
    float[] y = new float[n * m * h * w];
    Arrays.fill(y, Float.NaN); // every output must be written
    Winograd.run(g, tile, n, c, m, x, Winograd.packWeights(wt, m, c, tile), bias, ep, y, par);
    return y;
  }

  /**
   * The transforms add roundings to sums whose intermediate terms are a few times the direct
   * terms (2x2 tiles: input tiles combine four values, kernel tiles up to nine halves; 4x4 tiles:
   * six values with coefficients up to 5, and outputs sum six with up to 8): a bound of 16
   * roundings of |terms| per channel and tap holds with room for both (the worst seen: 0.02 of it
   * for 2x2, 0.46 for 4x4), and a wrong index or sign is off by a whole term.
   */
  private static void assertClose(double[][] ref, float[] got, int c, String what) {
    for (int i = 0; i < got.length; i++) {
      double tol = 16 * 0x1p-24 * (9 * c + 2) * ref[1][i] + 1e-6;
      int at = i;
      assertTrue(Math.abs(got[i] - ref[0][i]) <= tol,
          () -> what + ": output " + at + " is " + got[at] + ", expected " + ref[0][at]);
    }
  }

  @Test
  void matchesTheDefinitionOnTheShapesItTakes() {
    Random rnd = new Random(2311);
    int[][] shapes = { // n, c, m, h, w
      {1, 16, 16, 32, 32}, // ResNet-20's first stage: 16 tiles per row
      {2, 32, 32, 16, 16}, // second: 8
      {3, 64, 64, 8, 8}, // third: 4, half a vector of tiles on AVX2
      {1, 8, 5, 16, 32}, // a last block of one channel; not square
      {2, 9, 14, 48, 16}, // several bands per image
      {1, 12, 3, 8, 64},
      {1, 8, 4, 12, 64}, // several blocks of tiles per row; a band's last step shorter
    };
    int runs = 0;
    for (int[] s : shapes) {
      Layer k = Layer.random(rnd, s, rnd.nextBoolean());
      float lo = rnd.nextBoolean() ? 0f : Float.NEGATIVE_INFINITY;
      double[][] ref = k.naive(lo, Float.POSITIVE_INFINITY);
      for (int tile : TILES) {
        if (!k.runsHere(tile)) {
          continue; // rows this tile, or a wider vector, cannot take
        }
        String what = Arrays.toString(s) + " tile " + tile + " bias " + (k.bias() != null)
            + " lo " + lo;
        float[] got = k.run(tile, new Epilogue(lo, Float.POSITIVE_INFINITY, null),
            Parallel.SERIAL);
        assertClose(ref, got, k.c(), what);
        runs++;
      }
    }
    assertTrue(runs >= 6, "shapes run: " + runs);
  }

  @Test
  void tasksAcrossThreadsGiveOneThreadsBitsAndThePostStepSeesEveryRowOnce() {
    Random rnd = new Random(99);
    int[][] shapes = { // n, c, m, h, w
      {1, 16, 16, 32, 32}, // bands
      {1, 32, 32, 16, 16},
      {3, 16, 8, 16, 16},
      {1, 64, 64, 8, 8}, // one band: groups of output channels, sharing the transformed input
      {1, 16, 14, 8, 8}, // groups with a last block of two channels
      {1, 16, 16, 8, 32}, // 4x4 tiles in one band: groups
      {1, 16, 16, 8, 96}, // groups over several blocks of tiles per row
      {1, 16, 16, 8, 128}, // several blocks, steps and groups with 16-lane vectors too
    };
    try (GemmTestPool two = new GemmTestPool(2); GemmTestPool three = new GemmTestPool(3)) {
      for (int[] s : shapes) {
        for (int tile : TILES) {
          Layer k = Layer.random(rnd, s, true);
          if (!k.runsHere(tile)) {
            continue; // rows this tile, or a wider vector, cannot take
          }
          // the post step doubles what it is given: a row done twice or skipped shows
          Epilogue ep = new Epilogue(Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY,
              (y, from, to) -> {
                for (int i = from; i < to; i++) {
                  y[i] *= 2;
                }
              });
          float[] one = k.run(tile, ep, Parallel.SERIAL);
          double[][] ref = k.naive(Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
          for (int i = 0; i < ref[0].length; i++) {
            ref[0][i] *= 2;
            ref[1][i] *= 2;
          }
          assertClose(ref, one, k.c(), Arrays.toString(s) + " tile " + tile);
          assertArrayEquals(one, k.run(tile, ep, two), "2 threads");
          assertArrayEquals(one, k.run(tile, ep, three), "3 threads");
        }
      }
    }
  }

  @Test
  void takesOnlyThreeByThreeStrideOneLayersPaddedByOneWithEvenSides() {
    assertTrue(Winograd.suits(new int[] {3, 3}, null, null, 1, 16));
    assertFalse(Winograd.suits(new int[] {3, 3}, null, null, 1, Winograd.MIN_CHANNELS - 1));
    assertFalse(Winograd.suits(new int[] {3, 3}, null, null, 2, 16), "grouped");
    assertFalse(Winograd.suits(new int[] {3, 3}, new int[] {2, 2}, null, 1, 16), "strided");
    assertFalse(Winograd.suits(new int[] {3, 3}, null, new int[] {2, 2}, 1, 16), "dilated");
    assertFalse(Winograd.suits(new int[] {5, 5}, null, null, 1, 16));
    assertFalse(Winograd.suits(new int[] {3}, null, null, 1, 16), "1-D");
    int lanes = WinogradKernels.get(2).lanes();
    int side = 4 * lanes; // 4x4 tiles: a vector of tiles per row; 2x2: two
    assertEquals(4, Winograd.tile(geometry(side, side, 1, 1)));
    assertEquals(2, Winograd.tile(geometry(side / 2, side / 2, 1, 1)), "4x4: half a vector");
    // tall enough that whole panels of tiles fit in its height on any vector width
    assertEquals(2, Winograd.tile(geometry(side, side / 4, 1, 1)), "2x2: half a vector");
    assertTrue(Winograd.suits(geometry(side, side, 1, 1), 2));
    assertEquals(2, Winograd.tile(geometry(side + 2, side, 1, 1)), "a height not of 4");
    assertEquals(2, Winograd.tile(geometry(side, 3 * side / 2, 1, 1)), "4x4: a vector and a half");
    assertEquals(0, Winograd.tile(geometry(side - 1, side, 1, 1)), "odd height");
    assertEquals(0, Winograd.tile(geometry(side, side + 4, 1, 1)), "a row past whole vectors");
    assertEquals(0, Winograd.tile(geometry(side, side, 1, 0)), "unpadded");
    assertEquals(0, Winograd.tile(geometry(side, side, 2, 1)), "stride 2");
  }

  @Test
  void packedKernelsAreTheTransformOfEachThreeByThreeKernel() {
    // U = G g G^T worked by hand for g = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]: G g has rows
    // (1, 2, 3), (6, 7.5, 9), (2, 2.5, 3), (7, 8, 9); times G^T per row: (a, (a+b+c)/2, (a-b+c)/2, c)
    float[] g = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float[] u = Winograd.packWeights(g, 1, 1, 2);
    float[][] want = {
      {1, 3, 1, 3}, {6, 11.25f, 3.75f, 9}, {2, 3.75f, 1.25f, 3}, {7, 12, 4, 9}};
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        // one output channel in a block of 4, one input channel: position xi at xi * 4
        assertEquals(want[i][j], u[(4 * i + j) * 4], "U[" + i + "][" + j + "]");
        assertEquals(0f, u[(4 * i + j) * 4 + 1], "padding channel");
      }
    }
  }

  @Test
  void packedFourByFourKernelsAreTheTransformOfEachThreeByThreeKernel() {
    // U = G g G^T for g = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], worked by hand at a few positions:
    // G's rows 0 and 5 pick g's first and last row (row 0 divided by 4), row 1 is -1/6 of the sum
    // of g's rows, row 3 is (1/24, 1/12, 1/6), which gives t = G_3 g = (37, 44, 51) / 24
    float[] g = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float[] u = Winograd.packWeights(g, 1, 1, 4);
    float[][] want = { // row, column, U
      {0, 0, 1 / 16f}, {0, 5, 3 / 4f}, {5, 0, 7 / 4f}, {5, 5, 9}, {1, 1, 45 / 36f},
      {3, 3, 329 / 576f}, {0, 1, -(1 + 2 + 3) / 24f}, {5, 3, (7 / 24f + 8 / 12f + 9 / 6f)}};
    for (float[] e : want) {
      int xi = 6 * (int) e[0] + (int) e[1];
      assertEquals(e[2], u[xi * 4], 1e-6f, "U[" + (int) e[0] + "][" + (int) e[1] + "]");
      assertEquals(0f, u[xi * 4 + 1], "padding channel");
    }
  }
}
