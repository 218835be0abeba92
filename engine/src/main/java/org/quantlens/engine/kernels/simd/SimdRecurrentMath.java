package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.RnnActivation;

/**
 * Vector exp, sigmoid and tanh over arrays for the recurrent cells, written with plain arithmetic:
 * the Vector API's TANH is slow on JDK 17 (measured 2.5 ns per element against 0.8 here), and
 * where no short vector math library is available (non-x86) its EXP and TANH fall back to scalar
 * code per lane. Range reduction {@code x = k ln2 + r}, {@code |r| <= ln2/2}, then a degree-7
 * Taylor polynomial for {@code e^r - 1}, whose truncation error (below 2e-8 relative) is under a
 * quarter ulp. Elements past the last full vector are computed in double, as the scalar
 * reference does.
 *
 * <p>Measured against Math.exp/Math.tanh in double over [-100, 100] (RecurrentMathTest): relative
 * error at most 3e-7 (about 2.5 ulp) wherever the true value is a normal float; results
 * that would be subnormal may flush towards zero (absolute error below 1.2e-38). NaN gives NaN,
 * {@code exp(+Inf) = +Inf}, {@code exp(-Inf) = 0}, {@code sigmoid(+-Inf) = 1, 0},
 * {@code tanh(+-Inf) = +-1}, {@code tanh(-0) = -0}.
 */
public final class SimdRecurrentMath {
  static final VectorSpecies<Float> S = SimdInfo.F;
  private static final int L = S.length();

