package org.quantlens.engine.kernels;

import java.util.Arrays;

/**
 * Direct float32 convolution for one group, 1-D or 2-D, any strides and dilations (though
 * {@link #suits} sends no dilated layer here): no patch matrix. Input planes are copied once into the stride-phased {@link PaddedPlane} layout, where
 * consecutive output columns read adjacent elements for every kernel tap, into a per-thread
 * {@link Scratch} buffer; {@link ConvKernels#directConv} then keeps a block of {@link #NARROW} (or a last
 * {@link #PAIR}) output channels times a few vectors of output positions in registers over all
 * channels and taps, reading weights repacked once ({@link #packWeights}) so that the block's
 * weights for one tap are adjacent.
 *
 * <p>A task is a range of output rows of one image (all of them unless there are fewer images
 * than twice the threads): it pads only the input rows its windows read, so no part of a layer
 * runs serially and each thread packs only its share. Every output value is the same computation
 * however the rows are split, so results do not depend on the thread count.
 */
public final class DirectConv {
  /**
   * Output channels of a block: 4 x 2 vectors of positions, 8 accumulators. A 6-channel x
   * 2-vector kernel needs 15 of AVX2's 16 ymm registers and lost on both JDKs: C2 spilled its
   * accumulators on JDK 25 (0.7x per FMA) and it ran 2.5x slower per FMA on JDK 17; paired, 4
   * against 6 channels was 1.6x (16 and 32 channels, batch 1) and 1.7x (batch 64).
   */
  public static final int NARROW = 4;
  /**
   * Output channels of a last block when one or two channels are left: LeNet-5's 6-channel first
   * layer is 4 + 2 instead of 4 + 4 (a quarter of its multiply-adds were padding). The 2-channel
   * kernel keeps four vectors of positions in flight, so it has the 4-channel one's 8 accumulators.
   */
  public static final int PAIR = 2;
  /** Readable floats a padded image must have past its last plane (vector loads over-read). */
  public static final int SLACK = 64;
  /** Below this many multiply-adds per image, an image is not split into row ranges. */
  static final long MIN_SPLIT_MACS = 1L << 18;

  private DirectConv() {}

  /**
   * True when the direct kernel is expected to beat the GEMM path: rank 1 or 2, one group, no
   * dilation, not 1x1 (whose GEMM reads the input in place, or for stride 2 a quarter of the
   * plane), and at most {@link #MAX_OUT_CHANNELS} output channels, where the GEMM does only
   * {@code M} FMAs per packed patch element. Measured on ResNet-20's layers with 4-channel
   * blocks (paired, thread CPU time, JDK 17, batch 1 / 64): 64 -> 64 at 8x8 1.16 / 1.20 of the
   * patch GEMM, stride 2 (16 -> 32 and 32 -> 64, 3x3) 1.03-1.13; the whole model 1.08 / 1.16
   * with both. An earlier measurement put direct at 1.3-4x up to M = 32 and 0.5x at 128-192.
   */
  public static boolean suits(int[] kernel, int[] strides, int[] dilations, int group,
      int channels, int outChannels) {
    if (group != 1 || kernel.length < 1 || kernel.length > 2) {
      return false;
    }
    long k = 1;
    for (int v : kernel) {
      k *= v;
    }
    return k > 1 && ones(dilations) && outChannels <= MAX_OUT_CHANNELS
        && channels * k <= MAX_TERMS;
  }

  /** Most output channels sent to the direct kernel. */
  static final int MAX_OUT_CHANNELS = 64;
  /** Most (channel, tap) terms: one block's weights, 4 x 4 bytes each, stay within ~128 KiB. */
  static final long MAX_TERMS = 8192;

  private static boolean ones(int[] v) {
    if (v != null) {
      for (int x : v) {
        if (x != 1) {
          return false;
        }
      }
    }
    return true;
  }

  /** Channels the blocks of {@code outChannels} cover (at least {@code outChannels}). */
  static int paddedChannels(int outChannels) {
    int m0 = 0;
    while (m0 < outChannels) {
      m0 += widthAt(outChannels, m0);
    }
    return m0;
  }

  /** Width of the block that starts at output channel {@code m0}. */
  static int widthAt(int outChannels, int m0) {
    return outChannels - m0 <= PAIR ? PAIR : NARROW;
  }

  /** Floats of {@link #packWeights}'s result. */
  public static int packedSize(int outChannels, int channels, int k) {
    return paddedChannels(outChannels) * channels * k;
  }

  /**
   * Repacks ONNX weights {@code [M, C, k]} into blocks of {@link #NARROW} output channels
   * ({@link #widthAt}): the block of width {@code b} starting at channel {@code m0} is
   * {@code [C][k][b]} from {@code m0 * C * k} on, the last block padded with zeros (a last
   * {@link #PAIR} block when one or two channels are left).
   */
  public static float[] packWeights(float[] w, int outChannels, int channels, int k) {
    float[] p = new float[packedSize(outChannels, channels, k)];
    packWeights(w, outChannels, channels, k, p);
    return p;
  }

