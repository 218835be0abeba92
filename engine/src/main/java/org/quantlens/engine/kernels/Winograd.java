package org.quantlens.engine.kernels;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Float32 3x3 convolution (stride 1, one pixel of zero padding, one group) by Winograd's minimal
 * filtering F(m x m, 3x3), m = 4 where the rows allow and else 2: each {@code (m+2) x (m+2)}
 * input tile {@code d} becomes {@code V = B^T d B}, each 3x3 kernel {@code g} becomes {@code U =
 * G g G^T} once at load, and an m x m output tile is {@code A^T (sum over channels of U . V) A}.
 * The sum over channels is {@code (m+2)^2} matrix products {@code [M x C] x [C x tiles]}, one
 * per tile position, so an output costs {@code (m+2)^2 / m^2} multiply-adds per input channel
 * (2.25 for m = 4, 4 for m = 2) where the direct kernel spends 9: the transforms are additions
 * and multiplications by small constants, and the channel sums run on the GEMM's register tile.
 *
 * <p>The input and output transforms add roundings of their own (the kernel transform is worked
 * in double and rounded once): results differ from the direct convolution's by accumulated float
 * rounding, more for m = 4, whose transforms combine more values with larger coefficients.
 *
 * <p>A task is one image (with few images and several threads, a band of its tile rows, or a
 * group of its output channels, the groups sharing one transform of the band's input, each
 * group's task doing a share of its channels): its input rows are split once, then transformed
 * and multiplied a few tile rows at a time, so that the transformed input and the products stay
 * in L2 ({@link #BAND_FLOATS}), and output rows are finished while in cache. As in {@link
 * DirectConv}, every output value is the same computation however the tasks fall, so results do
 * not depend on the thread count.
 */
public final class Winograd {
  /** Output tile sides, the larger preferred: F(4x4, 3x3) then F(2x2, 3x3). */
  private static final int[] TILES = {4, 2};
  /** Output channels per block of {@link #packWeights}: the SIMD GEMM tile's rows. */
  static final int ROWS = 4;
  /** Floats of one band's transformed input plus products (64 KiB). */
  static final int BAND_FLOATS = 1 << 14;
  /** Fewest input channels: below this the transforms cost more than the products save. */
  static final int MIN_CHANNELS = 8;

  private Winograd() {}

  /**
   * True when a layer's attributes allow this path on this JVM (the input shape is checked per
   * call by {@link #tile(ConvGeometry)}): 3x3, stride 1, no dilation, one group, at least
   * {@link #MIN_CHANNELS} input channels, SIMD kernels in use on JDK 18 or later
   * ({@link WinogradKernels#get}).
   */
  public static boolean suits(int[] kernel, int[] strides, int[] dilations, int group,
      int channels) {
    return WinogradKernels.get(2) != null && group == 1 && channels >= MIN_CHANNELS
        && kernel.length == 2 && kernel[0] == 3 && kernel[1] == 3 && all(strides, 1)
        && all(dilations, 1);
  }

  /**
   * The output tile side this geometry (of a layer {@link #suits(int[], int[], int[], int, int)}
   * accepted) runs with, 4 where it can, else 2; 0 when neither: see {@link
   * #suits(ConvGeometry, int)}.
   */
  public static int tile(ConvGeometry g) {
    for (int t : TILES) {
      if (suits(g, t)) {
        return t;
      }
    }
    return 0;
  }

  /**
   * True when this geometry runs with output tiles of {@code tile x tile}: one pixel of padding
   * on every side, height and width multiples of the tile, rows of tiles a whole number of
   * vectors (for 2x2 tiles also half of one), and a height that bands can split. 4x4 tiles on
   * rows of half a vector ran slower than 2x2 ones on whole vectors (ResNet-20's 16x16 layers:
   * 57 against 52 us): their transforms cost more per tile, for half a vector of work.
   */
  public static boolean suits(ConvGeometry g, int tile) {
    WinogradKernels k = WinogradKernels.get(tile);
    if (k == null || g.rank != 2 || !all(g.padBegin, 1) || !all(g.padEnd, 1)
        || g.kernel[0] != 3 || g.kernel[1] != 3 || !all(g.strides, 1) || !all(g.dilations, 1)) {
      return false;
    }
    int h = g.in[0];
    int w = g.in[1];
    int lanes = k.lanes();
    int tw = w / tile;
    return h % tile == 0 && w % tile == 0 && (tw % lanes == 0 || tile == 2 && 2 * tw == lanes)
        && h / tile % unit(lanes, tw) == 0;
  }

  private static boolean all(int[] v, int x) {
    if (v != null) {
      for (int e : v) {
        if (e != x) {
          return false;
        }
      }
    }
    return true;
  }

  /** Tile rows whose tiles fill whole panels (two vectors) of the transformed input. */
  static int unit(int lanes, int tileCols) {
    int panel = 2 * lanes;
    int u = 1;
    while (u * tileCols % panel != 0) {
      u++;
    }
    return u;
  }

  /** Output channels rounded up to whole blocks. */
  static int paddedChannels(int outChannels) {
    return (outChannels + ROWS - 1) / ROWS * ROWS;
  }

  /** Tile positions: an input tile's values, {@code (tile + 2)^2}. */
  static int positions(int tile) {
    return (tile + 2) * (tile + 2);
  }

  /** G for F(2x2, 3x3): rows g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2. */
  private static final double[][] G2 = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  /** G for F(4x4, 3x3), on the points 0, 1, -1, 2, -2 and infinity. */
  private static final double[][] G4 = {
    {1 / 4.0, 0, 0},
    {-1 / 6.0, -1 / 6.0, -1 / 6.0},
    {-1 / 6.0, 1 / 6.0, -1 / 6.0},
    {1 / 24.0, 1 / 12.0, 1 / 6.0},
    {1 / 24.0, -1 / 12.0, 1 / 6.0},
    {0, 0, 1}};

  /**
   * The transformed kernels {@code U = G g G^T} of ONNX weights {@code [M, C, 3, 3]} for output
   * tiles of {@code tile x tile}, laid out for the products: position {@code xi = n * row +
   * column} ({@code n = tile + 2}) of {@code U} for output channel {@code m} and input channel
   * {@code c} is at {@code ((xi * M4 + m / 4) * C + c) * 4 + m % 4}, {@code M4} blocks of 4
   * channels (the last padded with zeros).
   */
  public static float[] packWeights(float[] w, int outChannels, int channels, int tile) {
    double[][] gm = tile == 4 ? G4 : tile == 2 ? G2 : null;
    if (gm == null) {
      throw new IllegalArgumentException("Winograd output tiles are 2 or 4, not " + tile);
    }
    int n = gm.length;
    int blocks = paddedChannels(outChannels) / ROWS;
    float[] u = new float[n * n * blocks * ROWS * channels];
    double[][] t = new double[n][3];
    for (int m = 0; m < outChannels; m++) {
      for (int c = 0; c < channels; c++) {
        int g = (m * channels + c) * 9;
        for (int i = 0; i < n; i++) { // t = G g
          for (int j = 0; j < 3; j++) {
            t[i][j] = gm[i][0] * w[g + j] + gm[i][1] * w[g + 3 + j] + gm[i][2] * w[g + 6 + j];
          }
        }
        for (int i = 0; i < n; i++) { // U = t G^T
          for (int j = 0; j < n; j++) {
            double v = t[i][0] * gm[j][0] + t[i][1] * gm[j][1] + t[i][2] * gm[j][2];
            u[(((n * i + j) * blocks + m / ROWS) * channels + c) * ROWS + m % ROWS] = (float) v;
          }
        }
      }
    }
    return u;
  }

  /**
   * {@code y = conv(x, w) + bias} then the epilogue, for a geometry {@link #suits(ConvGeometry,
   * int)} accepted with this tile.
   *
   * @param u weights from {@link #packWeights} for this tile
   * @param bias {@code M} values, or null
   */
  public static void run(ConvGeometry g, int tile, int batch, int channels, int outChannels,
      float[] x, float[] u, float[] bias, Epilogue ep, float[] y, Parallel par) {
    WinogradKernels kernels = WinogradKernels.get(tile);
    int th = g.in[0] / tile;
    int tw = g.in[1] / tile;
    int unit = unit(kernels.lanes(), tw);
    int fit = BAND_FLOATS / (positions(tile) * (channels + paddedChannels(outChannels)) * tw);
    // rows of half a vector of tiles take exactly one panel per step (see SimdWinograd)
    int step = tw < kernels.lanes() ? unit : Math.max(unit, fit / unit * unit);
    int parts = 1;
    int groups = 1;
    int threads = par.threads();
    if (threads > 1 && batch < 2 * threads) {
      // two bands per thread where the rows allow; with fewer tasks than threads, one group of
      // output channels per thread
      parts = Math.min(th / unit, (2 * threads + batch - 1) / batch);
      if (batch * parts < threads) {
        int blocks = paddedChannels(outChannels) / ROWS;
        groups = Math.min(blocks, (threads + batch * parts - 1) / (batch * parts));
      }
    }
    Plan plan = PLANS.take();
    try {
      plan.set(g, kernels, channels, outChannels, x, u, bias, ep, y, parts, unit, groups, step);
      if (groups == 1) {
        par.forRange(batch * parts, plan);
      } else {
        // every group reads its band's whole transformed input: the groups transform a share of
        // the input channels each, into one array per band, then multiply (bands are one step
        // here: groups > 1 only when every band is one unit of rows)
        plan.shareInputs(batch * parts);
        plan.stage = Plan.TRANSFORM;
        par.forRange(batch * parts * groups, plan);
        plan.stage = Plan.MULTIPLY;
        par.forRange(batch * parts * groups, plan);
      }
    } finally {
      plan.stage = Plan.BAND;
      plan.set(null, null, 0, 0, null, null, null, null, null, 0, 0, 0, 0); // drop the arrays
      PLANS.give(plan);
    }
  }

  private static final PerThread<Plan> PLANS = new PerThread<>(Plan::new);

  /**
   * One call's shapes and operands; task {@code t} is group {@code t % groups} of output
   * channels in band {@code t / groups % parts} of image {@code t / groups / parts}. With
   * several groups, a call runs in two stages ({@link #stage}): each task first transforms the
   * same share of the band's input channels into the band's array of {@link #inputs}, then
   * computes its group's outputs from it.
   */
  private static final class Plan implements IntConsumer {
    static final int BAND = 0;
    static final int TRANSFORM = 1;
    static final int MULTIPLY = 2;
    int stage = BAND;
    /** Per band of the call, its transformed input (grown as needed, kept between calls). */
    float[][] inputs = new float[0][];
    WinogradKernels kernels;
    int h;
    int w;
    int channels;
    int outChannels;
    float[] x;
    float[] u;
    float[] bias;
    Epilogue ep;
    float[] y;
    int parts;
    int unit;
    int groups;
    int step;

    void set(ConvGeometry g, WinogradKernels kernels, int channels, int outChannels, float[] x,
        float[] u, float[] bias, Epilogue ep, float[] y, int parts, int unit, int groups,
        int step) {
      this.kernels = kernels;
      this.x = x;
      this.u = u;
      this.bias = bias;
      this.ep = ep;
      this.y = y;
      if (g == null) {
        return;
      }
      h = g.in[0];
      w = g.in[1];
      this.channels = channels;
      this.outChannels = outChannels;
      this.parts = parts;
      this.unit = unit;
      this.groups = groups;
      this.step = step;
    }

    /** Makes room for the transformed input of {@code bands} bands. */
    void shareInputs(int bands) {
      int tile = kernels.tile();
      int rows = h / tile / parts; // groups > 1 only when the bands are equal, one unit each
      int floats = kernels.inputFloats(channels, w, rows);
      if (inputs.length < bands) {
        inputs = Arrays.copyOf(inputs, bands);
      }
      for (int b = 0; b < bands; b++) {
        if (inputs[b] == null || inputs[b].length < floats) {
          inputs[b] = new float[floats];
        }
      }
    }

    @Override
    public void accept(int t) {
      int group = t % groups;
      int n = t / groups / parts;
      int part = t / groups % parts;
      int tile = kernels.tile();
      int units = h / tile / unit;
      int ty0 = units * part / parts * unit;
      int ty1 = units * (part + 1) / parts * unit;
      int plane = h * w;
      if (stage == TRANSFORM) {
        int c0 = channels * group / groups;
        int c1 = channels * (group + 1) / groups;
        if (ty0 < ty1 && c0 < c1) {
          kernels.transformInputs(x, n * channels * plane, channels, h, w, c0, c1, ty0, ty1,
              inputs[t / groups]);
        }
        return;
      }
      int blocks = paddedChannels(outChannels) / ROWS;
      int m0 = blocks * group / groups * ROWS;
      int m1 = Math.min(outChannels, blocks * (group + 1) / groups * ROWS);
      if (ty0 == ty1 || m0 >= m1) {
        return;
      }
      int yOff = n * outChannels * plane;
      if (stage == MULTIPLY) {
        kernels.multiplyOutputs(inputs[t / groups], channels, h, w, u, outChannels, m0, m1, bias,
            ep.lo, ep.hi, y, yOff, ty0, ty1);
      } else {
        kernels.band(x, n * channels * plane, channels, h, w, u, outChannels, m0, m1, bias,
            ep.lo, ep.hi, y, yOff, ty0, ty1, step);
      }
      if (ep.post != null) {
        for (int m = m0; m < m1; m++) {
          int from = yOff + m * plane + tile * ty0 * w;
          ep.finish(y, from, from + tile * (ty1 - ty0) * w);
        }
      }
    }
  }
}
