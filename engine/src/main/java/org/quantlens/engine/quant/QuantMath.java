package org.quantlens.engine.quant;

import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.tensor.Tensor;

/**
 * The arithmetic of affine quantization, {@code real = scale * (q - zeroPoint)}, as ONNX
 * QuantizeLinear/DequantizeLinear define it: {@code q = saturate(rint(x / scale) + zeroPoint)} with
 * the division in float32 and rounding half to even.
 *
 * <p>Choosing parameters from a real range {@code [lo, hi]}:
 * <ul>
 *   <li>the range is first widened to include 0, so real 0 is exactly representable (padding and
 *       ReLU outputs quantize without error);
 *   <li>asymmetric: {@code scale = (hi - lo) / (qmax - qmin)}, {@code zp = rint(qmin - lo / scale)};
 *   <li>symmetric: the same number of levels on each side of zero, so signed types use the
 *       restricted range {@code [-(2^(b-1)-1), 2^(b-1)-1]} with {@code zp = 0} (int8: [-127, 127],
 *       the TFLite convention, which also keeps int8 x int8 pair sums away from int16 saturation),
 *       unsigned types use {@code [1, 2^b - 1]} with {@code zp = 2^(b-1)}; {@code scale = absmax /
 *       (2^(b-1) - 1)};
 *   <li>{@code reduceRange} drops one bit (7-bit, as ONNX Runtime offers for CPUs without VNNI):
 *       int8 [-64, 63] (symmetric [-63, 63]), uint8 [0, 127];
 *   <li>a zero range (the tensor is all zeros) gets {@code scale = 1} and the zero point that maps
 *       0 exactly.
 * </ul>
 * Scales are computed in double and stored as float32 (what ONNX carries); zero points are then
 * derived from the float32 scale.
 */
public final class QuantMath {
  private QuantMath() {}

  /** An integer grid {@code [qmin, qmax]}. */
  public static final class IntRange {
    public final int qmin;
    public final int qmax;

    public IntRange(int qmin, int qmax) {
      if (qmin >= qmax) {
        throw new IllegalArgumentException("empty integer range [" + qmin + ", " + qmax + "]");
      }
      this.qmin = qmin;
      this.qmax = qmax;
    }

    @Override
    public String toString() {
      return "[" + qmin + ", " + qmax + "]";
    }
  }

  /**
   * The integer grid of a {@code bits}-bit type (2..16).
   *
   * @param signed two's complement range, else unsigned
   * @param symmetric restricted signed range (no most negative value) or unsigned without 0
   * @param reduceRange one bit fewer (the 7-bit grids of ONNX Runtime's reduce_range for 8 bits)
   */
  public static IntRange intRange(int bits, boolean signed, boolean symmetric, boolean reduceRange) {
    if (bits < 2 || bits > 16) {
      throw new QuantLensException("quantization bit width must be 2..16, got " + bits);
    }
    int b = reduceRange ? bits - 1 : bits;
    if (b < 2) {
      throw new QuantLensException("reduceRange leaves fewer than 2 bits at " + bits + " bits");
    }
    int half = 1 << (b - 1);
    if (signed) {
      return new IntRange(symmetric ? -(half - 1) : -half, half - 1);
    }
    return new IntRange(symmetric ? 1 : 0, (1 << b) - 1);
  }

  /** Scale and zero point for one channel. */
  public static final class Params {
    public final float scale;
    public final int zeroPoint;

    public Params(float scale, int zeroPoint) {
      this.scale = scale;
      this.zeroPoint = zeroPoint;
    }

    @Override
    public String toString() {
      return "scale=" + scale + " zp=" + zeroPoint;
    }
  }

  /**
   * Parameters mapping the real range {@code [lo, hi]} (widened to include 0) onto {@code r}.
   *
   * @param symmetric use {@code absmax} on both sides with the grid's middle as zero point
   * @throws QuantLensException if {@code lo} or {@code hi} is not finite or {@code lo > hi}
   */
  public static Params params(double lo, double hi, IntRange r, boolean symmetric) {
    if (!Double.isFinite(lo) || !Double.isFinite(hi) || lo > hi) {
      throw new QuantLensException("invalid quantization range [" + lo + ", " + hi + "]");
    }
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
    if (symmetric) {
      int zp = r.qmin >= 0 ? (r.qmin + r.qmax + 1) / 2 : (r.qmin + r.qmax) / 2;
      double absmax = Math.max(-lo, hi);
      if (absmax == 0) {
        return new Params(1f, zp);
      }
      return new Params(safeScale(absmax / Math.min(r.qmax - zp, zp - r.qmin)), zp);
    }
    if (hi - lo == 0) {
      return new Params(1f, clamp(0, r)); // all zeros: 0 maps to the grid point nearest 0
    }
    float scale = safeScale((hi - lo) / (r.qmax - r.qmin));
    double zp = Math.rint(r.qmin - lo / scale);
    return new Params(scale, (int) Math.max(r.qmin, Math.min(r.qmax, zp)));
  }

