package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.ElementwiseTestSupport.PAR;
import static org.quantlens.engine.ops.ElementwiseTestSupport.attrs;
import static org.quantlens.engine.ops.ElementwiseTestSupport.ivec;
import static org.quantlens.engine.ops.ElementwiseTestSupport.run;
import static org.quantlens.engine.ops.ElementwiseTestSupport.vec;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Float16;
import org.quantlens.engine.tensor.Tensor;

/** Binary, variadic, logic and unary element-wise ops against naive references and hand values. */
class ElementwiseOpsTest {
  private static final Map<String, Attribute> NONE = Map.of();

  private static final int[][][] SHAPE_PAIRS = {
    {{}, {}}, {{5}, {}}, {{}, {7}}, {{1}, {9}}, {{3, 1}, {1, 4}}, {{2, 3, 4}, {4}},
    {{2, 3, 4}, {3, 1}}, {{2, 1, 4}, {1, 3, 1}}, {{2, 3, 4, 5}, {1, 3, 1, 1}}, {{7, 1, 9}, {1, 8, 1}},
    {{4, 5}, {4, 5}}, {{1, 1, 6}, {6, 1, 1}}, {{3, 17}, {1}}, {{2, 0, 3}, {3}},
    // large enough for the parallel paths
    {{4, 64, 270}, {64, 1}}, {{2, 40_000}, {2, 40_000}}, {{90_000}, {1}}, {{1}, {90_000}},
    {{2, 40_000}, {40_000}}, {{30, 1, 300}, {1, 30, 1}},
  };

