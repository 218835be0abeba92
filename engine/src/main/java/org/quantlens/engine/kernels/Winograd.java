package org.quantlens.engine.kernels;

import java.util.function.IntConsumer;

/**
 * Float32 3x3 convolution (stride 1, one pixel of zero padding, one group) by Winograd's minimal
 * filtering F(2x2, 3x3): each 4x4 input tile {@code d} becomes {@code V = B^T d B}, each 3x3
 * kernel {@code g} becomes {@code U = G g G^T} once at load, and a 2x2 output tile is {@code A^T
 * (sum over channels of U . V) A}. The sum over channels is 16 matrix products {@code [M x C] x
 * [C x tiles]}, one per tile position, so an output costs 4 multiply-adds per input channel where
 * the direct kernel spends 9: the transforms are additions only, and the channel sums run on the
 * GEMM's register tile.
 *
 * <p>The input and output transforms add roundings of their own (the kernel transform is worked
 * in double and rounded once): results differ from the direct convolution's by accumulated float
 * rounding, as FMA against multiply-then-add does.
 *
 * <p>A task is one image (with few images and several threads, a band of its tile rows, or a
 * group of its output channels): its input rows are split once, then transformed and multiplied a
 * few tile rows at a time, so that the transformed input and the products stay in L2 ({@link
 * #BAND_FLOATS}), and output rows are finished while in cache. As in {@link DirectConv}, every
 * output value is the same computation however the tasks fall, so results do not depend on the
 * thread count.
 */
public final class Winograd {
  private static final WinogradKernels KERNELS = WinogradKernels.get();
  /** Tile positions: F(2x2, 3x3) reads 4x4 input tiles. */
  static final int POSITIONS = 16;
  /** Output channels per block of {@link #packWeights}: the SIMD GEMM tile's rows. */
  static final int ROWS = 4;
  /** Floats of one band's transformed input plus products (64 KiB). */
  static final int BAND_FLOATS = 1 << 14;
  /** Fewest input channels: below this the transforms cost more than the products save. */
  static final int MIN_CHANNELS = 8;

  private Winograd() {}

  /**
   * True when a layer's attributes allow this path on this JVM (the input shape is checked per
   * call by {@link #suits(ConvGeometry)}): 3x3, stride 1, no dilation, one group, at least
   * {@link #MIN_CHANNELS} input channels, SIMD kernels in use on JDK 18 or later
   * ({@link WinogradKernels#get}).
   */
  public static boolean suits(int[] kernel, int[] strides, int[] dilations, int group,
      int channels) {
    return KERNELS != null && group == 1 && channels >= MIN_CHANNELS && kernel.length == 2
        && kernel[0] == 3 && kernel[1] == 3 && all(strides, 1) && all(dilations, 1);
  }

