package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sigmoid and tanh for the gates of recurrent cells: a rational function instead of the
 * exp-based forms of {@link SimdVectorMathFunctions}, with about two thirds of their operations.
 * At batch 64 the gates' sigmoid and tanh were 22% of an LSTM's time, nearly all the rest its
 * product (paired timings in benchmarks/NOTES.md, *Gate activations*).
 *
 * <p>{@code tanh(a) = a P(a^2) / Q(a^2)} on {@code |a| <= 9}, beyond which the form gives 1
 * (tanh(9) is 3.1e-8 below 1; it rounds to 1 from about 9.01 on), P and Q of degree 4 with
 * positive coefficients (our own fit, weighted least squares iterated toward minimax relative
 * error; in exact arithmetic its error is 2.1e-8). Evaluated in float, over every float
 * argument (checked once; {@code SimdGateActivationsTest} sweeps a sample), tanh is within 3.1e-7
 * absolute and relative (5 ulp, at |x| = 8.77) and sigmoid, as {@code 0.5 + 0.5 tanh(x / 2)},
 * within 1.8e-7 absolute. That is what a gate needs: its value multiplies a state or a product,
 * so absolute error is what carries. Relative accuracy for sigmoid's tiny values is what it gives
 * up; the Sigmoid and Tanh operators keep it with the exp-based forms. Results stay within
 * [-1, 1] and [0, 1], NaN propagates, and {@code tanh(-0) = -0}.
 *
 * <p>The scalar forms below do the same operations in the same order (fused multiply-adds where
 * the vectors fuse), so a unit gets the same bits whether it falls in a vector or in a loop's
 * tail: a recurrent step cut into pieces by units gives the bits of the whole step.
 */
final class SimdGateActivations {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();

  private static final float LIMIT = 9f;
  private static final float P1 = 0.13381188f;
  private static final float P2 = 0.0034957777f;
  private static final float P3 = 2.0612095E-5f;
  private static final float P4 = 1.3358623E-8f;
  private static final float Q1 = 0.46714503f;
  private static final float Q2 = 0.02587771f;
  private static final float Q3 = 3.2859403E-4f;
  private static final float Q4 = 7.778225E-7f;

  private SimdGateActivations() {}

  /** tanh(v), the arithmetic of the vector loops. */
  static float tanh(float v) {
    float a = Math.abs(v);
    if (a > LIMIT) {
      a = LIMIT;
    }
    float z = a * a;
    float p = Math.fma(Math.fma(Math.fma(Math.fma(z, P4, P3), z, P2), z, P1), z, 1f);
    float q = Math.fma(Math.fma(Math.fma(Math.fma(z, Q4, Q3), z, Q2), z, Q1), z, 1f);
    float t = a * p / q;
    if (t > 1f) {
      t = 1f;
    }
    return Math.copySign(t, v);
  }

  /** sigmoid(v), the arithmetic of the vector loops. */
  static float sigmoid(float v) {
    return Math.fma(tanh(v * 0.5f), 0.5f, 0.5f);
  }

  /** {@code o = tanh(x)}. */
  static void tanhLoop(float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      tanh(FloatVector.fromArray(F, x, xo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = tanh(x[xo + i]);
    }
  }

  /** {@code o = sigmoid(x)}. */
  static void sigmoidLoop(float[] x, int xo, float[] o, int oo, int n) {
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      sigmoid(FloatVector.fromArray(F, x, xo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = sigmoid(x[xo + i]);
    }
  }

  /**
   * {@code o = tanh(clip(a + b + c))}, clip bounding to {@code [-cl, cl]} (+Infinity for none): a
   * cell takes its gates' pre-activations (input projection, recurrent projection, bias) in the
   * same pass.
   */
  static void tanhOfSumLoop(float[] a, int ao, float[] b, int bo, float[] c, int co, float cl,
      float[] o, int oo, int n) {
    boolean clip = cl != Float.POSITIVE_INFINITY;
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, a, ao + i).add(FloatVector.fromArray(F, b, bo + i))
          .add(FloatVector.fromArray(F, c, co + i));
      if (clip) {
        v = v.max(-cl).min(cl); // max/min keep NaN
      }
      tanh(v).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      float v = a[ao + i] + b[bo + i] + c[co + i];
      o[oo + i] = tanh(clip ? clipped(v, cl) : v);
    }
  }

  /** {@code o = sigmoid(clip(a + b + c))}, as {@link #tanhOfSumLoop}. */
  static void sigmoidOfSumLoop(float[] a, int ao, float[] b, int bo, float[] c, int co, float cl,
      float[] o, int oo, int n) {
    boolean clip = cl != Float.POSITIVE_INFINITY;
    int i = 0;
    for (int up = F.loopBound(n); i < up; i += L) {
      FloatVector v = FloatVector.fromArray(F, a, ao + i).add(FloatVector.fromArray(F, b, bo + i))
          .add(FloatVector.fromArray(F, c, co + i));
      if (clip) {
        v = v.max(-cl).min(cl);
      }
      sigmoid(v).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      float v = a[ao + i] + b[bo + i] + c[co + i];
      o[oo + i] = sigmoid(clip ? clipped(v, cl) : v);
    }
  }

  private static float clipped(float v, float cl) {
    return Math.min(Math.max(v, -cl), cl);
  }

  /*
   * The vector forms, inlined into each loop by C2 (no boxes on JDK 17 or 25 in AllocProbe): about
   * 18 operations against the exp-based forms' 28, which had to be written out in full in their
   * loops (see SimdVectorMathFunctions). The bounds are compare-and-blend, not max/min, which keep
   * Java's NaN and signed-zero rules at several instructions each on AVX2; a NaN compares false,
   * so it passes through unchanged.
   */

  private static FloatVector tanh(FloatVector v) {
    FloatVector a = v.abs();
    a = a.blend(LIMIT, a.compare(VectorOperators.GT, LIMIT));
    FloatVector z = a.mul(a);
    FloatVector one = FloatVector.broadcast(F, 1f);
    FloatVector p = z.fma(P4, P3).fma(z, FloatVector.broadcast(F, P2))
        .fma(z, FloatVector.broadcast(F, P1)).fma(z, one);
    FloatVector q = z.fma(Q4, Q3).fma(z, FloatVector.broadcast(F, Q2))
        .fma(z, FloatVector.broadcast(F, Q1)).fma(z, one);
    FloatVector t = a.mul(p).div(q);
    t = t.blend(one, t.compare(VectorOperators.GT, 1f));
    // t >= 0 (or NaN), so OR-ing in the sign bit of v is copySign
    return t.viewAsIntegralLanes().or(v.viewAsIntegralLanes().and(0x80000000))
        .viewAsFloatingLanes();
  }

  private static FloatVector sigmoid(FloatVector v) {
    return tanh(v.mul(0.5f)).fma(0.5f, 0.5f);
  }
}
