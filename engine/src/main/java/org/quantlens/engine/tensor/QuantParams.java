package org.quantlens.engine.tensor;

import java.util.Arrays;

/**
 * Affine quantization parameters as ONNX QDQ defines them: {@code real = scale * (q - zeroPoint)},
 * per tensor (one scale and zero point) or per axis (one per index along {@link #axis()}), for
 * int8 or uint8. Quantizing divides by the scale in float32, rounds half to even and saturates
 * to the type's range, exactly as {@code QuantizeLinear} does. Immutable.
 *
 * <p>Scales must be finite and positive and zero points within the type's range; the factories
 * throw {@link IllegalArgumentException} otherwise (ops turn that into an error naming the node).
 */
public final class QuantParams {
  /** Axis value of per-tensor parameters. */
  public static final int PER_TENSOR = -1;

  private final float[] scales;
  private final int[] zeroPoints;
  private final int axis;
  private final DType dtype;

  private QuantParams(float[] scales, int[] zeroPoints, int axis, DType dtype) {
    if (dtype != DType.I8 && dtype != DType.U8) {
      throw new IllegalArgumentException("quantized type must be I8 or U8, got " + dtype);
    }
    if (scales.length == 0 || scales.length != zeroPoints.length) {
      throw new IllegalArgumentException("need as many zero points as scales (at least one), got "
          + scales.length + " scales and " + zeroPoints.length + " zero points");
    }
    if (axis < PER_TENSOR || axis == PER_TENSOR && scales.length != 1) {
      throw new IllegalArgumentException("per-tensor parameters need one scale, got " + scales.length
          + " with axis " + axis);
    }
    for (int i = 0; i < scales.length; i++) {
      String p = scaleProblem(scales[i]);
      if (p != null) {
        throw new IllegalArgumentException("scale[" + i + "] " + p);
      }
      if (zeroPoints[i] < qmin(dtype) || zeroPoints[i] > qmax(dtype)) {
        throw new IllegalArgumentException("zero point[" + i + "] = " + zeroPoints[i]
            + " is out of the " + dtype + " range [" + qmin(dtype) + ", " + qmax(dtype) + "]");
      }
    }
    this.scales = scales;
    this.zeroPoints = zeroPoints;
    this.axis = axis;
    this.dtype = dtype;
  }

  /** One scale and zero point for the whole tensor. */
  public static QuantParams perTensor(float scale, int zeroPoint, DType dtype) {
    return new QuantParams(new float[] {scale}, new int[] {zeroPoint}, PER_TENSOR, dtype);
  }

  /** One scale and zero point per index along {@code axis} (arrays are copied). */
  public static QuantParams perAxis(float[] scales, int[] zeroPoints, int axis, DType dtype) {
    if (axis < 0) {
      throw new IllegalArgumentException("per-axis parameters need a non-negative axis, got " + axis);
    }
    return new QuantParams(scales.clone(), zeroPoints.clone(), axis, dtype);
  }

  /**
   * Reads ONNX-style parameter tensors: {@code scale} F32 (or F16), scalar or 1-D;
   * {@code zeroPoint} I8/U8 of the same shape, or null for zero of {@code defaultType}. A
   * one-element scale is per tensor; a longer 1-D one is per axis {@code axis}.
   */
  public static QuantParams of(Tensor scale, Tensor zeroPoint, int axis, DType defaultType) {
    if (scale.rank() > 1 || zeroPoint != null && zeroPoint.rank() > 1) {
      throw new IllegalArgumentException("scale and zero point must be scalars or 1-D, got shapes "
          + Arrays.toString(scale.shape()) + (zeroPoint == null ? "" : " and " + Arrays.toString(zeroPoint.shape())));
    }
    int n = scale.size();
    if (zeroPoint != null && zeroPoint.size() != n) {
      throw new IllegalArgumentException("scale has " + n + " values but zero point has " + zeroPoint.size());
    }
    DType t = zeroPoint == null ? defaultType : zeroPoint.dtype();
    float[] s = new float[n];
    int[] z = new int[n];
    for (int i = 0; i < n; i++) {
      s[i] = (float) scale.getDouble(i);
      z[i] = zeroPoint == null ? 0 : (int) zeroPoint.getLong(i);
    }
    return n == 1 ? new QuantParams(s, z, PER_TENSOR, t) : new QuantParams(s, z, axis, t);
  }