  private static final float LOG2E = 1.44269504088896341f;
  // ln2 split so that n * LN2_HI is exact for |n| < 2^11 (Cody and Waite)
  private static final float LN2_HI = 0.693145751953125f;
  private static final float LN2_LO = 1.42860682030941723212e-6f;
  // adding 1.5 * 2^23 rounds a float of magnitude < 2^22 to an integer, held in the low bits
  private static final float MAGIC = 12582912f;
  private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);

  private SimdRecurrentMath() {}

  // No helper method here takes or returns a vector, however small: a call C2 does not inline
  // boxes its vectors, and once a compilation reaches its node budget (NodeCountInliningCutoff,
  // easily hit when sigmoid and tanh are inlined into one caller) it stops inlining our methods
  // while still inlining the Vector API's own (@ForceInline). Measured on an LSTM: 40% of the
  // time in boxed vector operations with helpers, none without. Methods taking arrays are safe
  // to leave un-inlined.

  /** {@code dst[dOff + i] = e^src[sOff + i]} for {@code i < n}. */
  public static void exp(float[] src, int sOff, float[] dst, int dOff, int n) {
    int bound = S.loopBound(n);
    int j = 0;
    FloatVector ln2hi = FloatVector.broadcast(S, -LN2_HI);
    FloatVector c5 = FloatVector.broadcast(S, 1f / 120);
    FloatVector c4 = FloatVector.broadcast(S, 1f / 24);
    FloatVector c3 = FloatVector.broadcast(S, 1f / 6);
    FloatVector c2 = FloatVector.broadcast(S, 0.5f);
    for (; j < bound; j += L) {
      // clamping keeps n in [-150, 129]; beyond, the result is 0 or +Inf anyway (max/min keep NaN)
      FloatVector x = FloatVector.fromArray(S, src, sOff + j).max(-104f).min(89f);
      FloatVector t = x.fma(LOG2E, MAGIC);
      FloatVector nf = t.sub(MAGIC);
      IntVector k = t.reinterpretAsInts().sub(MAGIC_BITS);
      FloatVector r = nf.fma(ln2hi, x).add(nf.mul(-LN2_LO));
      FloatVector q = r.fma(1f / 5040, 1f / 720);
      q = q.fma(r, c5);
      q = q.fma(r, c4);
      q = q.fma(r, c3);
      q = q.fma(r, c2);
      FloatVector p = r.mul(r).fma(q, r).add(1f);
      // 2^k in two factors so both stay normal floats; the product over- or underflows correctly
      IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
      FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
      FloatVector s2 = k.sub(k1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
      p.mul(s1).mul(s2).intoArray(dst, dOff + j);
    }
    for (; j < n; j++) {
      dst[dOff + j] = (float) Math.exp(src[sOff + j]);
    }
  }

  /** {@code dst[dOff + i] = 1 / (1 + e^-src[sOff + i])} for {@code i < n} (may be in place). */
  public static void sigmoid(float[] src, int sOff, float[] dst, int dOff, int n) {
    int bound = S.loopBound(n);
    int j = 0;
    FloatVector ln2hi = FloatVector.broadcast(S, -LN2_HI);
    FloatVector c5 = FloatVector.broadcast(S, 1f / 120);
    FloatVector c4 = FloatVector.broadcast(S, 1f / 24);
    FloatVector c3 = FloatVector.broadcast(S, 1f / 6);
    FloatVector c2 = FloatVector.broadcast(S, 0.5f);
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (; j < bound; j += L) {
      // e^-x for -x in [-88, 89], so k in [-127, 128] needs one power of two: 2^-127 flushes
      // to 0 (sigmoid 1), 2^128 is +Inf (sigmoid 0); true results there are below 1.2e-38 from it
      FloatVector x = FloatVector.fromArray(S, src, sOff + j).neg().max(-88f).min(89f);
      FloatVector t = x.fma(LOG2E, MAGIC);
      FloatVector nf = t.sub(MAGIC);
      IntVector k = t.reinterpretAsInts().sub(MAGIC_BITS);
      FloatVector r = nf.fma(ln2hi, x).add(nf.mul(-LN2_LO));
      FloatVector q = r.fma(1f / 5040, 1f / 720);
      q = q.fma(r, c5);
      q = q.fma(r, c4);
      q = q.fma(r, c3);
      q = q.fma(r, c2);
      // 2^k from its bits: k = -127 gives 0, k = 128 gives +Inf
      FloatVector s = k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
      FloatVector e = r.mul(r).fma(q, r).add(1f).mul(s);
      one.div(e.add(1f)).intoArray(dst, dOff + j);
    }
    for (; j < n; j++) {
      dst[dOff + j] = RnnActivation.sigmoid(src[sOff + j]);
    }
  }

  /**
   * {@code dst[dOff + i] = tanh(src[sOff + i])} for {@code i < n} (may be in place), as
   * {@code -E / (E + 2)} with {@code E = e^(-2|x|) - 1} computed as {@code 2^k (e^r - 1) + (2^k -
   * 1)}, so that small |x| keeps full relative precision; the sign of x is put back at the end.
   */
  public static void tanh(float[] src, int sOff, float[] dst, int dOff, int n) {
    int bound = S.loopBound(n);
    int j = 0;
    FloatVector ln2hi = FloatVector.broadcast(S, -LN2_HI);
    FloatVector c5 = FloatVector.broadcast(S, 1f / 120);
    FloatVector c4 = FloatVector.broadcast(S, 1f / 24);
    FloatVector c3 = FloatVector.broadcast(S, 1f / 6);
    FloatVector c2 = FloatVector.broadcast(S, 0.5f);
    for (; j < bound; j += L) {
      FloatVector x = FloatVector.fromArray(S, src, sOff + j);
      // tanh(10) rounds to 1 in float: clamp there (max keeps NaN)
      FloatVector y = x.abs().mul(-2f).max(-20f);
      FloatVector t = y.fma(LOG2E, MAGIC);
      FloatVector nf = t.sub(MAGIC);
      IntVector k = t.reinterpretAsInts().sub(MAGIC_BITS);
      FloatVector r = nf.fma(ln2hi, y).add(nf.mul(-LN2_LO));
      FloatVector q = r.fma(1f / 5040, 1f / 720);
      q = q.fma(r, c5);
      q = q.fma(r, c4);
      q = q.fma(r, c3);
      q = q.fma(r, c2);
      FloatVector s = k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
      FloatVector e = s.fma(r.mul(r).fma(q, r), s.sub(1f));
      FloatVector th = e.div(e.add(2f)).abs();
      IntVector sign = x.reinterpretAsInts().and(0x80000000);
      th.reinterpretAsInts().or(sign).reinterpretAsFloats().intoArray(dst, dOff + j);
    }
    for (; j < n; j++) {
      dst[dOff + j] = RnnActivation.tanh(src[sOff + j]);
    }
  }
}
