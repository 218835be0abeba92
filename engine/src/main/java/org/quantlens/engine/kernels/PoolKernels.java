package org.quantlens.engine.kernels;

/**
 * Float32 inner loops of pooling and batch normalization: window rows over a {@link PaddedPlane}
 * (max, average), plane reductions (global pools) and the per-channel affine map. Window sums and
 * maxima visit taps in order with plain adds, so SIMD and scalar give identical bits; the plane
 * reductions {@link #sum} and {@link #max} may reassociate (sum differs by rounding only).
 */
public interface PoolKernels {
  /** The scalar reference. */
  PoolKernels SCALAR = new ScalarPoolKernels();

  /** The SIMD implementation when available, else {@link #SCALAR}. */
  static PoolKernels get() {
    return Selected.INSTANCE;
  }

  /** {@code dst[dstOff + i] = max_t src[base + taps[t] + i]} (Math.max semantics) for {@code i < n}. */
  void maxRow(float[] src, int base, int[] taps, float[] dst, int dstOff, int n);

  /**
   * The 2 x 2 window with stride 2: {@code dst[dstOff + i]} is the maximum of columns {@code 2i}
   * and {@code 2i + 1} of the rows starting at {@code r0} and {@code r0 + w}, taken in
   * {@link #maxRow}'s order, for {@code i < n}.
   */
  void max2x2Row(float[] x, int r0, int w, float[] dst, int dstOff, int n);

  /**
   * {@code dst[dstOff + i] = (sum_t src[base + taps[t] + i]) / (divY * divX[i])} for {@code i < n};
   * the divisor is the window's element count, per row times per column.
   */
  void avgRow(float[] src, int base, int[] taps, float divY, float[] divX, float[] dst, int dstOff,
      int n);

  /** Sum of {@code x[off, off + n)}. */
  float sum(float[] x, int off, int n);

  /** Maximum of {@code x[off, off + n)} (NaN if any is NaN; -inf when empty). */
  float max(float[] x, int off, int n);

  /** {@code y[yOff + i] = x[xOff + i] * scale + shift} (multiply then add) for {@code i < n}. */
  void affine(float[] x, int xOff, float scale, float shift, float[] y, int yOff, int n);

  /** Holds the selected implementation (chosen on first use). */
  final class Selected {
    static final PoolKernels INSTANCE = Kernels.select(PoolKernels.class, "SimdPool", SCALAR);

    private Selected() {}
  }
}