  /** A positive normal float32 scale; ranges so small they underflow get the smallest normal. */
  private static float safeScale(double s) {
    float f = (float) s;
    return f >= Float.MIN_NORMAL ? f : Float.MIN_NORMAL;
  }

  private static int clamp(int v, IntRange r) {
    return Math.max(r.qmin, Math.min(r.qmax, v));
  }

  /** {@code saturate(rint(x / scale) + zp)}, the ONNX QuantizeLinear of one value (NaN gives zp). */
  public static int quantize(float x, float scale, int zp, IntRange r) {
    float v = (float) Math.rint(x / scale); // float32 division, as ONNX specifies
    if (v != v) {
      return clamp(zp, r);
    }
    double q = (double) v + zp;
    return (int) Math.max(r.qmin, Math.min(r.qmax, q));
  }

  /** {@code (q - zp) * scale} in float32, the ONNX DequantizeLinear of one value. */
  public static float dequantize(int q, float scale, int zp) {
    return (float) (q - zp) * scale;
  }

  /** Quantize then dequantize: the value a QDQ pair produces. */
  public static float fakeQuant(float x, float scale, int zp, IntRange r) {
    return dequantize(quantize(x, scale, zp, r), scale, zp);
  }

  /** Fake-quantizes {@code x[from, to)} in place. */
  public static void fakeQuant(float[] x, int from, int to, float scale, int zp, IntRange r) {
    float lo = r.qmin - zp;
    float hi = r.qmax - zp;
    for (int i = from; i < to; i++) {
      float v = (float) Math.rint(x[i] / scale);
      v = v != v ? 0 : Math.max(lo, Math.min(hi, v)); // lo/hi are exact small integers
      x[i] = v * scale;
    }
  }

  /**
   * Per-channel parameters along {@code axis} of {@code t} (a float tensor): channel {@code c}
   * gets the range of all elements whose index along {@code axis} is {@code c}. {@code axis = -1}
   * gives one channel (per-tensor).
   */
  public static Params[] perAxisParams(Tensor t, int axis, IntRange r, boolean symmetric) {
    double[][] mm = perAxisMinMax(t, axis);
    Params[] p = new Params[mm[0].length];
    for (int c = 0; c < p.length; c++) {
      p[c] = params(mm[0][c], mm[1][c], r, symmetric);
    }
    return p;
  }

  /** {@code {min[c], max[c]}} per channel along {@code axis} (-1: one channel). */
  public static double[][] perAxisMinMax(Tensor t, int axis) {
    float[] x = t.toFloats();
    int channels = axis < 0 ? 1 : t.dim(axis);
    int inner = 1;
    for (int d = axis + 1; axis >= 0 && d < t.rank(); d++) {
      inner *= t.dim(d);
    }
    double[] min = new double[channels];
    double[] max = new double[channels];
    java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
    java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
    for (int i = 0; i < t.size(); i++) {
      int c = axis < 0 ? 0 : (i / inner) % channels;
      float v = x[i];
      if (!Float.isFinite(v)) {
        throw new QuantLensException("cannot quantize a tensor holding " + v + " (element " + i + ")");
      }
      min[c] = Math.min(min[c], v);
      max[c] = Math.max(max[c], v);
    }
    for (int c = 0; c < channels; c++) {
      if (min[c] > max[c]) { // empty channel
        min[c] = 0;
        max[c] = 0;
      }
    }
    return new double[][] {min, max};
  }

  /** The channel of flat index {@code i} along {@code axis} (-1: 0). */
  static int channelOf(int i, int[] shape, int axis) {
    if (axis < 0) {
      return 0;
    }
    int inner = 1;
    for (int d = axis + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    return (i / inner) % shape[axis];
  }
}
