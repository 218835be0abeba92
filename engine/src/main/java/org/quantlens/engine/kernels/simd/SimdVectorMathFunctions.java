package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.VectorMathScalar;

/**
 * Polynomial exp, expm1, tanh, sigmoid and erf on float vectors. Measured on the 2-core AVX2
 * machine, JDK 17, 4096 floats (noisy, shared): exp ~0.7-1.6 ns/element, the lanewise EXP operator
 * (an SVML stub there) ~0.7-1.0; tanh ~2.0 vs lanewise TANH ~2.7; erf ~2.2 (there is no lanewise
 * ERF on JDK 17); scalar Math.exp ~40. Where no SVML stub exists (other OSes and CPUs) the lanewise
 * operators become a scalar call per lane, so the polynomials are the portable choice, with an
 * error bound we state and test. Coefficients are our own fits (weighted least squares iterated
 * toward minimax against 40-digit references) on the stated intervals. Errors against the
 * float-rounded double reference, measured by {@code VectorMathTest}: exp 1 ulp, sigmoid 2 ulp,
 * tanh 2 ulp, erf below 2.5e-7 absolute; against the unrounded double reference
 * ({@code SimdVectorMathFunctionsTest}) exp, sigmoid and tanh stay within 3e-7 relative wherever the
 * true value is a normal float, tiny and subnormal arguments included.
 *
 * <p>These are the operators' exp, sigmoid and tanh ({@code SimdVectorMath}); the gates of the
 * recurrent cells use the cheaper rational forms of {@link SimdGateActivations}, whose sigmoid
 * gives up relative accuracy for its tiny values. The loops must stay array-taking: a
 * vector-taking method that C2 does not inline boxes its vectors, and a caller running several of
 * these loops may hit the inlining node budget (NodeCountInliningCutoff).
 */
final class SimdVectorMathFunctions {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();

  // exp(r) = 1 + r + r^2 * Q(r) on |r| <= ln(2)/2; Q's relative error 1.3e-7, so exp's < 1e-8.
  private static final float E0 = 0.5f;
  private static final float E1 = 0.16666577756404877f;
  private static final float E2 = 0.04166685417294502f;
  private static final float E3 = 0.008363140746951103f;
  private static final float E4 = 0.0013901243219152093f;
  private static final float LOG2E = 1.4426950216293335f;
  private static final float LN2_HI = 0.6931471824645996f;
  private static final float LN2_LO = -1.9046542121259336e-09f;
  /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer. */
  private static final float ROUND_MAGIC = 12582912f;
  private static final int ROUND_MAGIC_BITS = 0x4B400000;
  /** ln(2)/2: below it exp's reduction leaves r == x, so expm1 can skip the cancellation. */
  private static final float HALF_LN2 = 0.34657359f;

  // erf(x) = x * P(x^2) on |x| < 1 (relative error 4e-8);
  // erf(x) = 1 - exp(-x^2) * Q(1/x) on [1, 4] (Q's relative error 2.8e-7 in float arithmetic),
  // and 1 from 4 on (erfc(4) = 1.5e-8 rounds away).
  private static final float P0 = 1.1283791065216064f;
  private static final float P1 = -0.37612324953079224f;
  private static final float P2 = 0.11280179768800735f;
  private static final float P3 = -0.02671130560338497f;
  private static final float P4 = 0.004917543847113848f;
  private static final float P5 = -0.0005631388630717993f;
  private static final float Q0 = 0.000253146979957819f;
  private static final float Q1 = 0.5593149065971375f;
  private static final float Q2 = 0.040165919810533524f;
  private static final float Q3 = -0.4646913707256317f;
  private static final float Q4 = 0.48099637031555176f;
  private static final float Q5 = -0.21915198862552643f;
  private static final float Q6 = 0.004099518526345491f;
  private static final float Q7 = 0.037964481860399246f;
  private static final float Q8 = -0.011367470026016235f;

  private SimdVectorMathFunctions() {}

  /** exp(r) - 1 - r, divided by r^2 (the polynomial Q). */
  private static FloatVector expQ(FloatVector r) {
    return r.fma(E4, E3).fma(r, FloatVector.broadcast(F, E2))
        .fma(r, FloatVector.broadcast(F, E1)).fma(r, FloatVector.broadcast(F, E0));
  }