  /**
   * True when this geometry (of a layer {@link #suits(int[], int[], int[], int, int)} accepted)
   * runs here: one pixel of padding on every side, even height and width, rows of tiles a whole
   * number of vectors or half of one, and a height that bands can split.
   */
  public static boolean suits(ConvGeometry g) {
    if (KERNELS == null || g.rank != 2 || !all(g.padBegin, 1) || !all(g.padEnd, 1)
        || g.kernel[0] != 3 || g.kernel[1] != 3 || !all(g.strides, 1) || !all(g.dilations, 1)) {
      return false;
    }
    int h = g.in[0];
    int w = g.in[1];
    int lanes = KERNELS.lanes();
    int tw = w / 2;
    return h % 2 == 0 && w % 2 == 0 && (tw % lanes == 0 || 2 * tw == lanes)
        && h / 2 % unit(tw) == 0;
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

  /** Tile rows whose tiles fill whole panels of the transformed input. */
  private static int unit(int tileCols) {
    int panel = 2 * KERNELS.lanes();
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

  /**
   * The transformed kernels {@code U = G g G^T} of ONNX weights {@code [M, C, 3, 3]}, laid out
   * for the products: position {@code xi = 4 * row + column} of {@code U} for output channel
   * {@code m} and input channel {@code c} is at {@code ((xi * M4 + m / 4) * C + c) * 4 + m % 4},
   * {@code M4} blocks of 4 channels (the last padded with zeros).
   */
  public static float[] packWeights(float[] w, int outChannels, int channels) {
    int blocks = paddedChannels(outChannels) / ROWS;
    float[] u = new float[POSITIONS * blocks * ROWS * channels];
    double[] t = new double[12];
    for (int m = 0; m < outChannels; m++) {
      for (int c = 0; c < channels; c++) {
        int g = (m * channels + c) * 9;
        // t = G g: rows g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2
        for (int j = 0; j < 3; j++) {
          double g0 = w[g + j];
          double g1 = w[g + 3 + j];
          double g2 = w[g + 6 + j];
          t[j] = g0;
          t[3 + j] = (g0 + g1 + g2) / 2;
          t[6 + j] = (g0 - g1 + g2) / 2;
          t[9 + j] = g2;
        }
        // U = t G^T, the same combination along each row of t
        for (int i = 0; i < 4; i++) {
          double a = t[3 * i];
          double b = t[3 * i + 1];
          double e = t[3 * i + 2];
          double[] row = {a, (a + b + e) / 2, (a - b + e) / 2, e};
          for (int j = 0; j < 4; j++) {
            int xi = 4 * i + j;
            u[((xi * blocks + m / ROWS) * channels + c) * ROWS + m % ROWS] = (float) row[j];
          }
        }
      }
    }
    return u;
  }

  /**
   * {@code y = conv(x, w) + bias} then the epilogue, for a geometry {@link #suits(ConvGeometry)}
   * accepted.
   *
   * @param u weights from {@link #packWeights}
   * @param bias {@code M} values, or null
   */
  public static void run(ConvGeometry g, int batch, int channels, int outChannels, float[] x,
      float[] u, float[] bias, Epilogue ep, float[] y, Parallel par) {
    int th = g.in[0] / 2;
    int tw = g.in[1] / 2;
    int unit = unit(tw);
    int fit = BAND_FLOATS / (POSITIONS * (channels + paddedChannels(outChannels)) * tw);
    // rows of half a vector of tiles take exactly one panel per step (see SimdWinograd)
    int step = tw < KERNELS.lanes() ? unit : Math.max(unit, fit / unit * unit);
    int parts = 1;
    int groups = 1;
    int threads = par.threads();
    if (threads > 1 && batch < 2 * threads) {
      // two bands per thread where the rows allow; with fewer tasks than threads, one group of
      // output channels per thread (each group transforms the whole band's input again)
      parts = Math.min(th / unit, (2 * threads + batch - 1) / batch);
      if (batch * parts < threads) {
        int blocks = paddedChannels(outChannels) / ROWS;
        groups = Math.min(blocks, (threads + batch * parts - 1) / (batch * parts));
      }
    }
    Plan plan = PLANS.take();
    try {
      plan.set(g, channels, outChannels, x, u, bias, ep, y, parts, unit, groups, step);
      par.forRange(batch * parts * groups, plan);
    } finally {
      plan.set(null, 0, 0, null, null, null, null, null, 0, 0, 0, 0); // drop the call's arrays
      PLANS.give(plan);
    }
  }

  private static final PerThread<Plan> PLANS = new PerThread<>(Plan::new);

  /**
   * One call's shapes and operands; task {@code t} is group {@code t % groups} of output
   * channels in band {@code t / groups % parts} of image {@code t / groups / parts}.
   */
  private static final class Plan implements IntConsumer {
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

    void set(ConvGeometry g, int channels, int outChannels, float[] x, float[] u, float[] bias,
        Epilogue ep, float[] y, int parts, int unit, int groups, int step) {
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

    @Override
    public void accept(int t) {
      int group = t % groups;
      int n = t / groups / parts;
      int part = t / groups % parts;
      int units = h / 2 / unit;
      int ty0 = units * part / parts * unit;
      int ty1 = units * (part + 1) / parts * unit;
      int blocks = paddedChannels(outChannels) / ROWS;
      int m0 = blocks * group / groups * ROWS;
      int m1 = Math.min(outChannels, blocks * (group + 1) / groups * ROWS);
      if (ty0 == ty1 || m0 >= m1) {
        return;
      }
      int plane = h * w;
      int yOff = n * outChannels * plane;
      KERNELS.band(x, n * channels * plane, channels, h, w, u, outChannels, m0, m1, bias, ep.lo,
          ep.hi, y, yOff, ty0, ty1, step);
      if (ep.post != null) {
        for (int m = m0; m < m1; m++) {
          int from = yOff + m * plane + 2 * ty0 * w;
          ep.finish(y, from, from + 2 * (ty1 - ty0) * w);
        }
      }
    }
  }
}
