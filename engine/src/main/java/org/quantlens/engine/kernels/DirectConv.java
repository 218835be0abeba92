package org.quantlens.engine.kernels;

import java.util.Arrays;

/**
 * Direct float32 convolution for the common case of stride 1, dilation 1, one group, 1-D or 2-D:
 * no patch matrix. Each image is padded once into a per-thread {@link Scratch} buffer of
 * {@code [C, outH + kh - 1, outW + kw - 1]}; {@link ConvKernels#directConv} then keeps a block of
 * {@link #BLOCK} output channels times a few vectors of output positions in registers over all
 * channels and taps, reading weights repacked once ({@link #packWeights}) so that the block's
 * weights for one tap are adjacent.
 *
 * <p>Tasks are whole images, or with few images and several threads (image, channel-block range)
 * pairs that share the image, padded once by the caller; every output value is the same
 * computation either way, so results do not depend on the thread count.
 */
public final class DirectConv {
  /**
   * Output channels per kernel call (the packed weights' innermost extent): 6 on JDK 17 and 4
   * later, for the register reason given in {@code SimdGemm}'s class comment (6 channels x 2
   * vectors spill an accumulator under JDK 25's C2).
   */
  public static final int BLOCK = Runtime.version().feature() <= 17 ? 6 : 4;
  /** Readable floats a padded image must have past its last plane (vector loads over-read). */
  public static final int SLACK = 64;

  private DirectConv() {}

  /**
   * True when the direct kernel computes this convolution (rank 1 or 2, all strides and
   * dilations 1 or null, one group) and is expected to beat the GEMM path: not 1x1, whose GEMM
   * reads the input in place, and few output channels, where the GEMM does only {@code M} FMAs
   * per packed patch element. Measured on the zoo's layers (SERIAL, batch 1 and 64): direct wins
   * 1.3-4x up to M = 32, ties at 64 x 64 and loses by up to 2x at 128-192 channels.
   */
  public static boolean suits(int[] kernel, int[] strides, int[] dilations, int group,
      int channels, int outChannels) {
    if (group != 1 || kernel.length < 1 || kernel.length > 2 || !ones(strides) || !ones(dilations)) {
      return false;
    }
    long k = 1;
    for (int v : kernel) {
      k *= v;
    }
    return k > 1 && outChannels <= MAX_OUT_CHANNELS && channels * k <= MAX_TERMS;
  }

  /** Most output channels sent to the direct kernel. */
  static final int MAX_OUT_CHANNELS = 32;
  /** Most (channel, tap) terms: one block's weights, 6 x 4 bytes each, stay within ~200 KiB. */
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

  /** Floats of {@link #packWeights}'s result. */
  public static int packedSize(int outChannels, int channels, int k) {
    return (outChannels + BLOCK - 1) / BLOCK * channels * k * BLOCK;
  }

  /**
   * Repacks ONNX weights {@code [M, C, k]} to {@code [ceil(M / BLOCK)][C][k][BLOCK]}, the last
   * block padded with zeros.
   */
  public static float[] packWeights(float[] w, int outChannels, int channels, int k) {
    float[] p = new float[packedSize(outChannels, channels, k)];
    packWeights(w, outChannels, channels, k, p);
    return p;
  }

  /** {@link #packWeights(float[], int, int, int)} into {@code p}. */
  static void packWeights(float[] w, int outChannels, int channels, int k, float[] p) {
    int blocks = (outChannels + BLOCK - 1) / BLOCK;
    Arrays.fill(p, 0, blocks * channels * k * BLOCK, 0f);
    for (int m = 0; m < outChannels; m++) {
      int base = m / BLOCK * channels * k * BLOCK + m % BLOCK;
      for (int ck = 0; ck < channels * k; ck++) {
        p[base + ck * BLOCK] = w[m * channels * k + ck];
      }
    }
  }

  /**
   * Where each (input channel, kernel tap) term reads in a padded image, relative to the output
   * position: {@code c * planeLen + ky * rowLen + kx}. Immutable; an op keeps the last one and
   * passes it back so steady-state calls allocate no array.
   */
  public static final class Layout {
    final int channels;
    final int kh;
    final int kw;
    final int rowLen;
    final int planeLen;
    final int[] offsets;

    Layout(int channels, int kh, int kw, int rowLen, int planeLen) {
      this.channels = channels;
      this.kh = kh;
      this.kw = kw;
      this.rowLen = rowLen;
      this.planeLen = planeLen;
      offsets = new int[channels * kh * kw];
      for (int c = 0, q = 0; c < channels; c++) {
        for (int ky = 0; ky < kh; ky++) {
          for (int kx = 0; kx < kw; kx++) {
            offsets[q++] = c * planeLen + ky * rowLen + kx;
          }
        }
      }
    }