  /** {@link #packWeights(float[], int, int, int)} into {@code p}. */
  static void packWeights(float[] w, int outChannels, int channels, int k, float[] p) {
    int ck = channels * k;
    Arrays.fill(p, 0, packedSize(outChannels, channels, k), 0f);
    for (int m0 = 0; m0 < outChannels; ) {
      int width = widthAt(outChannels, m0);
      for (int m = m0; m < Math.min(outChannels, m0 + width); m++) {
        for (int q = 0; q < ck; q++) {
          p[m0 * ck + q * width + m - m0] = w[m * ck + q];
        }
      }
      m0 += width;
    }
  }

  /**
   * {@code y = conv(x, w) + bias} then the epilogue, for a geometry {@link #suits} accepted.
   *
   * @param packed weights from {@link #packWeights}, or null to repack {@code w} for this call
   * @param bias {@code M} values, or null
   * @param cached the layout a previous call returned, or null
   * @return the layout used, to pass back next time
   */
  public static TapOffsets run(ConvGeometry g, int batch, int channels, int outChannels, float[] x,
      float[] w, float[] packed, float[] bias, Epilogue ep, float[] y, Parallel par,
      TapOffsets cached) {
    int k = g.kernelSize;
    float[] wp = packed;
    if (wp == null) {
      wp = Scratch.floats(2, packedSize(outChannels, channels, k));
      packWeights(w, outChannels, channels, k, wp);
    }
    TapOffsets layout = TapOffsets.reuse(cached, g, channels);
    Plan plan = PLANS.take();
    try {
      plan.set(layout, channels, outChannels, wp, bias, ep, x, y);
      int threads = par.threads();
      int outH = layout.plane.outH;
      long macs = (long) outChannels * channels * k * g.outSize;
      int parts = 1;
      if (threads > 1 && batch < 2 * threads && macs >= MIN_SPLIT_MACS) {
        // two row ranges per thread, each worth a task hand-off
        int want = (2 * threads + batch - 1) / batch;
        int worth = (int) Math.max(1, macs / (MIN_SPLIT_MACS / 4));
        parts = Math.max(1, Math.min(outH, Math.min(want, worth)));
      }
      plan.parts = parts;
      par.forRange(batch * parts, plan);
      return layout;
    } finally {
      plan.set(null, 0, 0, null, null, null, null, null); // drop the call's arrays
      PLANS.give(plan);
    }
  }

  private static final PerThread<Plan> PLANS = new PerThread<>(Plan::new);

  /** One call's shapes and operands; {@link #rows} does a range of one image's output rows. */
  private static final class Plan implements java.util.function.IntConsumer {
    int channels;
    int outChannels;
    TapOffsets layout;
    int inSize;
    int outSize;
    float[] w;
    float[] bias;
    Epilogue ep;
    float[] x;
    float[] y;
    /** Output rows are split into this many ranges per image. */
    int parts;
    final ConvKernels kern = ConvKernels.get();

    /** Sets up one call (null layout: forgets the last call's operands). */
    void set(TapOffsets layout, int channels, int outChannels, float[] w, float[] bias, Epilogue ep,
        float[] x, float[] y) {
      this.layout = layout;
      this.w = w;
      this.bias = bias;
      this.ep = ep;
      this.x = x;
      this.y = y;
      if (layout == null) {
        return;
      }
      this.channels = channels;
      this.outChannels = outChannels;
      inSize = layout.g.inSize;
      outSize = layout.g.outSize;
    }

    /** Task t: row range {@code t % parts} of image {@code t / parts}. */
    @Override
    public void accept(int t) {
      int outH = layout.plane.outH;
      int part = t % parts;
      int oy0 = (int) ((long) outH * part / parts);
      int oy1 = (int) ((long) outH * (part + 1) / parts);
      if (oy0 < oy1) {
        rows(t / parts, oy0, oy1);
      }
    }

    /** Output rows {@code [oy0, oy1)} of image {@code n}, every channel block. */
    void rows(int n, int oy0, int oy1) {
      PaddedPlane plane = layout.plane;
      int planeSize = layout.planeSize;
      float[] buf = Scratch.floats(0, channels * planeSize + SLACK);
      for (int c = 0; c < channels; c++) {
        plane.fillRead(x, (n * channels + c) * inSize, 0f, buf, c * planeSize, oy0, oy1);
      }
      int outW = plane.outW;
      int src = plane.rowBase(oy0);
      int rowStep = plane.rowBase(1);
      int[] offsets = layout.offsets;
      int first = oy0 * outW;
      int count = (oy1 - oy0) * outW;
      for (int m0 = 0, width; m0 < outChannels; m0 += width) {
        width = widthAt(outChannels, m0);
        int mr = Math.min(width, outChannels - m0);
        int yOff = (n * outChannels + m0) * outSize + first;
        kern.directConv(buf, src, rowStep, offsets, w, m0 * offsets.length, width, bias, m0, mr,
            ep.lo, ep.hi, y, yOff, outSize, oy1 - oy0, outW);
        if (ep.post != null) {
          for (int j = 0; j < mr; j++) {
            ep.finish(y, yOff + j * outSize, yOff + j * outSize + count);
          }
        }
      }
    }
  }
}
