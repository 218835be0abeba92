package org.quantlens.engine.kernels;

/**
 * The scalar reference of {@link VectorMath}: plain loops, transcendental functions evaluated in
 * double precision and rounded once to float, sums accumulated in double. Every SIMD kernel is
 * tested against this class. {@link #apply} is the same math on doubles, for float64 and float16
 * tensors.
 */
public class VectorMathScalar extends VectorMath {
  private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
  private static final double SQRT_PI = 1.7724538509055159;

  /** The scalar reference (benchmarks and tests compare against it). */
  public VectorMathScalar() {}

  @Override
  public void binary(int op, float[] a, int aOff, float[] b, int bOff, float[] out, int oOff,
      int n) {
    switch (op) {
      case ADD:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = a[aOff + i] + b[bOff + i];
        }
        return;
      case SUB:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = a[aOff + i] - b[bOff + i];
        }
        return;
      case MUL:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = a[aOff + i] * b[bOff + i];
        }
        return;
      case DIV:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = a[aOff + i] / b[bOff + i];
        }
        return;
      default:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = binaryOne(op, a[aOff + i], b[bOff + i]);
        }
    }
  }

  @Override
  public void binaryScalarRight(int op, float[] a, int aOff, float b, float[] out, int oOff,
      int n) {
    switch (op) {
      case ADD:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = a[aOff + i] + b;
        }
        return;
      case MUL:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = a[aOff + i] * b;
        }
        return;
      default:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = binaryOne(op, a[aOff + i], b);
        }
    }
  }

  @Override
  public void binaryScalarLeft(int op, float a, float[] b, int bOff, float[] out, int oOff,
      int n) {
    for (int i = 0; i < n; i++) {
      out[oOff + i] = binaryOne(op, a, b[bOff + i]);
    }
  }

  /** One element of a binary op, in float arithmetic (the definition the SIMD kernels match). */
  public static float binaryOne(int op, float a, float b) {
    switch (op) {
      case ADD: return a + b;
      case SUB: return a - b;
      case MUL: return a * b;
      case DIV: return a / b;
      case MAX: return Math.max(a, b);
      case MIN: return Math.min(a, b);
      case POW: return pow(a, b);
      case FMOD: return a % b;
      case PRELU: return a < 0 ? a * b : a;
      default: throw new IllegalArgumentException("unknown binary op " + op);
    }
  }

  /** {@code a^b} rounded to float; squaring exactly when {@code b == 2} (same value, faster). */
  public static float pow(float a, float b) {
    return b == 2f ? a * a : (float) Math.pow(a, b);
  }

  @Override
  public void map(int op, float alpha, float beta, float[] x, int xOff, float[] out, int oOff,
      int n) {
    switch (op) {
      case RELU:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = Math.max(x[xOff + i], 0f);
        }
        return;
      case EXP:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = (float) Math.exp(x[xOff + i]);
        }
        return;
      case SIGMOID:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = (float) (1.0 / (1.0 + Math.exp(-x[xOff + i])));
        }
        return;
      case TANH:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = (float) Math.tanh(x[xOff + i]);
        }
        return;
      case CLIP:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = Math.min(Math.max(x[xOff + i], alpha), beta);
        }
        return;
      case LEAKY_RELU:
        for (int i = 0; i < n; i++) {
          float v = x[xOff + i];
          out[oOff + i] = v >= 0 ? v : v * alpha;
        }
        return;
      default:
        for (int i = 0; i < n; i++) {
          out[oOff + i] = mapOne(op, alpha, beta, x[xOff + i]);
        }
    }
  }

  /**
   * One element of a map: float arithmetic for the piecewise-linear ops (so SIMD can match them
   * bit for bit), double-precision functions rounded once for the transcendental ones.
   */
  public static float mapOne(int op, float alpha, float beta, float x) {
    switch (op) {
      case ABS: return Math.abs(x);
      case NEG: return -x;
      case SQRT: return (float) Math.sqrt(x);
      case RECIPROCAL: return 1f / x;
      case RELU: return Math.max(x, 0f);
      case LEAKY_RELU: return x >= 0 ? x : x * alpha;
      case HARD_SIGMOID: return Math.max(0f, Math.min(1f, alpha * x + beta));
      case HARD_SWISH: return x * Math.max(0f, Math.min(1f, x * (1f / 6f) + 0.5f));
      case SOFTSIGN: return x / (1f + Math.abs(x));
      case THRESHOLDED_RELU: return x <= alpha ? 0f : x;
      case CLIP: return Math.min(Math.max(x, alpha), beta);
      case SQUARE: return x * x;
      default: return (float) apply(op, alpha, beta, x);
    }
  }

  /** One element of a map in double precision: the definitions for float64 and float16 data. */
  public static double apply(int op, double alpha, double beta, double x) {
    switch (op) {
      case ABS: return Math.abs(x);
      case NEG: return -x;
      case SQRT: return Math.sqrt(x);
      case EXP: return Math.exp(x);
      case LOG: return Math.log(x);
      case RECIPROCAL: return 1.0 / x;
      case FLOOR: return Math.floor(x);
      case CEIL: return Math.ceil(x);
      case ROUND: return Math.rint(x);
      case SIGN: return Math.signum(x);
      case ERF: return erf(x);
      case SIN: return Math.sin(x);
      case COS: return Math.cos(x);
      case TAN: return Math.tan(x);
      case ASIN: return Math.asin(x);
      case ACOS: return Math.acos(x);
      case ATAN: return Math.atan(x);
      case SINH: return Math.sinh(x);
      case COSH: return Math.cosh(x);
      case ASINH: return asinh(x);
      case ACOSH: return acosh(x);
      case ATANH: return atanh(x);
      case RELU: return Math.max(x, 0.0);
      case LEAKY_RELU: return x >= 0 ? x : x * alpha;
      case SIGMOID: return 1.0 / (1.0 + Math.exp(-x));
      case TANH: return Math.tanh(x);
      case HARD_SIGMOID: return Math.max(0.0, Math.min(1.0, alpha * x + beta));
      case HARD_SWISH: return x * Math.max(0.0, Math.min(1.0, x / 6.0 + 0.5));
      case ELU: return x >= 0 ? x : alpha * Math.expm1(x);
      case SELU: return x > 0 ? beta * x : beta * alpha * Math.expm1(x);
      case CELU: return Math.max(0.0, x) + Math.min(0.0, alpha * Math.expm1(x / alpha));
      case SOFTPLUS: return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
      case SOFTSIGN: return x / (1.0 + Math.abs(x));
      case THRESHOLDED_RELU: return x <= alpha ? 0.0 : x;
      case CLIP: return Math.min(Math.max(x, alpha), beta);
      case SQUARE: return x * x;
      default: throw new IllegalArgumentException("unknown map op " + op);
    }
  }

  /**
   * The error function in double precision (about 1e-15 relative): its Maclaurin series below
   * 2.5, where the largest term is under e^6.25 so little is cancelled, and the continued fraction
   * of erfc above, which converges fast there.
   */
  public static double erf(double x) {
    double ax = Math.abs(x);
    if (ax < 2.5) {
      double x2 = x * x;
      double term = x;
      double sum = x;
      for (int k = 1; k < 200; k++) {
        term *= -x2 / k;
        double t = term / (2 * k + 1);
        sum += t;
        if (Math.abs(t) <= 1e-17 * Math.abs(sum)) {
          break;
        }
      }
      return sum * TWO_OVER_SQRT_PI;
    }
    if (ax >= 6.5) {
      return Math.copySign(1.0, x); // erfc(6.5) < 4e-20: below half an ulp of 1
    }
    // erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))).
    double t = ax;
    for (int k = 80; k >= 1; k--) {
      t = ax + (k * 0.5) / t;
    }
    double erfc = Math.exp(-ax * ax) / (SQRT_PI * t);
    return Math.copySign(1.0 - erfc, x);
  }

  /** Inverse hyperbolic sine, accurate near zero (via log1p). */
  public static double asinh(double x) {
    double a = Math.abs(x);
    double r = a > 1e150 ? Math.log(a) + Math.log(2.0)
        : Math.log1p(a + a * a / (1.0 + Math.sqrt(1.0 + a * a)));
    return Math.copySign(r, x);
  }

  /** Inverse hyperbolic cosine; NaN below 1. */
  public static double acosh(double x) {
    if (x > 1e150) {
      return Math.log(x) + Math.log(2.0);
    }
    double t = x - 1.0;
    return Math.log1p(t + Math.sqrt(t * (x + 1.0)));
  }

  /** Inverse hyperbolic tangent; NaN outside [-1, 1], infinite at +-1. */
  public static double atanh(double x) {
    double a = Math.abs(x);
    return Math.copySign(0.5 * Math.log1p(2.0 * a / (1.0 - a)), x);
  }

  @Override
  public float reduce(int op, float[] x, int off, int n) {
    switch (op) {
      case R_SUM: {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += x[off + i];
        }
        return (float) s;
      }
      case R_SUM_SQUARE: {
        double s = 0;
        for (int i = 0; i < n; i++) {
          double v = x[off + i];
          s += v * v;
        }
        return (float) s;
      }
      case R_SUM_ABS: {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += Math.abs(x[off + i]);
        }
        return (float) s;
      }
      case R_MAX: {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
          m = Math.max(m, x[off + i]);
        }
        return m;
      }
      case R_MIN: {
        float m = Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
          m = Math.min(m, x[off + i]);
        }
        return m;
      }
      case R_PROD: {
        double p = 1;
        for (int i = 0; i < n; i++) {
          p *= x[off + i];
        }
        return (float) p;
      }
      default:
        throw new IllegalArgumentException("unknown reduction " + op);
    }
  }

  @Override
  public void accumulate(int op, float[] x, int xOff, float[] acc, int accOff, int n) {
    switch (op) {
      case R_SUM:
        for (int i = 0; i < n; i++) {
          acc[accOff + i] += x[xOff + i];
        }
        return;
      case R_SUM_SQUARE:
        for (int i = 0; i < n; i++) {
          float v = x[xOff + i];
          acc[accOff + i] += v * v;
        }
        return;
      case R_SUM_ABS:
        for (int i = 0; i < n; i++) {
          acc[accOff + i] += Math.abs(x[xOff + i]);
        }
        return;
      case R_MAX:
        for (int i = 0; i < n; i++) {
          acc[accOff + i] = Math.max(acc[accOff + i], x[xOff + i]);
        }
        return;
      case R_MIN:
        for (int i = 0; i < n; i++) {
          acc[accOff + i] = Math.min(acc[accOff + i], x[xOff + i]);
        }
        return;
      case R_PROD:
        for (int i = 0; i < n; i++) {
          acc[accOff + i] *= x[xOff + i];
        }
        return;
      default:
        throw new IllegalArgumentException("unknown reduction " + op);
    }
  }

  @Override
  public float sumExp(float[] x, int off, float shift, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += (float) Math.exp(x[off + i] - shift);
    }
    return (float) s;
  }

  @Override
  public float expShifted(float[] x, int xOff, float shift, float[] out, int oOff, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      float e = (float) Math.exp(x[xOff + i] - shift);
      out[oOff + i] = e;
      s += e;
    }
    return (float) s;
  }
}