    boolean fits(int channels, int kh, int kw, int rowLen, int planeLen) {
      return this.channels == channels && this.kh == kh && this.kw == kw && this.rowLen == rowLen
          && this.planeLen == planeLen;
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
  public static Layout run(ConvGeometry g, int batch, int channels, int outChannels, float[] x,
      float[] w, float[] packed, float[] bias, Epilogue ep, float[] y, Parallel par,
      Layout cached) {
    int k = g.kernelSize;
    float[] wp = packed;
    if (wp == null) {
      wp = Scratch.floats(2, packedSize(outChannels, channels, k));
      packWeights(w, outChannels, channels, k, wp);
    }
    // one reusable plan per calling thread (taken out while in use, so a nested call makes its
    // own): a steady-state call allocates neither a plan nor a capturing task lambda
    Plan plan = FREE_PLAN.get();
    if (plan == null) {
      plan = new Plan();
    } else {
      FREE_PLAN.set(null);
    }
    try {
      plan.set(g, channels, outChannels, wp, bias, ep, x, y, cached);
      int blocks = plan.blocks;
      int threads = par.threads();
      int parts = threads <= 1 || batch >= 2 * threads ? 1
          : Math.min(blocks, (2 * threads + batch - 1) / batch);
      plan.parts = parts;
      plan.perPart = (blocks + parts - 1) / parts;
      if (parts > 1) { // the parts of an image share its padded copy: pad each image once, here
        int imageFloats = channels * plan.planeLen;
        float[] shared = Scratch.floats(0, batch * imageFloats + SLACK);
        for (int n = 0; n < batch; n++) {
          plan.padImage(n, shared, n * imageFloats);
        }
        plan.shared = shared;
      }
      par.forRange(batch * parts, plan);
      return plan.layout;
    } finally {
      plan.set(null, 0, 0, null, null, null, null, null, null); // drop the call's arrays
      FREE_PLAN.set(plan);
    }
  }

  private static final ThreadLocal<Plan> FREE_PLAN = new ThreadLocal<>();

  /** One call's shapes and operands; {@link #image} does one image's channel blocks. */
  private static final class Plan implements java.util.function.IntConsumer {
    int channels;
    int outChannels;
    int blocks;
    int inH;
    int inW;
    int padTop;
    int padLeft;
    int outH;
    int outW;
    int rows;
    int rowLen;
    int planeLen;
    Layout layout;
    int[] offsets;
    int inSize;
    int outSize;
    float[] w;
    float[] bias;
    Epilogue ep;
    float[] x;
    float[] y;
    /** Channel blocks are split into this many parts per image, of perPart blocks each. */
    int parts;
    int perPart;
    /** With several parts per image: every image padded once by the caller, else null. */
    float[] shared;
    final ConvKernels kern = ConvKernels.get();

    /** Sets up one call (null g: forgets the last call's operands). */
    void set(ConvGeometry g, int channels, int outChannels, float[] w, float[] bias, Epilogue ep,
        float[] x, float[] y, Layout cached) {
      this.w = w;
      this.bias = bias;
      this.ep = ep;
      this.x = x;
      this.y = y;
      shared = null;
      if (g == null) {
        layout = null;
        offsets = null;
        return;
      }
      boolean twoD = g.rank == 2;
      this.channels = channels;
      this.outChannels = outChannels;
      this.blocks = (outChannels + BLOCK - 1) / BLOCK;
      inH = twoD ? g.in[0] : 1;
      inW = g.in[g.rank - 1];
      padTop = twoD ? g.padBegin[0] : 0;
      padLeft = g.padBegin[g.rank - 1];
      outH = twoD ? g.out[0] : 1;
      outW = g.out[g.rank - 1];
      int kh = twoD ? g.kernel[0] : 1;
      int kw = g.kernel[g.rank - 1];
      rows = outH + kh - 1;
      rowLen = outW + kw - 1;
      planeLen = rows * rowLen;
      layout = cached != null && cached.fits(channels, kh, kw, rowLen, planeLen) ? cached
          : new Layout(channels, kh, kw, rowLen, planeLen);
      offsets = layout.offsets;
      inSize = g.inSize;
      outSize = g.outSize;
    }

    /** Task t: part {@code t % parts} of image {@code t / parts}. */
    @Override
    public void accept(int t) {
      int b0 = (t % parts) * perPart;
      image(t / parts, b0, Math.min(blocks, b0 + perPart));
    }

    /** Pads image {@code n}'s planes into {@code dst} from {@code d} on. */
    void padImage(int n, float[] dst, int d) {
      for (int c = 0; c < channels; c++) {
        pad(x, (n * channels + c) * inSize, dst, d + c * planeLen);
      }
    }

    /** Channel blocks {@code [b0, b1)} of image {@code n}. */
    void image(int n, int b0, int b1) {
      float[] buf;
      int src;
      if (shared != null) {
        buf = shared;
        src = n * channels * planeLen;
      } else {
        buf = Scratch.floats(0, channels * planeLen + SLACK);
        src = 0;
        padImage(n, buf, 0);
      }
      int wBlock = offsets.length * BLOCK;
      for (int b = b0; b < b1; b++) {
        int m0 = b * BLOCK;
        int mr = Math.min(BLOCK, outChannels - m0);
        int yOff = (n * outChannels + m0) * outSize;
        kern.directConv(buf, src, rowLen, offsets, w, b * wBlock, bias, m0, mr, ep.lo, ep.hi, y,
            yOff, outH, outW);
        ep.finish(y, yOff, yOff + mr * outSize);
      }
    }

    /** Copies one {@code inH x inW} plane into {@code rows x rowLen} with zero borders. */
    private void pad(float[] src, int off, float[] dst, int d) {
      int lo = Math.min(padLeft, rowLen);
      int hi = Math.min(rowLen, padLeft + inW);
      for (int r = 0; r < rows; r++, d += rowLen) {
        int iy = r - padTop;
        if (iy < 0 || iy >= inH) {
          Arrays.fill(dst, d, d + rowLen, 0f);
          continue;
        }
        Arrays.fill(dst, d, d + lo, 0f);
        System.arraycopy(src, off + iy * inW, dst, d + lo, hi - lo);
        Arrays.fill(dst, d + hi, d + rowLen, 0f);
      }
    }
  }
}