  /** The float32 definition of each binary op, written independently of the kernels. */
  private static float naive(String op, float a, float b) {
    switch (op) {
      case "Add": return a + b;
      case "Sub": return a - b;
      case "Mul": return a * b;
      case "Div": return a / b;
      case "Max": return Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b);
      case "Min": return Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.min(a, b);
      case "Pow": return (float) Math.pow(a, b);
      default: return a < 0 ? a * b : a; // PRelu
    }
  }

  @Test
  void float32BroadcastingMatchesNaiveIndexReferenceBitForBit() {
    Random rnd = new Random(11);
    for (String op : new String[] {"Add", "Sub", "Mul", "Div", "Max", "Min", "Pow"}) {
      for (int[][] pair : SHAPE_PAIRS) {
        Tensor a = Tensor.of(ElementwiseTestSupport.randomFloats(rnd, ElementwiseTestSupport.size(pair[0])), pair[0]);
        Tensor b = Tensor.of(ElementwiseTestSupport.randomFloats(rnd, ElementwiseTestSupport.size(pair[1])), pair[1]);
        if (op.equals("Pow")) { // positive bases so results are not mostly NaN
          for (int i = 0; i < a.size(); i++) {
            a.floats()[i] = Math.abs(a.floats()[i]);
          }
        }
        int[] outShape = ElementwiseTestSupport.broadcastShape(pair[0], pair[1]);
        for (ExecContext ctx : new ExecContext[] {ExecContext.SERIAL, PAR}) {
          Tensor y = run(op, 13, NONE, ctx, a, b);
          assertArrayEquals(outShape, y.shape(), op);
          for (int i = 0; i < y.size(); i++) {
            int[] idx = ElementwiseTestSupport.coords(outShape, i);
            float want = naive(op, a.floats()[ElementwiseTestSupport.sourceIndex(pair[0], idx)],
                b.floats()[ElementwiseTestSupport.sourceIndex(pair[1], idx)]);
            if (Float.floatToIntBits(want) != Float.floatToIntBits(y.floats()[i])) {
              throw new AssertionError(op + " " + java.util.Arrays.deepToString(pair) + " at " + i
                  + ": expected " + want + ", got " + y.floats()[i]);
            }
          }
        }
      }
    }
  }

  @Test
  void genericDtypesBroadcastLikeNaiveReference() {
    Random rnd = new Random(12);
    DType[] types = {DType.F64, DType.F16, DType.I8, DType.U8, DType.I16, DType.U16, DType.I32,
        DType.U32, DType.I64, DType.U64};
    for (DType t : types) {
      for (String op : new String[] {"Add", "Sub", "Mul", "Max", "Min", "Less", "Equal"}) {
        int[] sa = {2, 3, 4};
        int[] sb = {3, 1};
        Tensor a = Tensor.zeros(t, sa);
        Tensor b = Tensor.zeros(t, sb);
        for (int i = 0; i < a.size(); i++) {
          a.setLong(i, rnd.nextInt(200) - (t.isSigned() ? 100 : 0));
        }
        for (int i = 0; i < b.size(); i++) {
          b.setLong(i, rnd.nextInt(200) - (t.isSigned() ? 100 : 0));
        }
        Tensor y = run(op, 13, NONE, a, b);
        boolean cmp = op.equals("Less") || op.equals("Equal");
        assertEquals(cmp ? DType.BOOL : t, y.dtype());
        for (int i = 0; i < y.size(); i++) {
          int[] idx = ElementwiseTestSupport.coords(new int[] {2, 3, 4}, i);
          double x1 = a.getDouble(ElementwiseTestSupport.sourceIndex(sa, idx));
          double x2 = b.getDouble(ElementwiseTestSupport.sourceIndex(sb, idx));
          double want;
          switch (op) {
            case "Add": want = x1 + x2; break;
            case "Sub": want = x1 - x2; break;
            case "Mul": want = x1 * x2; break;
            case "Max": want = Math.max(x1, x2); break;
            case "Min": want = Math.min(x1, x2); break;
            case "Less": want = x1 < x2 ? 1 : 0; break;
            default: want = x1 == x2 ? 1 : 0;
          }
          Tensor w = Tensor.zeros(y.dtype(), 1);
          if (y.dtype().isFloating()) {
            w.setDouble(0, want);
          } else {
            w.setLong(0, (long) want); // wraps to the type's width
          }
          assertEquals(w.getDouble(0), y.getDouble(i), t + " " + op + " at " + i);
        }
      }
    }
  }

  @Test
  void integerArithmeticWrapsAndDivisionTruncates() {
    Tensor a = Tensor.wrap(DType.I8, new byte[] {100, -100, 7, -7}, 4);
    Tensor b = Tensor.wrap(DType.I8, new byte[] {100, 100, 2, 2}, 4);
    assertArrayEquals(new long[] {-56, 0, 9, -5}, run("Add", 14, NONE, a, b).toLongs());
    assertArrayEquals(new long[] {1, -1, 3, -3}, run("Div", 14, NONE, a, b).toLongs());
    Tensor u = Tensor.wrap(DType.U8, new byte[] {(byte) 200, 7}, 2);
    Tensor v = Tensor.wrap(DType.U8, new byte[] {100, 2}, 2);
    assertArrayEquals(new long[] {44, 9}, run("Add", 14, NONE, u, v).toLongs());
    assertArrayEquals(new long[] {2, 3}, run("Div", 14, NONE, u, v).toLongs());
    Tensor i32 = ivec(Integer.MAX_VALUE, Integer.MIN_VALUE);
    assertArrayEquals(new long[] {Integer.MIN_VALUE, Integer.MIN_VALUE},
        run("Add", 14, NONE, i32, ivec(1, 0)).toLongs());
    assertArrayEquals(new long[] {-2, 0}, run("Mul", 14, NONE, i32, ivec(2, 2)).toLongs());
    // uint64 beyond 2^63 divides and compares as unsigned
    Tensor big = Tensor.wrap(DType.U64, new long[] {-2L, 10}, 2); // 2^64 - 2, 10
    Tensor two = Tensor.wrap(DType.U64, new long[] {2, 20}, 2);
    assertEquals(Long.divideUnsigned(-2L, 2), run("Div", 14, NONE, big, two).longs()[0]);
    assertArrayEquals(new byte[] {0, 1}, run("Less", 13, NONE, big, two).bytes());
    assertArrayEquals(new long[] {-2L, 20}, run("Max", 13, NONE, big, two).longs());
    assertThrows(QuantLensException.class, () -> run("Div", 14, NONE, Tensor.of(new long[] {1}), Tensor.of(new long[] {0})));
  }

  @Test
  void modFollowsDivisorSignUnlessFmod() {
    Tensor a = ivec(-7, 7, -7, 7);
    Tensor b = ivec(3, -3, -3, 3);
    assertArrayEquals(new long[] {2, -2, -1, 1}, run("Mod", 13, NONE, a, b).toLongs());
    assertArrayEquals(new long[] {-1, 1, -1, 1}, run("Mod", 13, attrs("fmod", 1), a, b).toLongs());
    Tensor x = vec(-7.5f, 7.5f, 5f);
    Tensor y = vec(2f, -2f, 2.5f);
    assertArrayEquals(new float[] {-1.5f, 1.5f, 0f}, run("Mod", 13, attrs("fmod", 1), x, y).floats());
    assertArrayEquals(new float[] {0.5f, -0.5f, 0f}, run("Mod", 13, NONE, x, y).floats());
    Tensor d = Tensor.of(new double[] {-7.5}, 1);
    assertEquals(-1.5, run("Mod", 13, attrs("fmod", 1), d, Tensor.of(new double[] {2}, 1)).doubles()[0]);
  }

  @Test
  void powKeepsTheBaseTypeForMixedExponents() {
    Tensor f = vec(2f, 3f, 4f);
    Tensor e64 = Tensor.of(new long[] {3, 2, -1}, 3);
    Tensor y = run("Pow", 15, NONE, f, e64);
    assertEquals(DType.F32, y.dtype());
    assertArrayEquals(new float[] {8f, 9f, 0.25f}, y.floats());
    Tensor i = ivec(2, 3, 4);
    Tensor ef = vec(0.5f, 2f, 1.5f);
    Tensor z = run("Pow", 15, NONE, i, ef);
    assertEquals(DType.I32, z.dtype());
    assertArrayEquals(new long[] {1, 9, 8}, z.toLongs()); // 2^0.5 truncates to 1
    assertArrayEquals(new long[] {27, 3_486_784_401L},
        run("Pow", 15, NONE, Tensor.of(new long[] {3, 3}, 2), Tensor.of(new long[] {3, 20}, 2)).toLongs());
  }

  @Test
  void comparisonsGiveBoolAndNaNComparesFalse() {
    Tensor a = Tensor.of(new float[] {1f, Float.NaN, 3f, 2f}, 4);
    Tensor b = Tensor.of(new float[] {2f}, 1);
    assertArrayEquals(new byte[] {1, 0, 0, 0}, run("Less", 13, NONE, a, b).bytes());
    assertArrayEquals(new byte[] {1, 0, 0, 1}, run("LessOrEqual", 16, NONE, a, b).bytes());
    assertArrayEquals(new byte[] {0, 0, 1, 0}, run("Greater", 13, NONE, a, b).bytes());
    assertArrayEquals(new byte[] {0, 0, 1, 1}, run("GreaterOrEqual", 16, NONE, a, b).bytes());
    assertArrayEquals(new byte[] {0, 0, 0, 1}, run("Equal", 13, NONE, a, b).bytes());
    Tensor t = Tensor.wrap(DType.BOOL, new byte[] {1, 0}, 2);
    assertArrayEquals(new byte[] {1, 0}, run("Equal", 13, NONE, t, Tensor.wrap(DType.BOOL, new byte[] {1}, 1)).bytes());
  }

  @Test
  void logicOpsBroadcastOverBools() {
    Tensor a = Tensor.wrap(DType.BOOL, new byte[] {0, 0, 1, 1}, 2, 2);
    Tensor b = Tensor.wrap(DType.BOOL, new byte[] {0, 1}, 2);
    assertArrayEquals(new byte[] {0, 0, 0, 1}, run("And", 7, NONE, a, b).bytes());
    assertArrayEquals(new byte[] {0, 1, 1, 1}, run("Or", 7, NONE, a, b).bytes());
    assertArrayEquals(new byte[] {0, 1, 1, 0}, run("Xor", 7, NONE, a, b).bytes());
    assertArrayEquals(new byte[] {1, 1, 0, 0}, run("Not", 1, NONE, a).bytes());
    assertThrows(QuantLensException.class, () -> run("And", 7, NONE, vec(1), vec(1)));
  }

  @Test
  void whereSelectsWithThreeWayBroadcast() {
    Tensor c = Tensor.wrap(DType.BOOL, new byte[] {1, 0, 1}, 3);
    Tensor x = Tensor.of(new float[] {1, 2}, 2, 1);
    Tensor y = Tensor.of(new float[] {-1}, 1);
    assertArrayEquals(new float[] {1, -1, 1, 2, -1, 2}, run("Where", 16, NONE, c, x, y).floats());
    Tensor xl = Tensor.of(new long[] {10, 20}, 2, 1);
    Tensor yl = Tensor.of(new long[] {-1}, 1);
    assertArrayEquals(new long[] {10, -1, 10, 20, -1, 20}, run("Where", 16, NONE, c, xl, yl).longs());
    Tensor xh = Tensor.wrap(DType.F16, new short[] {Float16.fromFloat(0.5f)}, 1);
    Tensor yh = Tensor.wrap(DType.F16, new short[] {Float16.fromFloat(-2f)}, 1);
    Tensor h = run("Where", 16, NONE, c, xh, yh);
    assertEquals(DType.F16, h.dtype());
    assertArrayEquals(new float[] {0.5f, -2f, 0.5f}, h.toFloats());
    Tensor xd = Tensor.of(new double[] {Math.PI}, 1);
    assertEquals(Math.PI, run("Where", 16, NONE, c, xd, Tensor.of(new double[] {0}, 1)).doubles()[2]);
  }

  @Test
  void bitShiftOnUnsignedTypes() {
    Tensor x = Tensor.wrap(DType.U8, new byte[] {1, 1, (byte) 255, 16}, 4);
    Tensor s = Tensor.wrap(DType.U8, new byte[] {7, 8, 4, 2}, 4);
    assertArrayEquals(new long[] {128, 0, 240, 64}, run("BitShift", 11, attrs("direction", "LEFT"), x, s).toLongs());
    assertArrayEquals(new long[] {0, 0, 15, 4}, run("BitShift", 11, attrs("direction", "RIGHT"), x, s).toLongs());
    Tensor big = Tensor.wrap(DType.U64, new long[] {-1L}, 1);
    assertEquals(1L, run("BitShift", 11, attrs("direction", "RIGHT"), big, Tensor.wrap(DType.U64, new long[] {63}, 1)).longs()[0]);
    assertThrows(QuantLensException.class, () -> run("BitShift", 11, attrs("direction", "UP"), x, s));
  }

  @Test
  void legacyBroadcastAttributeAlignsAtAxis() {
    Tensor a = Tensor.of(new float[24], 2, 3, 4);
    Tensor b = Tensor.of(new float[] {1, 2, 3}, 3);
    Tensor y = run("Add", 6, attrs("broadcast", 1, "axis", 1), a, b);
    for (int i = 0; i < 24; i++) {
      assertEquals((i / 4) % 3 + 1, y.floats()[i], "at " + i);
    }
    // without axis the old rules are numpy's suffix matching
    Tensor c = Tensor.of(new float[] {1, 2, 3, 4}, 4);
    assertEquals(4f, run("Add", 6, attrs("broadcast", 1), a, c).floats()[23]);
    // from opset 7 the attributes do not exist and numpy rules apply: [3] does not fit [..,4]
    assertThrows(ShapeMismatchException.class, () -> run("Add", 7, NONE, a, b));
  }

  @Test
  void preluAlignsChannelSlopeBeforeOpset7AndBroadcastsAfter() {
    Tensor x = Tensor.of(new float[] {-1, -1, -1, -1, -1, -1}, 1, 3, 2);
    Tensor slope = Tensor.of(new float[] {0.1f, 0.2f, 0.3f}, 3);
    assertArrayEquals(new float[] {-0.1f, -0.1f, -0.2f, -0.2f, -0.3f, -0.3f},
        run("PRelu", 6, NONE, x, slope).floats());
    Tensor slope2 = Tensor.of(new float[] {0.5f, 2f}, 2);
    assertArrayEquals(new float[] {-0.5f, -2f, -0.5f, -2f, -0.5f, -2f},
        run("PRelu", 9, NONE, x, slope2).floats());
    Tensor pos = Tensor.of(new float[] {3f, Float.NaN}, 2);
    Tensor y = run("PRelu", 16, NONE, pos, Tensor.of(new float[] {0.5f}, 1));
    assertEquals(3f, y.floats()[0]);
    assertTrue(Float.isNaN(y.floats()[1]));
  }

  @Test
  void variadicOpsFoldBroadcastInputsAndMaxPropagatesNaN() {
    Tensor a = Tensor.of(new float[] {1, 2, 3}, 3);
    Tensor b = Tensor.of(new float[] {10, 20}, 2, 1);
    Tensor c = Tensor.of(new float[] {100}, 1);
    assertArrayEquals(new float[] {111, 112, 113, 121, 122, 123}, run("Sum", 13, NONE, a, b, c).floats());
    assertArrayEquals(new float[] {37, 112f / 3, 113f / 3, 121f / 3, 122f / 3, 41},
        run("Mean", 13, NONE, a, b, c).floats(), 1e-5f);
    assertArrayEquals(new float[] {100, 100, 100, 100, 100, 100}, run("Max", 13, NONE, a, b, c).floats());
    assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, run("Min", 13, NONE, a, b, c).floats());
    Tensor one = run("Max", 8, NONE, a);
    assertArrayEquals(a.floats(), one.floats());
    Tensor n = Tensor.of(new float[] {Float.NaN, 0}, 2);
    Tensor m = run("Max", 13, NONE, n, Tensor.of(new float[] {1, 1}, 2));
    assertTrue(Float.isNaN(m.floats()[0]));
    assertEquals(1f, m.floats()[1]);
    Tensor mi = ivec(7, 8);
    assertArrayEquals(new long[] {5, 6}, run("Mean", 13, NONE, mi, ivec(3, 4)).toLongs());
  }

  @Test
  void mismatchedTypesAndShapesAreTypedErrors() {
    assertThrows(ShapeMismatchException.class,
        () -> run("Add", 14, NONE, vec(1), Tensor.of(new double[] {1}, 1)));
    assertThrows(ShapeMismatchException.class,
        () -> run("Mul", 14, NONE, Tensor.of(new float[3], 3), Tensor.of(new float[4], 4)));
  }

  /** Double-precision definitions of the unary ops, independent of the kernels. */
  private static double unaryRef(String op, double x) {
    switch (op) {
      case "Abs": return Math.abs(x);
      case "Neg": return -x;
      case "Sqrt": return Math.sqrt(x);
      case "Exp": return Math.exp(x);
      case "Log": return Math.log(x);
      case "Reciprocal": return 1 / x;
      case "Floor": return Math.floor(x);
      case "Ceil": return Math.ceil(x);
      case "Round": return Math.rint(x);
      case "Sign": return Math.signum(x);
      case "Sin": return Math.sin(x);
      case "Cos": return Math.cos(x);
      case "Tan": return Math.tan(x);
      case "Asin": return Math.asin(x);
      case "Acos": return Math.acos(x);
      case "Atan": return Math.atan(x);
      case "Sinh": return Math.sinh(x);
      case "Cosh": return Math.cosh(x);
      case "Asinh": return Math.log(x + Math.sqrt(x * x + 1));
      case "Acosh": return Math.log(x + Math.sqrt(x * x - 1));
      case "Atanh": return 0.5 * Math.log((1 + x) / (1 - x));
      default: throw new AssertionError(op);
    }
  }

  @Test
  void unaryOpsMatchDoublePrecisionDefinitionsOnEveryFloatType() {
    String[] ops = {"Abs", "Neg", "Sqrt", "Exp", "Log", "Reciprocal", "Floor", "Ceil", "Round",
        "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh"};
    Random rnd = new Random(13);
    int n = 70_003; // parallel chunks for F32
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextFloat() * 6 - 3;
    }
    x[0] = 2.5f;
    x[1] = -0.5f;
    x[2] = Float.NaN;
    for (String op : ops) {
      float[] in = x.clone();
      if (op.equals("Acosh")) {
        for (int i = 3; i < n; i++) {
          in[i] = 1 + Math.abs(in[i]);
        }
      } else if (op.startsWith("A") && !op.equals("Abs") && !op.equals("Asinh") && !op.equals("Atan")) {
        for (int i = 3; i < n; i++) {
          in[i] = in[i] / 3.01f;
        }
      }
      Tensor f32 = run(op, 13, NONE, PAR, Tensor.of(in, n));
      Tensor f64 = run(op, 13, NONE, Tensor.of(toDoubles(in), n));
      for (int i = 0; i < n; i++) {
        double want = unaryRef(op, in[i]);
        // float32: the double result rounded once, up to 1 ulp (Math.* is within 1 ulp of it)
        float w32 = (float) want;
        float g32 = f32.floats()[i];
        if (!(Float.isNaN(w32) && Float.isNaN(g32)) && !(Math.abs(w32 - g32) <= Math.ulp(w32))) {
          assertEquals(w32, g32, Math.ulp(w32), op + " f32 x=" + in[i]);
        }
        double g64 = f64.doubles()[i];
        double tol = 1e-13 * Math.max(1, Math.abs(want));
        if (!(Double.isNaN(want) && Double.isNaN(g64)) && !(Math.abs(want - g64) <= tol)) {
          assertEquals(want, g64, tol, op + " f64 x=" + in[i]);
        }
      }
      // float16: computed in double, rounded to half
      Tensor h = Tensor.zeros(DType.F16, 3);
      for (int i = 0; i < 3; i++) {
        h.setDouble(i, in[3 + i]);
      }
      Tensor gh = run(op, 13, NONE, h);
      assertEquals(DType.F16, gh.dtype());
      for (int i = 0; i < 3; i++) {
        double want = unaryRef(op, h.getDouble(i));
        assertEquals(Float16.toFloat(Float16.fromFloat((float) want)), (float) gh.getDouble(i), 1e-9, op + " f16");
      }
    }
    assertEquals(2f, run("Round", 11, NONE, vec(2.5f)).floats()[0]);
    assertEquals(-2f, run("Round", 11, NONE, vec(-1.5f)).floats()[0]);
    assertEquals(0f, run("Round", 11, NONE, vec(0.5f)).floats()[0]);
  }

  private static double[] toDoubles(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  @Test
  void integerUnaryOpsAndFloatOnlyOpsRejectIntegers() {
    Tensor x = ivec(-3, 0, 5, Integer.MIN_VALUE);
    assertArrayEquals(new long[] {3, 0, 5, Integer.MIN_VALUE}, run("Abs", 13, NONE, x).toLongs());
    assertArrayEquals(new long[] {3, 0, -5, Integer.MIN_VALUE}, run("Neg", 13, NONE, x).toLongs());
    assertArrayEquals(new long[] {-1, 0, 1, -1}, run("Sign", 13, NONE, x).toLongs());
    assertArrayEquals(new long[] {0, 0, 5, 0}, run("Relu", 14, NONE, x).toLongs());
    assertThrows(QuantLensException.class, () -> run("Exp", 13, NONE, x));
  }

  @Test
  void erfMatchesTabulatedValues() {
    Tensor y = run("Erf", 13, NONE, vec(0f, 0.5f, -1f, 2f, 3f, 10f));
    float[] want = {0f, 0.5204999f, -0.8427008f, 0.9953223f, 0.9999779f, 1f};
    assertArrayEquals(want, y.floats(), 2.5e-7f);
  }

  @Test
  void isNanAndIsInfDetectWhatTheyAreAskedTo() {
    Tensor x = vec(1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
    assertArrayEquals(new byte[] {0, 1, 0, 0}, run("IsNaN", 13, NONE, x).bytes());
    assertArrayEquals(new byte[] {0, 0, 1, 1}, run("IsInf", 10, NONE, x).bytes());
    assertArrayEquals(new byte[] {0, 0, 0, 1}, run("IsInf", 10, attrs("detect_positive", 0), x).bytes());
    assertArrayEquals(new byte[] {0, 0, 1, 0}, run("IsInf", 10, attrs("detect_negative", 0), x).bytes());
    Tensor d = Tensor.of(new double[] {Double.NaN, 1}, 2);
    assertArrayEquals(new byte[] {1, 0}, run("IsNaN", 13, NONE, d).bytes());
  }
}