  /**
   * e^x: x = n ln2 + r, e^r by polynomial, times 2^n built in two halves so that results down to
   * the subnormals (and overflow to infinity) come out right. NaN propagates through the clamps.
   */
  static FloatVector exp(FloatVector x) {
    FloatVector xc = x.max(-104f).min(89f);
    FloatVector t = xc.fma(LOG2E, ROUND_MAGIC);
    FloatVector n = t.sub(ROUND_MAGIC);
    FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
    r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
    FloatVector p = r.mul(r).fma(expQ(r), r).add(1f);
    IntVector ni = t.viewAsIntegralLanes().sub(ROUND_MAGIC_BITS);
    IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
    IntVector n2 = ni.sub(n1);
    FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
    FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
    return p.mul(s1).mul(s2);
  }

  /** e^x - 1 without cancellation near zero. */
  static FloatVector expm1(FloatVector x) {
    FloatVector small = x.mul(x).fma(expQ(x), x);
    FloatVector big = exp(x).sub(1f);
    return big.blend(small, x.abs().compare(VectorOperators.LT, HALF_LN2));
  }

  static FloatVector erf(FloatVector x) {
    FloatVector a = x.abs();
    FloatVector z = x.mul(x);
    FloatVector p = z.fma(P5, P4).fma(z, FloatVector.broadcast(F, P3))
        .fma(z, FloatVector.broadcast(F, P2)).fma(z, FloatVector.broadcast(F, P1))
        .fma(z, FloatVector.broadcast(F, P0));
    FloatVector small = x.mul(p);
    FloatVector ac = a.max(1f).min(4f);
    FloatVector t = FloatVector.broadcast(F, 1f).div(ac);
    FloatVector q = t.fma(Q8, Q7).fma(t, FloatVector.broadcast(F, Q6))
        .fma(t, FloatVector.broadcast(F, Q5)).fma(t, FloatVector.broadcast(F, Q4))
        .fma(t, FloatVector.broadcast(F, Q3)).fma(t, FloatVector.broadcast(F, Q2))
        .fma(t, FloatVector.broadcast(F, Q1)).fma(t, FloatVector.broadcast(F, Q0));
    FloatVector big = exp(ac.mul(ac).neg()).neg().fma(q, FloatVector.broadcast(F, 1f));
    // NaN stays NaN: the clamps keep it (Math.max/min semantics) and the mask below is false.
    FloatVector signed = big.viewAsIntegralLanes()
        .or(x.viewAsIntegralLanes().and(0x80000000)).viewAsFloatingLanes();
    return signed.blend(small, a.compare(VectorOperators.LT, 1f));
  }

