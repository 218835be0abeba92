package org.quantlens.engine.kernels;

/**
 * Element-wise conversions between float32 and 8-bit quantized values, with ONNX semantics:
 * quantize {@code y = saturate(rint(x / scale) + zp)} (float32 division, round half to even,
 * NaN to the zero point), dequantize {@code y = (float) (q - zp) * scale}, and the widening of
 * 8-bit data into {@link Int8Gemm} operands. Every result is a correctly rounded float32
 * operation or exact, so the SIMD implementation matches {@link #SCALAR} bit for bit.
 */
public interface QuantizeKernels {
  /** The scalar reference. */
  QuantizeKernels SCALAR = new QuantizeKernelsScalar();

  /** The SIMD implementation when available, else {@link #SCALAR}. */
  static QuantizeKernels get() {
    return Selected.INSTANCE;
  }

  /**
   * {@code y[yOff + i] = clamp(rint(x[xOff + i] / scale) + zp, qmin, qmax)} stored as a byte;
   * NaN gives {@code zp}.
   */
  void quantize(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, byte[] y, int yOff);

  /**
   * {@link #quantize} less the zero point, as {@link Int8Gemm} operands: {@code a[aOff + i] =
   * clamp(rint(x[xOff + i] / scale) + zp, qmin, qmax) - zp} (NaN gives 0); returns their sum. One
   * pass where quantizing to bytes, widening them and taking off the zero point took three.
   */
  int quantizeCentered(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax,
      float[] a, int aOff);

  /**
   * Saturation counting for {@link #quantize} (opt-in; call it on the same run when counting is
   * on, so the quantize loop itself pays nothing when it is off). Adds to {@code counts[0]} the
   * finite inputs whose {@code rint(x / scale) + zp} falls below {@code qmin} (clipped at the low
   * end), to {@code counts[1]} those above {@code qmax}, and to {@code counts[2]} the NaN and
   * infinite inputs (disjoint from the first two).
   */
  void countSaturation(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, long[] counts);

  /** {@code y[yOff + i] = (float) (q - zp) * scale}, q read as uint8 when {@code unsigned}. */
  void dequantize(byte[] q, int qOff, int n, boolean unsigned, int zp, float scale, float[] y, int yOff);

  /**
   * QLinearAdd ({@code mul} false) or QLinearMul of two runs of 8-bit codes of one type, through
   * float32 like DequantizeLinear, Add/Mul, QuantizeLinear:
   * {@code va = (float) (a - za) * sa}, {@code vb = (float) (b - zb) * sb}, then
   * {@code y = clamp(rint((va + vb) / sy), lo - zy, hi - zy) + zy} (or {@code va * vb}); codes are
   * read as uint8 when {@code unsigned}; {@code lo}/{@code hi} are the output type's range narrowed
   * by a fused Relu/Clip; NaN gives {@code zy}.
   */
  void binaryQuantized(boolean mul, byte[] a, int aOff, byte[] b, int bOff, int n, boolean unsigned,
      float sa, int za, float sb, int zb, float sy, int zy, int lo, int hi, byte[] y, int yOff);

  /**
   * Widens 8-bit values into {@link Int8Gemm} operands: {@code dst[dstOff + i] = v} where v is the
   * int8 value, or the uint8 value minus 128 when {@code unsigned}; returns the sum of the v.
   */
  int widen(byte[] src, int srcOff, int n, boolean unsigned, float[] dst, int dstOff);

  /**
   * {@link #widen} of {@code rows} consecutive rows of {@code cols} values (an image plane) into
   * rows {@code dstStride} apart (the interior of a padded plane), without the sum.
   */
  void widenRows(byte[] src, int srcOff, int rows, int cols, boolean unsigned, float[] dst, int dstOff,
      int dstStride);

  /** Holds the selected implementation (chosen on first use). */
  final class Selected {
    static final QuantizeKernels INSTANCE = Kernels.select(QuantizeKernels.class, "SimdInt8Quantize", SCALAR);

    private Selected() {}
  }
}
