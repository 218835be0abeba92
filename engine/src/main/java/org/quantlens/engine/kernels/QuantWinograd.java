package org.quantlens.engine.kernels;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Int8 3x3 convolution (stride 1, one pixel of padding, one group) by Winograd's F(2x2, 3x3),
 * exact: the accumulators are bit for bit those of the direct int8 path. With the zero point
 * taken off the input ({@code d = x - zx}, so padding is 0) and the kernel transform scaled by 4
 * ({@code U = (2G) g (2G)^T}, integers), every value the transforms and products make is an
 * integer; the channel sums run in float a chunk of channels at a time, the chunk small enough
 * that no partial sum passes 2^24 (float's exact integers), and are added up as ints, and the
 * output transform works on ints: {@code A^T M A = 4 sum(g * d)}, divided by 4 exactly. Each
 * output costs 4 multiply-adds per input channel where the direct kernel spends 9.
 *
 * <p>The kernels are transformed per call, not held: a session keeps its int8 weights once
 * (transformed, they take 7 times their bytes), in an order that makes the transform a few
 * vector operations per pair of channels ({@link Weights}). Up to {@link #KERNELS_FLOATS} they
 * are transformed once for the call, split among the threads; larger layers transform a block
 * of output channels where it is used. Weight zero points must be 0 (symmetric weights, as
 * quantizers make them).
 */
public final class QuantWinograd {
  /** Fewest input channels, as for float Winograd: with fewer the transforms outweigh the saving. */
  static final int MIN_CHANNELS = 8;
  /** Most input channels: keeps {@code 4 sum(g * d)} within int32. */
  static final int MAX_CHANNELS = 1024;
  private static final int POSITIONS = 16;
  /** Float's exact integers: a chunk's sums stay within this, so no rounding ever happens. */
  private static final int EXACT = 1 << 24;
  /**
   * Floats of a band's transformed input (512 KiB): an image whose transform is larger (64
   * channels of 128 x 128 are 4 MiB) is transformed and multiplied a band of tile rows at a
   * time. ResNet-20's layers fit in one.
   */
  private static final int BAND_FLOATS = 1 << 17;
  /**
   * Floats of transformed kernels (1 MiB, 16 x 64 x 256 channels) a call keeps for all its
   * images: over this, each block of four output channels is transformed where it is used (per
   * image and band), so a thread never holds more than one block's (4 x 16 x C floats).
   */
  public static final int KERNELS_FLOATS = 1 << 18;

  private QuantWinograd() {}

  /**
   * Takes accumulators of one output channel of one image: {@code count} ints from {@code off},
   * for the outputs from {@code pixel} on (whole rows, in output order). {@code out} is what the
   * caller passed to {@link #run}.
   */
  public interface Sink {
    void channel(int[] acc, int off, int outChannel, int image, int pixel, int count, Object out);
  }

  /**
   * True when a layer's attributes allow this path on this JVM (the input shape is checked per
   * call by {@link #suits(ConvGeometry)}): weights {@code [M, C, 3, 3]} with {@link
   * #MIN_CHANNELS} to {@link #MAX_CHANNELS} input channels, stride 1, no dilation, one group, SIMD
   * kernels on JDK 25 or later ({@link QuantWinogradKernels#get}).
   */
  public static boolean suits(int[] weightShape, int[] strides, int[] dilations, int group) {
    return QuantWinogradKernels.get() != null && group == 1 && weightShape.length == 4
        && weightShape[2] == 3 && weightShape[3] == 3 && weightShape[1] >= MIN_CHANNELS
        && weightShape[1] <= MAX_CHANNELS && Winograd.suits(new int[] {3, 3}, strides, dilations,
            group, weightShape[1]);
  }

  /** True when this input geometry runs here: one pixel of padding, sides the 2x2 tiles take. */
  public static boolean suits(ConvGeometry g) {
    return Winograd.suits(g, 2);
  }

  /**
   * Int8 weights {@code [M, C, 3, 3]} (zero point 0) in the order {@link
   * QuantWinogradKernels#transformKernels} reads: per block of four output channels, per tap,
   * per input channel, the block's four values (the last block padded with zeros). With, per
   * block, the chunks of input channels whose float sums stay exact ({@link #cuts}).
   */
  public static final class Weights {
    final byte[] w;
    final int outChannels;
    final int channels;
    /**
     * Block b's chunks are {@code [cuts[i], cuts[i + 1])} for {@code cutStart[b] <= i <
     * cutStart[b + 1]}: each as many channels as keep {@code 4 * 255 * sum of max|U|} (a bound
     * of every partial sum: an input tile's transform adds four values of |x - zx| <= 255) within
     * {@link #EXACT}.
     */
    final short[] cuts;
    final int[] cutStart;

    /** Packs {@code w} ({@code [outChannels, channels, 3, 3]}); {@code w} is only read. */
    public Weights(byte[] w, int outChannels, int channels) {
      this.outChannels = outChannels;
      this.channels = channels;
      int blocks = (outChannels + 3) / 4;
      this.w = new byte[blocks * 9 * channels * 4];
      int[] maxU = new int[blocks * channels];
      int[] t = new int[12];
      for (int co = 0; co < outChannels; co++) {
        int b = co / 4;
        for (int c = 0; c < channels; c++) {
          int o = (co * channels + c) * 9;
          for (int k = 0; k < 9; k++) {
            this.w[((b * 9 + k) * channels + c) * 4 + co % 4] = w[o + k];
          }
          for (int j = 0; j < 3; j++) { // (2G) g, then each row times (2G)^T
            t[j] = 2 * w[o + j];
            t[3 + j] = w[o + j] + w[o + 3 + j] + w[o + 6 + j];
            t[6 + j] = w[o + j] - w[o + 3 + j] + w[o + 6 + j];
            t[9 + j] = 2 * w[o + 6 + j];
          }
          for (int i = 0; i < 12; i += 3) {
            int m = Math.max(Math.abs(2 * t[i]), Math.abs(2 * t[i + 2]));
            m = Math.max(m, Math.abs(t[i] + t[i + 1] + t[i + 2]));
            m = Math.max(m, Math.abs(t[i] - t[i + 1] + t[i + 2]));
            maxU[b * channels + c] = Math.max(maxU[b * channels + c], m);
          }
        }
      }
      short[] cut = new short[blocks * (channels + 1)];
      cutStart = new int[blocks + 1];
      int n = 0;
      for (int b = 0; b < blocks; b++) {
        cutStart[b] = n;
        cut[n++] = 0;
        long bound = 0;
        for (int c = 0; c < channels; c++) {
          long add = 4L * 255 * maxU[b * channels + c];
          if (bound + add > EXACT && bound > 0) {
            cut[n++] = (short) c;
            bound = 0;
          }
          bound += add;
        }
        cut[n++] = (short) channels;
      }
      cutStart[blocks] = n;
      cuts = Arrays.copyOf(cut, n);
    }

    /** The weights in ONNX order ({@code [outChannels, channels, 3, 3]}) into {@code dst}. */
    public byte[] unpack(byte[] dst) {
      for (int co = 0; co < outChannels; co++) {
        for (int c = 0; c < channels; c++) {
          for (int k = 0; k < 9; k++) {
            dst[(co * channels + c) * 9 + k] = w[((co / 4 * 9 + k) * channels + c) * 4 + co % 4];
          }
        }
      }
      return dst;
    }
  }

  /**
   * The accumulators of the direct int8 path, {@code sum over taps of w * x} with padding read as
   * {@code zx}, for every output channel of every image, handed to {@code sink} with {@code out},
   * for a geometry {@link #suits(ConvGeometry)} accepted.
   *
   * @param x images {@code [batch, channels, h, w]} as bytes (uint8 when {@code unsigned})
   * @param zx the input zero point, widened as {@link QuantizeKernels#widen} widens x
   */
  public static void run(ConvGeometry g, int batch, byte[] x, boolean unsigned, int zx,
      Weights wts, Sink sink, Object out, Parallel par) {
    Layer layer = LAYERS.take();
    try {
      layer.set(g.in[0], g.in[1], x, unsigned, zx, wts, sink, out);
      int threads = par.threads();
      if (layer.u != null) {
        layer.phase = Layer.KERNELS;
        layer.groups = Math.min((wts.outChannels + 3) / 4, 2 * threads);
        par.forRange(layer.groups, layer);
      }
      if (threads == 1) {
        for (int n = 0; n < batch; n++) {
          layer.image(n);
        }
      } else if (batch >= 2 * threads) {
        layer.phase = Layer.IMAGES;
        par.forRange(batch, layer);
      } else {
        // few images: each band transformed once here, then groups of its output channels in
        // parallel
        layer.phase = Layer.GROUPS;
        layer.groups = Math.min((wts.outChannels + 3) / 4, 2 * threads);
        for (int n = 0; n < batch; n++) {
          float[] d = layer.widen(n, QuantScratch.OP_A);
          layer.image = n;
          for (int t0 = 0; t0 < layer.tileRows; t0 += layer.band) {
            layer.ty0 = t0;
            layer.ty1 = Math.min(layer.tileRows, t0 + layer.band);
            layer.v = layer.transform(d, layer.ty0, layer.ty1, QuantScratch.OP_B);
            par.forRange(layer.groups, layer);
          }
        }
      }
    } finally {
      layer.set(0, 0, null, false, 0, null, null, null); // drop the arrays
      LAYERS.give(layer);
    }
  }

  private static final PerThread<Layer> LAYERS = new PerThread<>(Layer::new);

  /**
   * One call's operands and transformed kernels. As a task, by {@link #phase}: group t of the
   * blocks' kernels transformed into {@link #u}; image t whole; or group t of {@link #image}'s
   * output channels in tile rows {@code [ty0, ty1)} from their transform {@link #v}.
   */
  private static final class Layer implements IntConsumer {
    static final int KERNELS = 0;
    static final int IMAGES = 1;
    static final int GROUPS = 2;
    int phase;
    int h;
    int w;
    byte[] x;
    boolean unsigned;
    int zx;
    Weights wts;
    Sink sink;
    Object out;
    /**
     * Every block's transformed kernels (the calling thread's buffer), or null when they exceed
     * {@link #KERNELS_FLOATS} and each block is transformed where it is used.
     */
    float[] u;
    /** Rows of tiles in the image, and per band (whole panels of tiles). */
    int tileRows;
    int band;
    int groups;
    int image;
    int ty0;
    int ty1;
    float[] v;

    void set(int h, int w, byte[] x, boolean unsigned, int zx, Weights wts, Sink sink,
        Object out) {
      this.h = h;
      this.w = w;
      this.x = x;
      this.unsigned = unsigned;
      this.zx = zx;
      this.wts = wts;
      this.sink = sink;
      this.out = out;
      v = null;
      u = null;
      if (wts != null) {
        tileRows = h / 2;
        int tw = w / 2;
        int panel = QuantWinogradKernels.get().panelTiles();
        int unit = Winograd.unit(panel / 2, tw); // tile rows that fill whole panels
        // rows of half a vector of tiles store into the next row, and from a panel's last row
        // into the next panel's first (SimdWinograd.inputs): such bands are one panel
        band = 2 * tw < panel ? unit : Math.min(tileRows,
            Math.max(1, BAND_FLOATS / (POSITIONS * wts.channels * tw * unit)) * unit);
        int floats = (wts.outChannels + 3) / 4 * POSITIONS * wts.channels * 4;
        u = floats <= KERNELS_FLOATS ? QuantScratch.floats(QuantScratch.OP_C, floats) : null;
      }
    }

    @Override
    public void accept(int t) {
      if (phase == IMAGES) {
        image(t);
        return;
      }
      int blocks = (wts.outChannels + 3) / 4;
      int b0 = blocks * t / groups;
      int b1 = blocks * (t + 1) / groups;
      if (phase == KERNELS) {
        QuantWinogradKernels.get().transformKernels(wts.w, wts.channels, b0, b1, u,
            b0 * POSITIONS * wts.channels * 4);
      } else {
        multiply(image, v, ty0, ty1, b0, b1);
      }
    }

    /** Image n whole, on this thread, a band at a time. */
    void image(int n) {
      float[] d = widen(n, QuantScratch.TASK_A);
      for (int t0 = 0; t0 < tileRows; t0 += band) {
        int t1 = Math.min(tileRows, t0 + band);
        multiply(n, transform(d, t0, t1, QuantScratch.TASK_B), t0, t1, 0,
            (wts.outChannels + 3) / 4);
      }
    }

    /** Image n without its zero point, as floats in this thread's slot {@code slot}. */
    float[] widen(int n, int slot) {
      int channels = wts.channels;
      int plane = h * w;
      float[] d = QuantScratch.floats(slot, channels * plane);
      QuantizeKernels.get().widenRows(x, n * channels * plane, channels * h, w, unsigned, d, 0, w);
      float z = zx;
      for (int i = 0; i < channels * plane; i++) {
        d[i] -= z;
      }
      return d;
    }

    /** Tile rows {@code [t0, t1)} of {@code d} transformed, into this thread's slot {@code slot}. */
    float[] transform(float[] d, int t0, int t1, int slot) {
      QuantWinogradKernels k = QuantWinogradKernels.get();
      float[] t = QuantScratch.floats(slot, k.inputFloats(wts.channels, w, t1 - t0));
      k.transformInputs(d, 0, wts.channels, h, w, t0, t1, t);
      return t;
    }

    /**
     * Output channel blocks {@code [b0, b1)} of tile rows {@code [t0, t1)} of image n, from their
     * transformed input.
     */
    void multiply(int n, float[] vn, int t0, int t1, int b0, int b1) {
      QuantWinogradKernels k = QuantWinogradKernels.get();
      int channels = wts.channels;
      int tiles = (t1 - t0) * (w / 2);
      int pixels = 4 * tiles;
      // one cache line between positions: 16 regions a power of two apart would share L1 sets
      int mStride = 4 * tiles + 16;
      int[] m = QuantScratch.ints(QuantScratch.TASK_A, POSITIONS * mStride);
      int[] acc = QuantScratch.ints(QuantScratch.TASK_B, pixels);
      for (int b = b0; b < b1; b++) {
        float[] ub = u;
        int uo = b * POSITIONS * channels * 4;
        if (ub == null) {
          ub = QuantScratch.floats(QuantScratch.TASK_C, POSITIONS * channels * 4);
          uo = 0;
          k.transformKernels(wts.w, channels, b, b + 1, ub, uo);
        }
        k.products(ub, uo, vn, channels, tiles, wts.cuts, wts.cutStart[b],
            wts.cutStart[b + 1] - 1, m, mStride);
        for (int r = 0; r < 4 && 4 * b + r < wts.outChannels; r++) {
          // the direct path reads padding as zx: add back zx times the weights' sum, which is
          // U at position (1, 1) ((2G) has a row of ones) summed over the input channels
          int sum = 0;
          for (int c = 0, at = uo + 5 * channels * 4 + r; c < channels; c++, at += 4) {
            sum += (int) ub[at];
          }
          k.outputs(m, r, tiles, mStride, w, zx * sum, acc, 0);
          sink.channel(acc, 0, 4 * b + r, n, 2 * t0 * w, pixels, out);
        }
      }
    }
  }
}