  static void expLoop(float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      exp(FloatVector.fromArray(F, x, xo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = (float) Math.exp(x[xo + i]);
    }
  }

  // sigmoidLoop and tanhLoop spell exp out instead of calling exp(FloatVector): when the recurrent
  // cells ran these loops (until session 19), inlining several of them reached C2's node budget
  // (NodeCountInliningCutoff), past which our vector-taking helpers stayed calls and boxed their
  // vectors (an LSTM cell 4x slower). Kept so: any caller may inline them. The arithmetic is
  // exp's, op for op, so the stated errors hold.

  /**
   * 1 / (1 + e^-x), with e = e^-|x| so that it never overflows: e / (1 + e) for negative x, one
   * division either way (a reciprocal times e would round twice); subnormal results come out
   * right because 2^n is applied in two halves.
   */
  static void sigmoidLoop(float[] x, int xo, float[] o, int oo, int n) {
    FloatVector one = FloatVector.broadcast(F, 1f);
    FloatVector ln2hi = FloatVector.broadcast(F, -LN2_HI);
    FloatVector ln2lo = FloatVector.broadcast(F, -LN2_LO);
    FloatVector e1 = FloatVector.broadcast(F, E1);
    FloatVector e0 = FloatVector.broadcast(F, E0);
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      FloatVector xc = v.abs().neg().max(-104f); // max keeps NaN
      FloatVector t = xc.fma(LOG2E, ROUND_MAGIC);
      FloatVector nf = t.sub(ROUND_MAGIC);
      FloatVector r = nf.fma(ln2hi, xc);
      r = nf.fma(ln2lo, r);
      FloatVector q = r.fma(E4, E3).fma(r, FloatVector.broadcast(F, E2)).fma(r, e1).fma(r, e0);
      FloatVector p = r.mul(r).fma(q, r).add(1f);
      IntVector ni = t.viewAsIntegralLanes().sub(ROUND_MAGIC_BITS);
      IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
      FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
      FloatVector s2 = ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
      FloatVector e = p.mul(s1).mul(s2);
      one.blend(e, v.compare(VectorOperators.LT, 0f)).div(e.add(1f)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = (float) (1.0 / (1.0 + Math.exp(-x[xo + i])));
    }
  }

  /**
   * tanh(|x|) = m / (m + 2) with m = e^{2|x|} - 1, then the sign of x. m comes from exp's own
   * reduction 2|x| = n ln2 + r: m = 2^n (e^r - 1) + (2^n - 1), with e^r - 1 = r + r^2 Q(r) (no
   * cancellation, so tiny and subnormal x come out right and no second polynomial is needed).
   * 2|x| is clamped to 20 (tanh(10) rounds to 1), so one power of two suffices. Against Math.tanh
   * rounded to float: at most 2 ulp (1.8e-7 relative, the worst near |x| = 0.2); the former
   * two-branch form (odd polynomial below 0.55) had 1 ulp at about 1.5 times the cost.
   */
  static void tanhLoop(float[] x, int xo, float[] o, int oo, int n) {
    FloatVector two = FloatVector.broadcast(F, 2f);
    FloatVector ln2hi = FloatVector.broadcast(F, -LN2_HI);
    FloatVector ln2lo = FloatVector.broadcast(F, -LN2_LO);
    FloatVector e2 = FloatVector.broadcast(F, E2);
    FloatVector e1 = FloatVector.broadcast(F, E1);
    FloatVector e0 = FloatVector.broadcast(F, E0);
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      FloatVector y = v.abs().mul(2f).min(20f); // min keeps NaN
      FloatVector t = y.fma(LOG2E, ROUND_MAGIC);
      FloatVector nf = t.sub(ROUND_MAGIC);
      FloatVector r = nf.fma(ln2hi, y);
      r = nf.fma(ln2lo, r);
      FloatVector q = r.fma(E4, E3).fma(r, e2).fma(r, e1).fma(r, e0);
      FloatVector em1r = r.mul(r).fma(q, r);
      FloatVector s = t.viewAsIntegralLanes().sub(ROUND_MAGIC_BITS - 127)
          .lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
      FloatVector m = s.fma(em1r, s.sub(1f));
      // m / (m + 2) >= 0 (or NaN), so OR-ing in the sign bit of the argument is copySign
      m.div(m.add(two)).viewAsIntegralLanes().or(v.viewAsIntegralLanes().and(0x80000000))
          .viewAsFloatingLanes().intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = (float) Math.tanh(x[xo + i]);
    }
  }

  static void erfLoop(float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      erf(FloatVector.fromArray(F, x, xo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = (float) VectorMathScalar.erf(x[xo + i]);
    }
  }

  static void eluLoop(float alpha, float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      expm1(v).mul(alpha).blend(v, v.compare(VectorOperators.GE, 0f)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = VectorMathScalar.mapOne(VectorMathScalar.ELU, alpha, 0, x[xo + i]);
    }
  }

  static void seluLoop(float alpha, float gamma, float[] x, int xo, float[] o, int oo, int n) {
    float ga = gamma * alpha;
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      expm1(v).mul(ga).blend(v.mul(gamma), v.compare(VectorOperators.GT, 0f)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = VectorMathScalar.mapOne(VectorMathScalar.SELU, alpha, gamma, x[xo + i]);
    }
  }

  static void celuLoop(float alpha, float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      FloatVector neg = expm1(v.div(alpha)).mul(alpha).min(0f);
      v.max(0f).add(neg).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = VectorMathScalar.mapOne(VectorMathScalar.CELU, alpha, 0, x[xo + i]);
    }
  }

  /** Writes exp(x - shift) to {@code o} (unless null) and returns the sum. */
  static float expShifted(float[] x, int xo, float shift, float[] o, int oo, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector e = exp(FloatVector.fromArray(F, x, xo + i).sub(shift));
      if (o != null) {
        e.intoArray(o, oo + i);
      }
      acc = acc.add(e);
    }
    float s = SimdInfo.sumLanes(acc);
    for (; i < n; i++) {
      float e = (float) Math.exp(x[xo + i] - shift);
      if (o != null) {
        o[oo + i] = e;
      }
      s += e;
    }
    return s;
  }
}
