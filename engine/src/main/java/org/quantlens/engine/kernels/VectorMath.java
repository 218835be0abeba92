package org.quantlens.engine.kernels;

/**
 * Float32 array primitives for element-wise ops, activations and reductions: one call handles a
 * contiguous run {@code [off, off + n)} of each array, so a caller loops over rows or chunks and
 * the kernel's inner loop stays plain. {@link #get()} is the implementation chosen once per JVM
 * (SIMD in {@code kernels.simd.SimdVectorMath}, else the scalar reference {@link VectorMathScalar}).
 *
 * <p>Operations are named by the {@code int} codes below, so one virtual call covers a whole run
 * and the dispatch switch happens once per run, never per element. Outputs may be the same array
 * as an input at the same offset (in place); other overlaps are not allowed.
 *
 * <p>Other kernels (LSTM/GRU cells, fused activations in Conv/Gemm) should call {@link #exp},
 * {@link #sigmoid}, {@link #tanh} or {@link #map} here rather than write their own loops.
 *
 * <p>Accuracy of {@link #map} against the float-rounded double-precision result (the scalar
 * reference): bit-exact for ABS, NEG, SQRT, RECIPROCAL, FLOOR, CEIL, ROUND, SIGN, RELU,
 * LEAKY_RELU, CLIP, HARD_SIGMOID, HARD_SWISH, THRESHOLDED_RELU, SOFTSIGN, SQUARE and for every op
 * the SIMD class does not override; EXP within 2 ulp over [-87.3, 88.7] (gradual underflow below, infinity above);
 * SIGMOID, TANH within 4 ulp; ERF within 2.5e-7 absolute; ELU, SELU, CELU within 4 ulp relative
 * plus 1e-7 times alpha absolute. NaN in gives NaN out for every op except THRESHOLDED_RELU's
 * documented comparison (which also keeps NaN). The tests state and check these bounds.
 */
public abstract class VectorMath {
  // Binary operations: out = a op b.
  public static final int ADD = 0;
  public static final int SUB = 1;
  public static final int MUL = 2;
  public static final int DIV = 3;
  /** Maximum; NaN if either is NaN (numpy {@code maximum}, Java {@code Math.max}). */
  public static final int MAX = 4;
  /** Minimum; NaN if either is NaN. */
  public static final int MIN = 5;
  /** {@code (float) Math.pow(a, b)}. */
  public static final int POW = 6;
  /** Truncating remainder, sign of {@code a} (C fmod, Java {@code %}). */
  public static final int FMOD = 7;
  /** {@code a < 0 ? a * b : a} (PRelu with slope b). */
  public static final int PRELU = 8;

  // Unary maps: out = f(x) with optional parameters alpha and beta.
  public static final int ABS = 0;
  public static final int NEG = 1;
  public static final int SQRT = 2;
  public static final int EXP = 3;
  public static final int LOG = 4;
  public static final int RECIPROCAL = 5;
  public static final int FLOOR = 6;
  public static final int CEIL = 7;
  /** Round half to even. */
  public static final int ROUND = 8;
  /** -1, 0 or 1 (keeps -0 and NaN). */
  public static final int SIGN = 9;
  public static final int ERF = 10;
  public static final int SIN = 11;
  public static final int COS = 12;
  public static final int TAN = 13;
  public static final int ASIN = 14;
  public static final int ACOS = 15;
  public static final int ATAN = 16;
  public static final int SINH = 17;
  public static final int COSH = 18;
  public static final int ASINH = 19;
  public static final int ACOSH = 20;
  public static final int ATANH = 21;
  /** {@code max(x, 0)}. */
  public static final int RELU = 22;
  /** {@code x >= 0 ? x : alpha * x}. */
  public static final int LEAKY_RELU = 23;
  public static final int SIGMOID = 24;
  public static final int TANH = 25;
  /** {@code max(0, min(1, alpha * x + beta))}. */
  public static final int HARD_SIGMOID = 26;
  /** {@code x * max(0, min(1, x / 6 + 0.5))}. */
  public static final int HARD_SWISH = 27;
  /** {@code x >= 0 ? x : alpha * (exp(x) - 1)}. */
  public static final int ELU = 28;
  /** {@code x > 0 ? beta * x : beta * alpha * (exp(x) - 1)} (alpha, gamma = beta). */
  public static final int SELU = 29;
  /** {@code max(0, x) + min(0, alpha * (exp(x / alpha) - 1))}. */
  public static final int CELU = 30;
  /** {@code log(1 + exp(x))}, computed without overflow. */
  public static final int SOFTPLUS = 31;
  /** {@code x / (1 + |x|)}. */
  public static final int SOFTSIGN = 32;
  /** {@code x <= alpha ? 0 : x} (NaN stays NaN). */
  public static final int THRESHOLDED_RELU = 33;
  /** {@code min(max(x, alpha), beta)}. */
  public static final int CLIP = 34;
  public static final int SQUARE = 35;
  /** Number of map codes. */
  public static final int MAP_COUNT = 36;

