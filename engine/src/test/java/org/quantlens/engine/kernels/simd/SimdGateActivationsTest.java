package org.quantlens.engine.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The recurrent gates' rational sigmoid and tanh against Math in double (absolute error, the
 * bound SimdGateActivations states), their ranges and special values, and the vector loops
 * against the scalar forms bit for bit.
 */
class SimdGateActivationsTest {
  @BeforeAll
  static void needsTheVectorApi() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        "SIMD kernels need --add-modules jdk.incubator.vector; the scalar forms need them too");
  }

  private static final double TANH_MAX_ERR = 3.2e-7;
  private static final double SIGMOID_MAX_ERR = 1.8e-7;
  /**
   * Float bit patterns apart in the sweeps (about 1.8 million arguments of each sign up to 20).
   * Every float was checked once, offline: tanh's largest error 3.09e-7 (at 8.77), sigmoid's
   * 1.76e-7 (at 16.6), both within [-1, 1] and [0, 1].
   */
  private static final int STRIDE = 613;

  /** Every STRIDE-th float in [0, max], then their negatives. */
  private static float[] sweep(float max) {
    int top = Float.floatToIntBits(max);
    int n = top / STRIDE + 1;
    float[] x = new float[2 * n];
    for (int i = 0; i < n; i++) {
      x[i] = Float.intBitsToFloat(i * STRIDE);
      x[n + i] = -x[i];
    }
    return x;
  }

  interface Loop {
    void apply(float[] x, int xo, float[] o, int oo, int n);
  }

  /**
   * The loop over a sweep up to {@code max} against the exact function: within {@code maxErr}
   * absolute, inside {@code [lo, 1]}, and the sweep's worst error above {@code reach}, so that it
   * does reach the arguments the bound is about (a check tied to this fit: a more accurate one
   * would lower both numbers).
   */
  private static void checkSweep(String name, Loop loop, DoubleUnaryOperator exact, float max,
      double maxErr, float lo, double reach) {
    float[] x = sweep(max);
    float[] y = new float[x.length];
    loop.apply(x, 0, y, 0, x.length);
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      double err = Math.abs(y[i] - exact.applyAsDouble(x[i]));
      worst = Math.max(worst, err);
      assertTrue(err <= maxErr, name + "(" + x[i] + ") = " + y[i] + ", error " + err);
      assertTrue(y[i] >= lo && y[i] <= 1f, name + "(" + x[i] + ") = " + y[i]);
    }
    assertTrue(worst > reach, "the sweep reaches the worst arguments: " + worst);
  }

  @Test
  void tanhIsWithin3_2e7OfMathTanhAndNeverLeavesMinusOneToOne() {
    checkSweep("tanh", SimdGateActivations::tanhLoop, Math::tanh, 20f, TANH_MAX_ERR, -1f, 2e-7);
  }

  @Test
  void tanhIsRelativelyAccurateNearZeroAndExactForTinyArguments() {
    // near 0 it is x * P / Q with P(0) = Q(0) = 1: an argument below 2^-12 comes back unchanged
    for (float v : new float[] {Float.MIN_VALUE, 1e-30f, 1e-10f, 2e-4f}) {
      assertEquals(v, SimdGateActivations.tanh(v));
      assertEquals(-v, SimdGateActivations.tanh(-v));
    }
    for (float v = 1e-3f; v < 1f; v *= 1.01f) {
      double rel = Math.abs(SimdGateActivations.tanh(v) - Math.tanh(v)) / Math.tanh(v);
      assertTrue(rel <= 3e-7, "tanh(" + v + ") relative error " + rel);
    }
  }

  @Test
  void sigmoidIsWithin1_8e7OfTheExactValueAndNeverLeavesZeroToOne() {
    checkSweep("sigmoid", SimdGateActivations::sigmoidLoop, x -> 1 / (1 + Math.exp(-x)), 40f,
        SIGMOID_MAX_ERR, 0f, 1e-7);
  }

  @Test
  void specialValues() {
    // 11 values, so that on every vector width some of them run the loops' scalar tails
    float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
        Float.MAX_VALUE, -Float.MAX_VALUE, 9f, 50f, -50f, 1e30f};
    float[] t = new float[x.length];
    float[] s = new float[x.length];
    SimdGateActivations.tanhLoop(x, 0, t, 0, x.length);
    SimdGateActivations.sigmoidLoop(x, 0, s, 0, x.length);
    assertTrue(Float.isNaN(t[0]) && Float.isNaN(s[0]));
    assertEquals(1f, t[1]);
    assertEquals(-1f, t[2]);
    assertEquals(1f, s[1]);
    assertEquals(0f, s[2]);
    assertEquals(0f, t[3]);
    assertEquals(-0f, t[4]); // assertEquals on floats compares bits: the sign of zero counts
    assertEquals(0.5f, s[3]);
    assertEquals(0.5f, s[4]);
    assertEquals(1f, t[5]);
    assertEquals(-1f, t[6]);
    assertEquals(1f, t[7]); // the form's value at its bound (tanh(9) itself is 3.1e-8 below 1)
    assertEquals(1f, s[8]);
    assertEquals(0f, s[9]);
    assertEquals(1f, t[10]);
  }

  /**
   * The scalar forms are what a loop's tail runs: they must give the vector lanes' bits, or a
   * recurrent step cut into pieces by units would differ from the whole step.
   */
  @Test
  void vectorLoopsGiveTheScalarFormsBitForBit() {
    Random rnd = new Random(3);
    int n = 4099;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2));
    }
    x[7] = Float.NaN;
    x[8] = -0f;
    x[9] = Float.MIN_VALUE;
    x[10] = 9f;
    x[11] = Math.nextUp(9f);
    x[12] = Math.nextDown(9f);
    x[13] = Float.POSITIVE_INFINITY;
    x[14] = Float.NEGATIVE_INFINITY;
    x[15] = Float.MAX_VALUE;
    x[16] = -Float.MAX_VALUE;
    x[17] = Float.intBitsToFloat(0xffc00000); // a NaN with the sign bit set
    x[n - 1] = Float.NaN; // the tail too (4099 is past every vector width's multiple)
    x[n - 2] = -0f;
    x[n - 3] = Float.NEGATIVE_INFINITY;
    float[] t = new float[n];
    float[] s = new float[n];
    SimdGateActivations.tanhLoop(x, 0, t, 0, n);
    SimdGateActivations.sigmoidLoop(x, 0, s, 0, n);
    for (int i = 0; i < n; i++) {
      assertEquals(Float.floatToIntBits(SimdGateActivations.tanh(x[i])),
          Float.floatToIntBits(t[i]), "tanh(" + x[i] + ")");
      assertEquals(Float.floatToIntBits(SimdGateActivations.sigmoid(x[i])),
          Float.floatToIntBits(s[i]), "sigmoid(" + x[i] + ")");
    }
  }

  @Test
  void sumLoopsGiveTheActivationOfTheClippedSumBitForBit() {
    // the cells' one-pass gates must equal a sum pass then the plain activation loop (whose
    // accuracy the tests above check), tails, NaN and clipping included
    Random rnd = new Random(7);
    for (int n : new int[] {3, 8, 67, 512}) {
      float[] a = new float[n];
      float[] b = new float[n];
      float[] c = new float[n];
      for (int i = 0; i < n; i++) {
        a[i] = (float) (rnd.nextGaussian() * 4);
        b[i] = (float) (rnd.nextGaussian() * 2);
        c[i] = (float) rnd.nextGaussian();
      }
      a[n / 2] = Float.NaN;
      for (float cl : new float[] {Float.POSITIVE_INFINITY, 3f, 0.5f}) {
        float[] sum = new float[n];
        for (int i = 0; i < n; i++) {
          sum[i] = Math.min(Math.max(a[i] + b[i] + c[i], -cl), cl);
        }
        float[] want = new float[n];
        float[] got = new float[n];
        SimdGateActivations.sigmoidLoop(sum, 0, want, 0, n);
        SimdGateActivations.sigmoidOfSumLoop(a, 0, b, 0, c, 0, cl, got, 0, n);
        sameBits("sigmoid", want, got, cl);
        SimdGateActivations.tanhLoop(sum, 0, want, 0, n);
        SimdGateActivations.tanhOfSumLoop(a, 0, b, 0, c, 0, cl, got, 0, n);
        sameBits("tanh", want, got, cl);
      }
    }
  }

  private static void sameBits(String name, float[] want, float[] got, float cl) {
    for (int i = 0; i < want.length; i++) {
      assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
          name + " of sum [" + i + "] of " + want.length + ", clip " + cl);
    }
  }
}
