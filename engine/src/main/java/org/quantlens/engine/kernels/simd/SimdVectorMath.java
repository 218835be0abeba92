package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.VectorMathScalar;

/**
 * SIMD {@link org.quantlens.engine.kernels.VectorMath}: one plain vector loop per operation with a
 * scalar tail, and the polynomial exp/tanh/erf of {@link SimdVectorMathFunctions}. Operations it
 * does not vectorize (POW, FMOD, trigonometry, LOG, SOFTPLUS) fall back to
 * the scalar reference it extends. Tails reuse the reference's float definitions, so the
 * piecewise-linear ops are bit-exact with it.
 */
public final class SimdVectorMath extends VectorMathScalar {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();

  @Override
  public void binary(int op, float[] a, int aOff, float[] b, int bOff, float[] out, int oOff,
      int n) {
    switch (op) {
      case ADD: addVV(a, aOff, b, bOff, out, oOff, n); return;
      case SUB: subVV(a, aOff, b, bOff, out, oOff, n); return;
      case MUL: mulVV(a, aOff, b, bOff, out, oOff, n); return;
      case DIV: divVV(a, aOff, b, bOff, out, oOff, n); return;
      case MAX: maxVV(a, aOff, b, bOff, out, oOff, n); return;
      case MIN: minVV(a, aOff, b, bOff, out, oOff, n); return;
      case PRELU: preluVV(a, aOff, b, bOff, out, oOff, n); return;
      default: super.binary(op, a, aOff, b, bOff, out, oOff, n);
    }
  }

  @Override
  public void binaryScalarRight(int op, float[] a, int aOff, float b, float[] out, int oOff,
      int n) {
    switch (op) {
      case ADD: addVS(a, aOff, b, out, oOff, n); return;
      case SUB: addVS(a, aOff, -b, out, oOff, n); return; // a - b == a + (-b) exactly
      case MUL: mulVS(a, aOff, b, out, oOff, n); return;
      case DIV: divVS(a, aOff, b, out, oOff, n); return;
      case MAX: maxVS(a, aOff, b, out, oOff, n); return;
      case MIN: minVS(a, aOff, b, out, oOff, n); return;
      case PRELU: map(LEAKY_RELU, b, 0, a, aOff, out, oOff, n); return;
      case POW:
        if (b == 2f) {
          map(SQUARE, 0, 0, a, aOff, out, oOff, n);
          return;
        }
        super.binaryScalarRight(op, a, aOff, b, out, oOff, n);
        return;
      default: super.binaryScalarRight(op, a, aOff, b, out, oOff, n);
    }
  }

  @Override
  public void binaryScalarLeft(int op, float a, float[] b, int bOff, float[] out, int oOff,
      int n) {
    switch (op) {
      case ADD: addVS(b, bOff, a, out, oOff, n); return;
      case MUL: mulVS(b, bOff, a, out, oOff, n); return;
      case MAX: maxVS(b, bOff, a, out, oOff, n); return;
      case MIN: minVS(b, bOff, a, out, oOff, n); return;
      case SUB: subSV(a, b, bOff, out, oOff, n); return;
      case DIV: divSV(a, b, bOff, out, oOff, n); return;
      default: super.binaryScalarLeft(op, a, b, bOff, out, oOff, n);
    }
  }

  // ---- binary loops: vector-vector ----

  private static void addVV(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).add(FloatVector.fromArray(F, b, bo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = a[ao + i] + b[bo + i];
    }
  }

  private static void subVV(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).sub(FloatVector.fromArray(F, b, bo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = a[ao + i] - b[bo + i];
    }
  }

  private static void mulVV(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).mul(FloatVector.fromArray(F, b, bo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = a[ao + i] * b[bo + i];
    }
  }

  private static void divVV(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).div(FloatVector.fromArray(F, b, bo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = a[ao + i] / b[bo + i];
    }
  }

  private static void maxVV(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).max(FloatVector.fromArray(F, b, bo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = Math.max(a[ao + i], b[bo + i]);
    }
  }

  private static void minVV(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).min(FloatVector.fromArray(F, b, bo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = Math.min(a[ao + i], b[bo + i]);
    }
  }