  // Reductions: reduce() folds a run to one value, accumulate() folds a run into acc lane-wise.
  public static final int R_SUM = 0;
  public static final int R_SUM_SQUARE = 1;
  public static final int R_SUM_ABS = 2;
  public static final int R_MAX = 3;
  public static final int R_MIN = 4;
  public static final int R_PROD = 5;

  /** Implemented only inside the engine. */
  VectorMath() {}

  private static final class Holder {
    static final VectorMath INSTANCE =
        Kernels.select(VectorMath.class, "SimdVectorMath", new VectorMathScalar());
  }

  /** The implementation in use (SIMD when available, see {@link Kernels}). */
  public static VectorMath get() {
    return Holder.INSTANCE;
  }

  /** {@code out[oOff+i] = a[aOff+i] op b[bOff+i]} for {@code i < n}. */
  public abstract void binary(int op, float[] a, int aOff, float[] b, int bOff, float[] out,
      int oOff, int n);

  /** {@code out[oOff+i] = a[aOff+i] op b}: the right operand is one value. */
  public abstract void binaryScalarRight(int op, float[] a, int aOff, float b, float[] out,
      int oOff, int n);

  /** {@code out[oOff+i] = a op b[bOff+i]}: the left operand is one value. */
  public abstract void binaryScalarLeft(int op, float a, float[] b, int bOff, float[] out,
      int oOff, int n);

  /** {@code out[oOff+i] = f(x[xOff+i])} with the map {@code op} and its parameters. */
  public abstract void map(int op, float alpha, float beta, float[] x, int xOff, float[] out,
      int oOff, int n);

  /**
   * Folds {@code x[off, off+n)} with the reduction {@code op}: the sum (of squares, of absolute
   * values), the maximum or minimum (NaN if any is NaN) or the product. The empty run gives the
   * identity (0, 1, -infinity, +infinity). The order of accumulation is the implementation's.
   */
  public abstract float reduce(int op, float[] x, int off, int n);

  /**
   * {@code acc[accOff+i] = acc[accOff+i] op g(x[xOff+i])} lane-wise, where g squares or takes the
   * absolute value for R_SUM_SQUARE and R_SUM_ABS; exactly the scalar result for every op.
   */
  public abstract void accumulate(int op, float[] x, int xOff, float[] acc, int accOff, int n);

  /** The sum of {@code exp(x[off+i] - shift)}; the softmax and log-sum-exp denominator. */
  public abstract float sumExp(float[] x, int off, float shift, int n);

  /** Writes {@code out[oOff+i] = exp(x[xOff+i] - shift)} and returns the sum of what it wrote. */
  public abstract float expShifted(float[] x, int xOff, float shift, float[] out, int oOff, int n);

  /** {@code out = exp(x)} over a run. */
  public final void exp(float[] x, int xOff, float[] out, int oOff, int n) {
    map(EXP, 0, 0, x, xOff, out, oOff, n);
  }

  /** {@code out = 1 / (1 + exp(-x))} over a run. */
  public final void sigmoid(float[] x, int xOff, float[] out, int oOff, int n) {
    map(SIGMOID, 0, 0, x, xOff, out, oOff, n);
  }

  /** {@code out = tanh(x)} over a run. */
  public final void tanh(float[] x, int xOff, float[] out, int oOff, int n) {
    map(TANH, 0, 0, x, xOff, out, oOff, n);
  }
}
