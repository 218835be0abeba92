package org.quantlens.engine.kernels;

/**
 * Turns int32 accumulators into 8-bit outputs the way ONNX Runtime's QLinearConv, QLinearMatMul
 * and QGemm do (MLAS {@code MlasRequantizeOutput}): {@code f = (float) (acc + bias) * scale} in
 * float32, where {@code scale = (s_a * s_b) / s_y} was computed in float32 by the op; clamp
 * {@code f} to {@code [lo - zp, hi - zp]}; round half to even; add {@code zp}. Clamping before
 * rounding equals rounding then saturating because the bounds are integers. {@code lo}/{@code hi}
 * are the output type's range, narrowed by a fused Relu/Clip to the quantized value of 0 / min /
 * max. Outputs are stored as bytes (uint8 values as their low 8 bits).
 *
 * <p>All methods are exact (float32 operations in a fixed order, no fused multiply-add), so the
 * SIMD implementation matches {@link #SCALAR} bit for bit. Saturation counting is separate and
 * opt-in ({@link #countRowSaturation}, {@link #countColumnsSaturation}): the caller runs it on the
 * accumulators it just requantized (still in L1) only when counting is on, so requantization
 * itself costs the same whether counting exists or not.
 */
public interface Requantize {
  /** The scalar reference. */
  Requantize SCALAR = new RequantizeScalar();

  /** The SIMD implementation when available, else {@link #SCALAR}. */
  static Requantize get() {
    return Selected.INSTANCE;
  }

  /**
   * One output row with a single bias and scale (a conv output channel):
   * {@code out[outOff + i] = clamp(rint((float) (acc[accOff + i] + bias) * scale), lo - zp, hi - zp) + zp}.
   */
  void requantizeRow(int[] acc, int accOff, int n, int bias, float scale, int zp, int lo, int hi,
      byte[] out, int outOff);

  /**
   * {@link #requantizeRow} of {@code rows} rows of {@code n} accumulators {@code accStride} apart
   * into consecutive output rows of {@code n} (a conv channel's output rows, computed on rows of the
   * padded width): one call per channel instead of one per row.
   */
  default void requantizeRows(int[] acc, int accOff, int accStride, int rows, int n, int bias, float scale,
      int zp, int lo, int hi, byte[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      requantizeRow(acc, accOff + r * accStride, n, bias, scale, zp, lo, hi, out, outOff + r * n);
    }
  }

  /** Like {@link #requantizeRow} without bias and with one scale per element ({@code scale[scaleOff + i]}). */
  void requantizeColumns(int[] acc, int accOff, int n, float[] scale, int scaleOff, int zp, int lo,
      int hi, byte[] out, int outOff);

  /**
   * Adds to {@code counts[0]} / {@code counts[1]} how many of the values {@link #requantizeRow}
   * would produce from these accumulators fall below {@code qmin} / above {@code qmax} before
   * saturation: {@code rint((float) (acc + bias) * scale) + zp} out of the output type's range
   * (the type's, not a fused activation's: clipping by Relu/Clip is not saturation).
   */
  void countRowSaturation(int[] acc, int accOff, int n, int bias, float scale, int zp, int qmin,
      int qmax, long[] counts);

  /** Like {@link #countRowSaturation} for {@link #requantizeColumns} (no bias, a scale per element). */
  void countColumnsSaturation(int[] acc, int accOff, int n, float[] scale, int scaleOff, int zp,
      int qmin, int qmax, long[] counts);

  /**
   * Float output ({@code QGemm} without y_scale, {@code MatMulIntegerToFloat}):
   * {@code out[outOff + i] = (float) acc[accOff + i] * scale[scaleOff + i] + bias[biasOff + i]}
   * (multiply, then add: not fused), bias null for none.
   */
  void toFloatColumns(int[] acc, int accOff, int n, float[] scale, int scaleOff, float[] bias,
      int biasOff, float[] out, int outOff);

  /** {@code acc[off + i] += factor * v[vOff + i]} in wrapping int32 (zero-point corrections). */
  void addScaled(int[] acc, int off, int n, int factor, int[] v, int vOff);

  /** Holds the selected implementation (chosen on first use). */
  final class Selected {
    static final Requantize INSTANCE = Kernels.select(Requantize.class, "SimdInt8Requantize", SCALAR);

    private Selected() {}
  }
}