  private static void preluVV(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector x = FloatVector.fromArray(F, a, ao + i);
      FloatVector s = FloatVector.fromArray(F, b, bo + i);
      x.blend(x.mul(s), x.compare(VectorOperators.LT, 0f)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      float x = a[ao + i];
      o[oo + i] = x < 0 ? x * b[bo + i] : x;
    }
  }

  // ---- binary loops: one side a scalar ----

  private static void addVS(float[] a, int ao, float b, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).add(b).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = a[ao + i] + b;
    }
  }

  private static void mulVS(float[] a, int ao, float b, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).mul(b).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = a[ao + i] * b;
    }
  }

  private static void divVS(float[] a, int ao, float b, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).div(b).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = a[ao + i] / b;
    }
  }

  private static void maxVS(float[] a, int ao, float b, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).max(b).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = Math.max(a[ao + i], b);
    }
  }

  private static void minVS(float[] a, int ao, float b, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, a, ao + i).min(b).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = Math.min(a[ao + i], b);
    }
  }

  private static void subSV(float a, float[] b, int bo, float[] o, int oo, int n) {
    FloatVector va = FloatVector.broadcast(F, a);
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      va.sub(FloatVector.fromArray(F, b, bo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = a - b[bo + i];
    }
  }

  private static void divSV(float a, float[] b, int bo, float[] o, int oo, int n) {
    FloatVector va = FloatVector.broadcast(F, a);
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      va.div(FloatVector.fromArray(F, b, bo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = a / b[bo + i];
    }
  }

  // ---- maps ----

  @Override
  public void map(int op, float alpha, float beta, float[] x, int xOff, float[] out, int oOff,
      int n) {
    switch (op) {
      case RELU: relu(x, xOff, out, oOff, n); return;
      case LEAKY_RELU: leakyRelu(alpha, x, xOff, out, oOff, n); return;
      case CLIP: clip(alpha, beta, x, xOff, out, oOff, n); return;
      case EXP: SimdVectorMathFunctions.expLoop(x, xOff, out, oOff, n); return;
      case SIGMOID: SimdVectorMathFunctions.sigmoidLoop(x, xOff, out, oOff, n); return;
      case TANH: SimdVectorMathFunctions.tanhLoop(x, xOff, out, oOff, n); return;
      case ERF: SimdVectorMathFunctions.erfLoop(x, xOff, out, oOff, n); return;
      case ELU: SimdVectorMathFunctions.eluLoop(alpha, x, xOff, out, oOff, n); return;
      case SELU: SimdVectorMathFunctions.seluLoop(alpha, beta, x, xOff, out, oOff, n); return;
      case CELU: SimdVectorMathFunctions.celuLoop(alpha, x, xOff, out, oOff, n); return;
      case ABS: case NEG: case SQRT: case RECIPROCAL: case SQUARE:
        simple(op, x, xOff, out, oOff, n);
        return;
      case FLOOR: case CEIL: case ROUND: case SIGN: rounding(op, x, xOff, out, oOff, n); return;
      case HARD_SIGMOID: hardSigmoid(alpha, beta, x, xOff, out, oOff, n); return;
      case HARD_SWISH: hardSwish(x, xOff, out, oOff, n); return;
      case SOFTSIGN: softsign(x, xOff, out, oOff, n); return;
      case THRESHOLDED_RELU: thresholdedRelu(alpha, x, xOff, out, oOff, n); return;
      default: super.map(op, alpha, beta, x, xOff, out, oOff, n);
    }
  }

  private static void relu(float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, x, xo + i).max(0f).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = Math.max(x[xo + i], 0f);
    }
  }

  private static void leakyRelu(float alpha, float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      v.blend(v.mul(alpha), v.compare(VectorOperators.LT, 0f)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      float v = x[xo + i];
      o[oo + i] = v >= 0 ? v : v * alpha;
    }
  }

  private static void clip(float lo, float hi, float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector.fromArray(F, x, xo + i).max(lo).min(hi).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = Math.min(Math.max(x[xo + i], lo), hi);
    }
  }

  private static void simple(int op, float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    int up = F.loopBound(n);
    switch (op) {
      case ABS:
        for (; i < up; i += L) {
          FloatVector.fromArray(F, x, xo + i).abs().intoArray(o, oo + i);
        }
        break;
      case NEG:
        for (; i < up; i += L) {
          FloatVector.fromArray(F, x, xo + i).neg().intoArray(o, oo + i);
        }
        break;
      case SQRT:
        for (; i < up; i += L) {
          FloatVector.fromArray(F, x, xo + i).sqrt().intoArray(o, oo + i);
        }
        break;
      case RECIPROCAL:
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (; i < up; i += L) {
          one.div(FloatVector.fromArray(F, x, xo + i)).intoArray(o, oo + i);
        }
        break;
      default: // SQUARE
        for (; i < up; i += L) {
          FloatVector v = FloatVector.fromArray(F, x, xo + i);
          v.mul(v).intoArray(o, oo + i);
        }
    }
    for (; i < n; i++) {
      o[oo + i] = mapOne(op, 0, 0, x[xo + i]);
    }
  }

  /**
   * Floor, ceil, round-half-even and sign, bit-exact with Math.floor/ceil/rint/signum. Below 2^23
   * in magnitude, adding and subtracting 2^23 rounds to an integer, ties to even; floor and ceil
   * then step by one where that went the wrong way. Larger values, infinities and NaN are already
   * integral (or NaN) and pass through. The results have the sign of x (or are a zero of its
   * sign), so OR-ing in x's sign bit also restores -0.
   */
  private static void rounding(int op, float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      FloatVector r;
      if (op == SIGN) {
        r = v.blend(1f, v.compare(VectorOperators.GT, 0f)).blend(-1f, v.compare(VectorOperators.LT, 0f));
      } else {
        FloatVector a = v.abs();
        r = withSignOf(a.add(0x1p23f).sub(0x1p23f), v);
        if (op == FLOOR) {
          r = r.sub(1f, r.compare(VectorOperators.GT, v));
        } else if (op == CEIL) {
          r = r.add(1f, r.compare(VectorOperators.LT, v));
        }
        r = withSignOf(r.blend(v, a.compare(VectorOperators.GE, 0x1p23f)
            .or(v.test(VectorOperators.IS_NAN))).abs(), v);
      }
      r.intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = mapOne(op, 0, 0, x[xo + i]);
    }
  }

  /** Non-negative {@code m} with the sign bit of {@code s} (copySign for m >= 0). */
  private static FloatVector withSignOf(FloatVector m, FloatVector s) {
    return m.viewAsIntegralLanes().or(s.viewAsIntegralLanes().and(0x80000000)).viewAsFloatingLanes();
  }

  private static void hardSigmoid(float alpha, float beta, float[] x, int xo, float[] o, int oo,
      int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      // mul then add, not fma: the same two roundings as the scalar definition
      FloatVector.fromArray(F, x, xo + i).mul(alpha).add(beta).min(1f).max(0f).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = mapOne(HARD_SIGMOID, alpha, beta, x[xo + i]);
    }
  }

  private static void hardSwish(float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      v.mul(v.mul(1f / 6f).add(0.5f).min(1f).max(0f)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = mapOne(HARD_SWISH, 0, 0, x[xo + i]);
    }
  }

  private static void softsign(float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      v.div(v.abs().add(1f)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = mapOne(SOFTSIGN, 0, 0, x[xo + i]);
    }
  }

  private static void thresholdedRelu(float alpha, float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      v.blend(0f, v.compare(VectorOperators.LE, alpha)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = mapOne(THRESHOLDED_RELU, alpha, 0, x[xo + i]);
    }
  }

  // ---- reductions ----

  @Override
  public float reduce(int op, float[] x, int off, int n) {
    switch (op) {
      case R_SUM: return sum(x, off, n);
      case R_SUM_SQUARE: return sumSquare(x, off, n);
      case R_SUM_ABS: return sumAbs(x, off, n);
      case R_MAX: return max(x, off, n);
      case R_MIN: return min(x, off, n);
      default: return super.reduce(op, x, off, n);
    }
  }

  private static float sum(float[] x, int off, int n) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    int i = 0;
    for (int up = n - 2 * L; i <= up; i += 2 * L) {
      a0 = a0.add(FloatVector.fromArray(F, x, off + i));
      a1 = a1.add(FloatVector.fromArray(F, x, off + i + L));
    }
    if (i + L <= n) {
      a0 = a0.add(FloatVector.fromArray(F, x, off + i));
      i += L;
    }
    float s = SimdInfo.sumLanes(a0.add(a1));
    for (; i < n; i++) {
      s += x[off + i];
    }
    return s;
  }

  private static float sumSquare(float[] x, int off, int n) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    int i = 0;
    for (int up = n - 2 * L; i <= up; i += 2 * L) {
      FloatVector v0 = FloatVector.fromArray(F, x, off + i);
      FloatVector v1 = FloatVector.fromArray(F, x, off + i + L);
      a0 = v0.fma(v0, a0);
      a1 = v1.fma(v1, a1);
    }
    if (i + L <= n) {
      FloatVector v0 = FloatVector.fromArray(F, x, off + i);
      a0 = v0.fma(v0, a0);
      i += L;
    }
    float s = SimdInfo.sumLanes(a0.add(a1));
    for (; i < n; i++) {
      s += x[off + i] * x[off + i];
    }
    return s;
  }

  private static float sumAbs(float[] x, int off, int n) {
    FloatVector a0 = FloatVector.zero(F);
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      a0 = a0.add(FloatVector.fromArray(F, x, off + i).abs());
    }
    float s = SimdInfo.sumLanes(a0);
    for (; i < n; i++) {
      s += Math.abs(x[off + i]);
    }
    return s;
  }

  private static float max(float[] x, int off, int n) {
    FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      m = m.max(FloatVector.fromArray(F, x, off + i));
    }
    float s = lanesMax(m);
    for (; i < n; i++) {
      s = Math.max(s, x[off + i]);
    }
    return s;
  }

  private static float min(float[] x, int off, int n) {
    FloatVector m = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      m = m.min(FloatVector.fromArray(F, x, off + i));
    }
    float s = m.test(VectorOperators.IS_NAN).anyTrue() ? Float.NaN : m.reduceLanes(VectorOperators.MIN);
    for (; i < n; i++) {
      s = Math.min(s, x[off + i]);
    }
    return s;
  }

  /** Lane maximum with Math.max semantics (NaN wins), whatever reduceLanes does with NaN. */
  private static float lanesMax(FloatVector m) {
    return m.test(VectorOperators.IS_NAN).anyTrue() ? Float.NaN : m.reduceLanes(VectorOperators.MAX);
  }

  @Override
  public void accumulate(int op, float[] x, int xOff, float[] acc, int accOff, int n) {
    int i = 0;
    int up = F.loopBound(n);
    switch (op) {
      case R_SUM:
        for (; i < up; i += L) {
          FloatVector.fromArray(F, acc, accOff + i).add(FloatVector.fromArray(F, x, xOff + i))
              .intoArray(acc, accOff + i);
        }
        break;
      case R_SUM_SQUARE:
        for (; i < up; i += L) {
          FloatVector v = FloatVector.fromArray(F, x, xOff + i);
          // mul then add (not fma): exactly the scalar result
          FloatVector.fromArray(F, acc, accOff + i).add(v.mul(v)).intoArray(acc, accOff + i);
        }
        break;
      case R_SUM_ABS:
        for (; i < up; i += L) {
          FloatVector.fromArray(F, acc, accOff + i).add(FloatVector.fromArray(F, x, xOff + i).abs())
              .intoArray(acc, accOff + i);
        }
        break;
      case R_MAX:
        for (; i < up; i += L) {
          FloatVector.fromArray(F, acc, accOff + i).max(FloatVector.fromArray(F, x, xOff + i))
              .intoArray(acc, accOff + i);
        }
        break;
      case R_MIN:
        for (; i < up; i += L) {
          FloatVector.fromArray(F, acc, accOff + i).min(FloatVector.fromArray(F, x, xOff + i))
              .intoArray(acc, accOff + i);
        }
        break;
      case R_PROD:
        for (; i < up; i += L) {
          FloatVector.fromArray(F, acc, accOff + i).mul(FloatVector.fromArray(F, x, xOff + i))
              .intoArray(acc, accOff + i);
        }
        break;
      default:
        throw new IllegalArgumentException("unknown reduction " + op);
    }
    if (i < n) {
      super.accumulate(op, x, xOff + i, acc, accOff + i, n - i);
    }
  }

  @Override
  public float sumExp(float[] x, int off, float shift, int n) {
    return SimdVectorMathFunctions.expShifted(x, off, shift, null, 0, n);
  }

  @Override
  public float expShifted(float[] x, int xOff, float shift, float[] out, int oOff, int n) {
    return SimdVectorMathFunctions.expShifted(x, xOff, shift, out, oOff, n);
  }
}
