package org.quantlens.engine.kernels;

/**
 * Quantizes the rows of a float activation matrix into {@link Int8Gemm} operands, one row at a
 * time: the left operand of the int8 recurrent products ({@code x_t} and {@code h_{t-1}} of one
 * batch row).
 *
 * <p>Dynamic mode follows ONNX DynamicQuantizeLinear and ONNX Runtime's quantized recurrent GEMM:
 * uint8, {@code scale = (max(0, max x) - min(0, min x)) / 255}, {@code zp = rint(clamp(-min / scale,
 * 0, 255))}, all in float32; an all-zero row gets scale 1. A row holding NaN or an infinity has no
 * range: its scale is reported as NaN so the dequantized product is NaN, as the float op would give
 * (nothing is silently replaced). Static mode uses one fixed scale and zero point on a given grid
 * (calibrated), saturating.
 *
 * <p>Why per row rather than per matrix (ONNX Runtime quantizes the whole batch, and X over the
 * whole sequence, with one scale): a row's numbers then depend only on that row, so a sample's
 * output never depends on what else is in the batch, on sequence_lens of other rows, nor on how
 * the batch is split over threads; and each row uses its own range, which is at least as fine.
 * Immutable; the quantization itself is done by {@link QuantizeKernels} (SIMD and scalar equal).
 */
public final class RowQuantizer {
  private final boolean dynamic;
  private final float scale;
  private final int zp;
  private final int qmin;
  private final int qmax;
  private final QuantizeKernels kernels;

  private RowQuantizer(boolean dynamic, float scale, int zp, int qmin, int qmax,
      QuantizeKernels kernels) {
    this.dynamic = dynamic;
    this.scale = scale;
    this.zp = zp;
    this.qmin = qmin;
    this.qmax = qmax;
    this.kernels = kernels;
  }

  /** Per-row dynamic uint8 quantization. */
  public static RowQuantizer dynamic(QuantizeKernels kernels) {
    return new RowQuantizer(true, 1f, 0, 0, 255, kernels);
  }

  /**
   * Fixed parameters: {@code q = clamp(rint(x / scale) + zp, qmin, qmax)}, uint8 when
   * {@code unsigned} (grid within [0, 255]) else int8 (grid within [-128, 127]).
   */
  public static RowQuantizer fixed(float scale, int zp, int qmin, int qmax, boolean unsigned,
      QuantizeKernels kernels) {
    if (!(scale > 0) || !Float.isFinite(scale)) {
      throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
    }
    int lo = unsigned ? 0 : -128;
    if (qmin < lo || qmax > lo + 255 || qmin >= qmax || zp < qmin || zp > qmax) {
      throw new IllegalArgumentException("grid [" + qmin + ", " + qmax + "] with zero point " + zp
          + " does not fit " + (unsigned ? "uint8" : "int8"));
    }
    return new RowQuantizer(false, scale, zp, qmin, qmax, kernels);
  }

  public boolean isDynamic() {
    return dynamic;
  }

  /**
   * Quantizes rows {@code [0, rows)} of {@code x} (row i at {@code xOff + i * k}) into operands
   * less their zero point, {@code a[i * k + p] = q_p - zp} (integers in [-255, 255]): the product
   * then needs no correction by the weights' column sums, so those are not held. Per row i it
   * stores the sum of the operands in {@code sums[i]} and the scale in {@code scales[i]} (NaN for a
   * row without a finite range).
   */
  public void quantizeRows(float[] x, int xOff, int rows, int k, float[] a, int[] sums,
      float[] scales) {
    for (int i = 0; i < rows; i++) {
      int off = xOff + i * k;
      float s = scale;
      int z = zp;
      int lo = qmin;
      int hi = qmax;
      if (dynamic) {
        float min = 0;
        float max = 0;
        for (int p = 0; p < k; p++) {
          min = Math.min(min, x[off + p]);
          max = Math.max(max, x[off + p]);
        }
        s = max == min ? 1f : (max - min) / 255f;
        if (!Float.isFinite(s)) { // NaN or infinity in the row: dequantize to NaN
          java.util.Arrays.fill(a, i * k, (i + 1) * k, 0f);
          sums[i] = 0;
          scales[i] = Float.NaN;
          continue;
        }
        z = (int) Math.rint(Math.max(0f, Math.min(255f, 0f - min / s)));
        lo = 0;
        hi = 255;
      }
      sums[i] = kernels.quantizeCentered(x, off, k, s, z, lo, hi, a, i * k);
      scales[i] = s;
    }
  }
}
