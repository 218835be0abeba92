package org.quantlens.engine.kernels;

/**
 * Float32 inner loops of convolution: the depthwise row (all kernel taps of one output row over a
 * {@link PaddedPlane}), the direct convolution of one output-channel block ({@link DirectConv})
 * and the GEMM epilogue (bias, then clamp). {@code lo}/{@code hi} clamp the
 * result in the same pass: {@code -inf, +inf} for none, {@code 0, +inf} for Relu, Clip's bounds.
 * {@link #SCALAR} is the reference; {@link #get()} the implementation chosen for this JVM.
 */
public interface ConvKernels {
  /** The scalar reference. */
  ConvKernels SCALAR = new ScalarConvKernels();

  /** The SIMD implementation when available, else {@link #SCALAR}. */
  static ConvKernels get() {
    return Selected.INSTANCE;
  }

  /**
   * {@code dst[dstOff + i] = clamp(bias + sum_t src[base + taps[t] + i] * w[wOff + t], lo, hi)} for
   * {@code i < n}, summing taps in order.
   */
  void depthwiseRow(float[] src, int base, int[] taps, float[] w, int wOff, float bias, float lo,
      float hi, float[] dst, int dstOff, int n);

  /**
   * Direct convolution of output rows of one padded image for output channels
   * {@code m0 .. m0 + mr - 1} ({@code mr <= width}): for each such channel {@code j}, output
   * {@code (oy, ox)} is {@code clamp(bias[m0 + j] + sum_q src[srcOff + oy * rowStep + ox +
   * offsets[q]] * w[wOff + q * width + j - m0], lo, hi)}, summing in {@code q} order, written to
   * {@code dst[dstOff + (j - m0) * dstPlane + oy * outW + ox]}. Strides live in the layout: a
   * {@link PaddedPlane} keeps consecutive output columns' inputs adjacent for every tap.
   *
   * @param src padded input planes, followed by at least {@link DirectConv#SLACK} readable floats
   *     (vector loads may run past the last row)
   * @param rowStep distance in {@code src} between consecutive output rows' windows
   * @param offsets per (input channel, kernel tap), channel-major: where the tap reads for output
   *     (0, 0)
   * @param w one block of {@link DirectConv#packWeights}, in the same (channel, tap) order
   * @param width the block's width: {@link DirectConv#NARROW} or {@link DirectConv#PAIR}
   * @param bias {@code M} values, or null for zero
   * @param dstPlane distance in {@code dst} between output channels ({@code >= outH * outW})
   */
  void directConv(float[] src, int srcOff, int rowStep, int[] offsets, float[] w, int wOff,
      int width, float[] bias, int m0, int mr, float lo, float hi, float[] dst, int dstOff, int dstPlane,
      int outH, int outW);

  /** {@code y[off + i] = clamp(y[off + i] + bias, lo, hi)} for {@code i < n}. */
  void biasClamp(float[] y, int off, int n, float bias, float lo, float hi);

  /** Holds the selected implementation (chosen on first use). */
  final class Selected {
    static final ConvKernels INSTANCE = Kernels.select(ConvKernels.class, "SimdConv", SCALAR);

    private Selected() {}
  }
}
