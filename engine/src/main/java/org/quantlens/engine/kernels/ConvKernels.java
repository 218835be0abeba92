package org.quantlens.engine.kernels;

/**
 * Float32 inner loops of convolution: the depthwise row (all kernel taps of one output row over a
 * {@link PaddedPlane}) and the GEMM epilogue (bias, then clamp). {@code lo}/{@code hi} clamp the
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

  /** {@code y[off + i] = clamp(y[off + i] + bias, lo, hi)} for {@code i < n}. */
  void biasClamp(float[] y, int off, int n, float bias, float lo, float hi);

  /** Holds the selected implementation (chosen on first use). */
  final class Selected {
    static final ConvKernels INSTANCE = Kernels.select(ConvKernels.class, "SimdConv", SCALAR);

    private Selected() {}
  }
}
