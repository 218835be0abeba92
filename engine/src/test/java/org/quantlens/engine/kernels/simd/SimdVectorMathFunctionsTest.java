package org.quantlens.engine.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The SIMD exp, sigmoid and tanh loops (used by SimdVectorMath) against Math
 * in double, relative error, tiny and subnormal arguments included. VectorMathTest checks the same
 * functions in ulps of the float-rounded reference through VectorMath.
 */
class SimdVectorMathFunctionsTest {
  @org.junit.jupiter.api.BeforeAll
  static void needsTheVectorApi() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        "SIMD kernels need --add-modules jdk.incubator.vector; the scalar ones are tested elsewhere");
  }

  /** The bound SimdVectorMathFunctions documents; measured maxima are 0.9e-7 to 1.8e-7. */
  private static final double MAX_REL = 3e-7;

  interface VecFn {
    void apply(float[] in, float[] out, int n);
  }

  private static final VecFn EXP = (in, out, n) -> SimdVectorMathFunctions.expLoop(in, 0, out, 0, n);
  private static final VecFn SIGMOID =
      (in, out, n) -> SimdVectorMathFunctions.sigmoidLoop(in, 0, out, 0, n);
  private static final VecFn TANH = (in, out, n) -> SimdVectorMathFunctions.tanhLoop(in, 0, out, 0, n);

  private static void checkAccuracy(String name, VecFn fn, DoubleUnaryOperator ref) {
    Random rnd = new Random(42);
    double[] ranges = {100, 30, 10, 1, 0.05, 1e-4, 1e-20};
    int n = 12_003; // not a multiple of any vector length: the padded tail is covered too
    float[] x = new float[n];
    float[] y = new float[n];
    double worst = 0;
    for (double range : ranges) {
      for (int i = 0; i < n; i++) {
        x[i] = (float) ((rnd.nextDouble() * 2 - 1) * range);
      }
      fn.apply(x, y, n);
      for (int i = 0; i < n; i++) {
        double want = ref.applyAsDouble(x[i]);
        double err = Math.abs(y[i] - want);
        if (Math.abs(want) >= Float.MIN_NORMAL && Math.abs(want) <= Float.MAX_VALUE) {
          double rel = err / Math.abs(want);
          worst = Math.max(worst, rel);
          assertTrue(rel <= MAX_REL, name + "(" + x[i] + ") = " + y[i] + ", want " + want);
        } else if (Math.abs(want) < Float.MIN_NORMAL) {
          assertTrue(err < Float.MIN_NORMAL, name + "(" + x[i] + ") = " + y[i] + ", want " + want);
        }
      }
    }
    assertTrue(worst > 0, "the comparison compared something");
  }

  /** fn(x) from a vector lane; checks the scalar tail (element 66) agrees. */
  private static float one(VecFn fn, float x) {
    int n = 67;
    float[] in = new float[n];
    java.util.Arrays.fill(in, x);
    float[] out = new float[n];
    fn.apply(in, out, n);
    float lane = out[0];
    float tail = out[n - 1];
    assertTrue(Float.compare(lane, tail) == 0 || Math.abs(lane - tail) <= MAX_REL * Math.abs(tail),
        "vector lane " + lane + " and scalar tail " + tail + " differ at " + x);
    return lane;
  }

  @Test
  void expIsWithin3e7RelativeOfMathExp() {
    checkAccuracy("exp", EXP, Math::exp);
  }

  @Test
  void sigmoidIsWithin3e7RelativeOfTheDoubleFormula() {
    checkAccuracy("sigmoid", SIGMOID, v -> 1 / (1 + Math.exp(-v)));
  }

  @Test
  void tanhIsWithin3e7RelativeOfMathTanhIncludingTinyArguments() {
    checkAccuracy("tanh", TANH, Math::tanh);
  }

  @Test
  void specialValues() {
    VecFn exp = EXP;
    VecFn sig = SIGMOID;
    VecFn tanh = TANH;
    for (VecFn f : new VecFn[] {exp, sig, tanh}) {
      assertTrue(Float.isNaN(one(f, Float.NaN)));
    }
    assertEquals(Float.POSITIVE_INFINITY, one(exp, Float.POSITIVE_INFINITY));
    assertEquals(0f, one(exp, Float.NEGATIVE_INFINITY));
    assertEquals(Float.POSITIVE_INFINITY, one(exp, 89f)); // e^89 > Float.MAX_VALUE
    assertEquals(Math.exp(88.7f), one(exp, 88.7f), 3e-7 * Math.exp(88.7f));
    assertEquals(0f, one(exp, -200f));
    assertEquals(1f, one(exp, 0f));
    assertEquals(1f, one(sig, Float.POSITIVE_INFINITY));
    assertEquals(0f, one(sig, Float.NEGATIVE_INFINITY));
    assertEquals(0.5f, one(sig, 0f));
    assertEquals(0f, one(sig, -1000f));
    assertEquals(1f, one(sig, 1000f));
    assertEquals(1f, one(tanh, Float.POSITIVE_INFINITY));
    assertEquals(-1f, one(tanh, Float.NEGATIVE_INFINITY));
    assertEquals(1f, one(tanh, 50f));
    assertEquals(-1f, one(tanh, -9.5f));
    assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(one(tanh, 0f)));
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(one(tanh, -0f)));
    assertEquals(1e-30f, one(tanh, 1e-30f));
    assertEquals(-1e-40f, one(tanh, -1e-40f), 1e-45f); // subnormal argument
  }
}
