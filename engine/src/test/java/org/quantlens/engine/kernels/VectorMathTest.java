package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The selected {@link VectorMath} (SIMD unless -Dquantlens.simd=false) against the scalar
 * reference {@link VectorMathScalar}, over every length 0..70 and some large ones, at unaligned
 * offsets, with NaN, infinities, signed zeros and huge magnitudes mixed in; plus hand-computed
 * values of the reference itself.
 */
class VectorMathTest {
  private static final VectorMath SIMD = VectorMath.get();
  private static final VectorMath REF = new VectorMathScalar();
  private static final int[] LARGE = {127, 128, 129, 1000, 4099};
  private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f, Float.MAX_VALUE, -Float.MAX_VALUE,
      Float.MIN_VALUE, 1e-30f, -1e-30f, 88.7f, 89f, -87.5f, -103f, -104.5f, 0.5f, -0.5f, 2f, 3f,
      // halves and the edges of exact float integers, for floor/ceil/round
      1.5f, -1.5f, 2.5f, -2.5f, -0.7f, 4194303.5f, 8388607.5f, -8388607.5f, 8388608f, -8388609f,
      1e10f, -1e10f, 0.49999997f};

  private static int[] lengths() {
    int[] l = new int[71 + LARGE.length];
    for (int i = 0; i <= 70; i++) {
      l[i] = i;
    }
    System.arraycopy(LARGE, 0, l, 71, LARGE.length);
    return l;
  }

  /** Random values spread over [-range, range], every seventh one a special value. */
  private static float[] data(Random rnd, int n, float range) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i % 7 == 3 ? SPECIAL[rnd.nextInt(SPECIAL.length)]
          : i % 5 == 1 ? (float) (Math.signum(rnd.nextGaussian()) * Math.pow(10, rnd.nextDouble() * 8 - 6))
          : (rnd.nextFloat() * 2 - 1) * range;
    }
    return x;
  }

  private static boolean same(float a, float b) {
    return Float.floatToIntBits(a) == Float.floatToIntBits(b) || (a == b); // -0 == 0 allowed
  }

  @Test
  void binaryOpsMatchScalarBitForBitInAllThreeShapes() {
    Random rnd = new Random(1);
    int[] ops = {VectorMath.ADD, VectorMath.SUB, VectorMath.MUL, VectorMath.DIV, VectorMath.MAX,
        VectorMath.MIN, VectorMath.POW, VectorMath.FMOD, VectorMath.PRELU};
    for (int op : ops) {
      for (int n : lengths()) {
        float[] a = data(rnd, n + 3, 50);
        float[] b = data(rnd, n + 5, 50);
        float s = rnd.nextBoolean() ? b[0] : SPECIAL[rnd.nextInt(SPECIAL.length)];
        float[] want = new float[n + 2];
        float[] got = new float[n + 2];
        REF.binary(op, a, 3, b, 5, want, 2, n);
        SIMD.binary(op, a, 3, b, 5, got, 2, n);
        check("binary " + op + " n=" + n, want, got);
        REF.binaryScalarRight(op, a, 1, s, want, 1, n);
        SIMD.binaryScalarRight(op, a, 1, s, got, 1, n);
        check("scalarRight " + op + " s=" + s + " n=" + n, want, got);
        REF.binaryScalarLeft(op, s, b, 2, want, 0, n);
        SIMD.binaryScalarLeft(op, s, b, 2, got, 0, n);
        check("scalarLeft " + op + " s=" + s + " n=" + n, want, got);
        // the definition, element by element
        for (int i = 0; i < n; i++) {
          assertTrue(same(VectorMathScalar.binaryOne(op, a[3 + i], b[5 + i]), referenceBinary(op, a[3 + i], b[5 + i])));
        }
      }
    }
  }

  /** Binary definitions written independently of the kernels. */
  private static float referenceBinary(int op, float a, float b) {
    switch (op) {
      case VectorMath.ADD: return a + b;
      case VectorMath.SUB: return a - b;
      case VectorMath.MUL: return a * b;
      case VectorMath.DIV: return a / b;
      case VectorMath.MAX: return Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : a > b ? a : b == a && a == 0 ? (Float.floatToIntBits(a) == 0 ? a : b) : b;
      case VectorMath.MIN: return Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : a < b ? a : b;
      case VectorMath.POW: return (float) Math.pow(a, b);
      case VectorMath.FMOD: return (float) (a % (double) b);
      default: return a < 0 ? a * b : a;
    }
  }

  private static void check(String what, float[] want, float[] got) {
    for (int i = 0; i < want.length; i++) {
      if (!same(want[i], got[i])) {
        fail(what + " at " + i + ": expected " + want[i] + ", got " + got[i]);
      }
    }
  }

  /** Map ops whose SIMD version must equal the scalar reference exactly. */
  private static final int[] EXACT_MAPS = {VectorMath.ABS, VectorMath.NEG, VectorMath.SQRT,
      VectorMath.RECIPROCAL, VectorMath.RELU, VectorMath.LEAKY_RELU, VectorMath.CLIP,
      VectorMath.HARD_SIGMOID, VectorMath.HARD_SWISH, VectorMath.THRESHOLDED_RELU,
      VectorMath.SOFTSIGN, VectorMath.SQUARE, VectorMath.LOG, VectorMath.FLOOR, VectorMath.CEIL,
      VectorMath.ROUND, VectorMath.SIGN, VectorMath.SIN, VectorMath.COS, VectorMath.TAN,
      VectorMath.ASIN, VectorMath.ACOS, VectorMath.ATAN, VectorMath.SINH, VectorMath.COSH,
      VectorMath.ASINH, VectorMath.ACOSH, VectorMath.ATANH, VectorMath.SOFTPLUS};

  @Test
  void exactMapsMatchScalarBitForBit() {
    Random rnd = new Random(2);
    for (int op : EXACT_MAPS) {
      for (int n : lengths()) {
        float[] x = data(rnd, n + 1, 20);
        float alpha = op == VectorMath.CLIP ? -2.5f : 0.3f;
        float beta = op == VectorMath.CLIP ? 4f : 0.6f;
        float[] want = new float[n];
        float[] got = new float[n];
        REF.map(op, alpha, beta, x, 1, want, 0, n);
        SIMD.map(op, alpha, beta, x, 1, got, 0, n);
        check("map " + op + " n=" + n, want, got);
      }
    }
  }

  /**
   * The polynomial maps: error against the float-rounded double result, measured in units of the
   * reference's ulp plus an absolute floor (stated per op), over [-range, range] and specials.
   */
  @Test
  void polynomialMapsStayWithinStatedErrors() {
    // op, range, max ulps, absolute floor
    checkMap(VectorMath.EXP, 0, 0, 100, 2, Float.MIN_VALUE * 2);
    checkMap(VectorMath.SIGMOID, 0, 0, 100, 4, Float.MIN_VALUE * 2);
    checkMap(VectorMath.TANH, 0, 0, 12, 4, 0);
    checkMap(VectorMath.ERF, 0, 0, 6, 0, 2.5e-7);
    checkMap(VectorMath.ELU, 1.5f, 0, 30, 4, 1.5e-7);
    checkMap(VectorMath.SELU, 1.6732632f, 1.050701f, 30, 4, 2e-7);
    checkMap(VectorMath.CELU, 0.7f, 0, 30, 4, 1e-7);
  }

  private static void checkMap(int op, float alpha, float beta, float range, double ulps,
      double abs) {
    Random rnd = new Random(3 + op);
    double worst = 0;
    for (int n : lengths()) {
      float[] x = data(rnd, n + 2, range);
      float[] got = new float[n];
      SIMD.map(op, alpha, beta, x, 2, got, 0, n);
      for (int i = 0; i < n; i++) {
        worst = Math.max(worst, checkOne(op, alpha, beta, x[2 + i], got[i], ulps, abs));
      }
    }
    // a dense sweep through the interesting part of the domain
    int n = 200_001;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = -range + 2 * range * i / (n - 1);
    }
    float[] got = new float[n];
    SIMD.map(op, alpha, beta, x, 0, got, 0, n);
    for (int i = 0; i < n; i++) {
      worst = Math.max(worst, checkOne(op, alpha, beta, x[i], got[i], ulps, abs));
    }
    System.out.printf("VectorMath map %d: worst error %.3f ulp beyond the absolute floor%n", op, worst);
  }

  /** Checks one value; returns the error in ulps of the reference (0 when within abs). */
  private static double checkOne(int op, float alpha, float beta, float x, float got, double ulps,
      double abs) {
    float want = VectorMathScalar.mapOne(op, alpha, beta, x);
    if (Float.isNaN(want) || Float.isNaN(got)) {
      assertEquals(Float.isNaN(want), Float.isNaN(got), "op " + op + " x=" + x + " NaN-ness");
      return 0;
    }
    if (Float.isInfinite(want) || Float.isInfinite(got)) {
      assertEquals(want, got, "op " + op + " x=" + x);
      return 0;
    }
    double err = Math.abs((double) want - got);
    if (err <= abs) {
      return 0;
    }
    double u = err / Math.ulp(want);
    if (u > ulps) {
      fail("op " + op + " x=" + x + ": expected " + want + ", got " + got + " (" + u + " ulp)");
    }
    return u;
  }

  @Test
  void specialValuesFollowIeee() {
    float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 89f, 88.72f, -104f,
        -0f, 0f};
    float[] e = run(VectorMath.EXP, x);
    assertTrue(Float.isNaN(e[0]));
    assertEquals(Float.POSITIVE_INFINITY, e[1]);
    assertEquals(0f, e[2]);
    assertEquals(Float.POSITIVE_INFINITY, e[3]);
    assertEquals((float) Math.exp(88.72f), e[4], Math.ulp((float) Math.exp(88.72f)) * 2);
    assertEquals(0f, e[5]); // e^-104 = 6.8e-46 rounds to zero
    assertEquals(1f, e[6]);
    float[] s = run(VectorMath.SIGMOID, x);
    assertTrue(Float.isNaN(s[0]));
    assertEquals(1f, s[1]);
    assertEquals(0f, s[2]);
    float[] t = run(VectorMath.TANH, x);
    assertTrue(Float.isNaN(t[0]));
    assertEquals(1f, t[1]);
    assertEquals(-1f, t[2]);
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(t[6]));
    float[] r = run(VectorMath.ERF, x);
    assertTrue(Float.isNaN(r[0]));
    assertEquals(1f, r[1]);
    assertEquals(-1f, r[2]);
    float[] relu = run(VectorMath.RELU, x);
    assertTrue(Float.isNaN(relu[0]));
    assertEquals(Float.POSITIVE_INFINITY, relu[1]);
    assertEquals(0f, relu[2]);
  }

  private static float[] run(int op, float[] x) {
    // 9 copies so the vector loop (not only the scalar tail) sees each value
    int n = x.length * 9;
    float[] in = new float[n];
    for (int i = 0; i < n; i++) {
      in[i] = x[i % x.length];
    }
    float[] out = new float[n];
    SIMD.map(op, 0, 0, in, 0, out, 0, n);
    for (int i = x.length; i < n; i++) {
      assertTrue(same(out[i % x.length], out[i]), "op " + op + " value " + in[i] + " differs by position");
    }
    return java.util.Arrays.copyOf(out, x.length);
  }

  @Test
  void referenceMatchesHandComputedValues() {
    assertEquals(0.5204998778130465, VectorMathScalar.erf(0.5), 1e-15);
    assertEquals(0.8427007929497149, VectorMathScalar.erf(1.0), 1e-15);
    assertEquals(-0.9953222650189527, VectorMathScalar.erf(-2.0), 1e-15);
    assertEquals(0.9995930479825550, VectorMathScalar.erf(2.5), 1e-15);
    assertEquals(0.9999779095030014, VectorMathScalar.erf(3.0), 1e-15);
    assertEquals(0.9999999998033839, VectorMathScalar.erf(4.5), 1e-15);
    assertEquals(1.1283791670955126e-10, VectorMathScalar.erf(1e-10), 1e-24);
    assertEquals(0.881373587019543, VectorMathScalar.asinh(1.0), 1e-15);
    assertEquals(-1e-9, VectorMathScalar.asinh(-1e-9), 1e-24);
    assertEquals(1.3169578969248166, VectorMathScalar.acosh(2.0), 1e-15);
    assertEquals(0.5493061443340549, VectorMathScalar.atanh(0.5), 1e-15);
    assertEquals(Double.POSITIVE_INFINITY, VectorMathScalar.atanh(1.0));
    // elu(-1) = e^-1 - 1; selu(-1) with the ONNX defaults; softplus(0) = ln 2
    assertEquals(-0.6321205588285577, VectorMathScalar.apply(VectorMath.ELU, 1, 0, -1), 1e-15);
    assertEquals(-1.1113307378125628,
        VectorMathScalar.apply(VectorMath.SELU, 1.6732632423543772, 1.0507009873554805, -1), 1e-14);
    assertEquals(Math.log(2), VectorMathScalar.apply(VectorMath.SOFTPLUS, 0, 0, 0), 1e-15);
    assertEquals(1000.0, VectorMathScalar.apply(VectorMath.SOFTPLUS, 0, 0, 1000), 1e-12);
    assertEquals(0.7f, VectorMathScalar.mapOne(VectorMath.HARD_SIGMOID, 0.2f, 0.5f, 1f), 1e-7);
    assertEquals(2f / 3f, VectorMathScalar.mapOne(VectorMath.HARD_SWISH, 0, 0, 1f), 1e-7);
    assertEquals(3f, VectorMathScalar.mapOne(VectorMath.HARD_SWISH, 0, 0, 3f));
    assertEquals(2f, VectorMathScalar.mapOne(VectorMath.ROUND, 0, 0, 2.5f));
    assertEquals(-2f, VectorMathScalar.mapOne(VectorMath.ROUND, 0, 0, -1.5f));
    assertEquals(0f, VectorMathScalar.mapOne(VectorMath.THRESHOLDED_RELU, 1f, 0, 1f));
    assertEquals(1.5f, VectorMathScalar.mapOne(VectorMath.THRESHOLDED_RELU, 1f, 0, 1.5f));
    assertEquals(0.5f, VectorMathScalar.mapOne(VectorMath.SOFTSIGN, 0, 0, 1f));
  }

  @Test
  void reductionsMatchScalarWithinAccumulationTolerance() {
    Random rnd = new Random(4);
    int[] ops = {VectorMath.R_SUM, VectorMath.R_SUM_SQUARE, VectorMath.R_SUM_ABS, VectorMath.R_MAX,
        VectorMath.R_MIN, VectorMath.R_PROD};
    for (int op : ops) {
      for (int n : lengths()) {
        float[] x = new float[n + 3];
        for (int i = 0; i < x.length; i++) {
          x[i] = op == VectorMath.R_PROD ? 0.5f + rnd.nextFloat() : rnd.nextFloat() * 20 - 10;
        }
        float want = REF.reduce(op, x, 3, n);
        float got = SIMD.reduce(op, x, 3, n);
        if (op == VectorMath.R_MAX || op == VectorMath.R_MIN) {
          assertEquals(want, got, "reduce " + op + " n=" + n);
          continue;
        }
        // float accumulation in lanes vs the double reference: relative 1e-6 * sqrt(n), taken of
        // the sum of magnitudes (for the product: of the result)
        double mag = op == VectorMath.R_PROD ? Math.abs(want) : REF.reduce(
            op == VectorMath.R_SUM ? VectorMath.R_SUM_ABS : op, x, 3, n);
        assertEquals(want, got, 1e-6 * Math.sqrt(n + 1) * mag + 1e-30, "reduce " + op + " n=" + n);
        // accumulate: lane-wise, bit-exact
        float[] acc1 = new float[n + 1];
        float[] acc2 = new float[n + 1];
        for (int i = 0; i < n + 1; i++) {
          acc1[i] = acc2[i] = rnd.nextFloat();
        }
        REF.accumulate(op, x, 3, acc1, 1, n);
        SIMD.accumulate(op, x, 3, acc2, 1, n);
        check("accumulate " + op + " n=" + n, acc1, acc2);
      }
    }
  }

  @Test
  void accumulateMaxMinAreExactAndReductionsPropagateNaN() {
    float[] x = new float[37];
    for (int i = 0; i < x.length; i++) {
      x[i] = i - 18;
    }
    float[] acc1 = new float[37];
    float[] acc2 = new float[37];
    for (int op : new int[] {VectorMath.R_MAX, VectorMath.R_MIN}) {
      java.util.Arrays.fill(acc1, 0.5f);
      java.util.Arrays.fill(acc2, 0.5f);
      REF.accumulate(op, x, 0, acc1, 0, 37);
      SIMD.accumulate(op, x, 0, acc2, 0, 37);
      check("accumulate " + op, acc1, acc2);
    }
    assertEquals(18f, SIMD.reduce(VectorMath.R_MAX, x, 0, 37));
    assertEquals(-18f, SIMD.reduce(VectorMath.R_MIN, x, 0, 37));
    assertEquals(Float.NEGATIVE_INFINITY, SIMD.reduce(VectorMath.R_MAX, x, 0, 0));
    for (int pos : new int[] {0, 5, 20, 36}) {
      float[] y = x.clone();
      y[pos] = Float.NaN;
      for (int op : new int[] {VectorMath.R_SUM, VectorMath.R_MAX, VectorMath.R_MIN, VectorMath.R_PROD}) {
        assertTrue(Float.isNaN(SIMD.reduce(op, y, 0, 37)), "reduce " + op + " NaN at " + pos);
      }
    }
  }

  @Test
  void expShiftedAndSumExpMatchScalar() {
    Random rnd = new Random(5);
    for (int n : lengths()) {
      float[] x = new float[n + 1];
      for (int i = 0; i < x.length; i++) {
        x[i] = rnd.nextFloat() * 30 - 15;
      }
      float shift = 7.5f;
      float[] w = new float[n];
      float[] g = new float[n];
      float sw = REF.expShifted(x, 1, shift, w, 0, n);
      float sg = SIMD.expShifted(x, 1, shift, g, 0, n);
      for (int i = 0; i < n; i++) {
        assertEquals(w[i], g[i], 2 * Math.ulp(w[i]), "expShifted n=" + n + " i=" + i);
      }
      // each term within 2 ulp, then float lane sums: 1e-6 * sqrt(n) relative
      assertEquals(sw, sg, 1e-6 * Math.sqrt(n + 1) * sw, "sum n=" + n);
      assertEquals(sw, SIMD.sumExp(x, 1, shift, n), 1e-6 * Math.sqrt(n + 1) * sw);
    }
  }
}