  /** Why {@code scale} is not a valid quantization scale, or null when it is. */
  public static String scaleProblem(float scale) {
    if (Float.isNaN(scale) || Float.isInfinite(scale)) {
      return "is " + scale + "; scales must be finite";
    }
    if (scale <= 0) {
      return "is " + scale + "; scales must be positive";
    }
    return null;
  }

  /** Smallest value of {@code t} (I8 or U8). */
  public static int qmin(DType t) {
    return t == DType.U8 ? 0 : -128;
  }

  /** Largest value of {@code t} (I8 or U8). */
  public static int qmax(DType t) {
    return t == DType.U8 ? 255 : 127;
  }

  public DType dtype() {
    return dtype;
  }

  /** The quantized axis, or {@link #PER_TENSOR}. */
  public int axis() {
    return axis;
  }

  public boolean isPerTensor() {
    return axis == PER_TENSOR;
  }

  /** Number of (scale, zero point) pairs. */
  public int size() {
    return scales.length;
  }

  /** Scale of channel {@code c} (0 for per-tensor). */
  public float scale(int c) {
    return scales[c];
  }

  /** Zero point of channel {@code c} (0 for per-tensor). */
  public int zeroPoint(int c) {
    return zeroPoints[c];
  }

  /** A copy of the scales. */
  public float[] scales() {
    return scales.clone();
  }

  /** A copy of the zero points. */
  public int[] zeroPoints() {
    return zeroPoints.clone();
  }

  public int qmin() {
    return qmin(dtype);
  }

  public int qmax() {
    return qmax(dtype);
  }

  /** {@code saturate(rint(x / scale) + zeroPoint)} for channel {@code c}; NaN maps to the zero point. */
  public int quantize(float x, int c) {
    return quantize(x, scales[c], zeroPoints[c], qmin(), qmax());
  }

  /** {@code (q - zeroPoint) * scale} in float32 for channel {@code c}. */
  public float dequantize(int q, int c) {
    return (q - zeroPoints[c]) * scales[c];
  }

  /**
   * The ONNX QuantizeLinear formula for one value: divide in float32, round half to even, add the
   * zero point, saturate to {@code [qmin, qmax]}. NaN gives the zero point.
   */
  public static int quantize(float x, float scale, int zeroPoint, int qmin, int qmax) {
    float v = x / scale;
    if (v != v) {
      return zeroPoint;
    }
    // Clamping before rounding is equivalent (the bounds are integers) and keeps rint in range.
    v = Math.min(Math.max(v, qmin - zeroPoint), qmax - zeroPoint);
    return (int) Math.rint(v) + zeroPoint;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof QuantParams)) {
      return false;
    }
    QuantParams q = (QuantParams) o;
    return axis == q.axis && dtype == q.dtype && Arrays.equals(scales, q.scales)
        && Arrays.equals(zeroPoints, q.zeroPoints);
  }

  @Override
  public int hashCode() {
    return (Arrays.hashCode(scales) * 31 + Arrays.hashCode(zeroPoints)) * 31 + axis * 7 + dtype.hashCode();
  }

  @Override
  public String toString() {
    return "QuantParams(" + dtype + (isPerTensor() ? ", scale " + scales[0] + ", zero point " + zeroPoints[0]
        : ", axis " + axis + ", scales " + Arrays.toString(scales) + ", zero points " + Arrays.toString(zeroPoints)) + ")";
  }
}
