package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.ElementwiseTestSupport.PAR;
import static org.quantlens.engine.ops.ElementwiseTestSupport.attrs;
import static org.quantlens.engine.ops.ElementwiseTestSupport.run;
import static org.quantlens.engine.ops.ElementwiseTestSupport.vec;

import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** Activations, Clip and the softmax family against double-precision definitions and hand values. */
class ActivationOpsTest {
  private static final Map<String, Attribute> NONE = Map.of();

  private static void checkActivation(String op, Map<String, Attribute> a, DoubleUnaryOperator f) {
    Random rnd = new Random(op.hashCode());
    int n = 70_001; // parallel chunks
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i % 3 == 0 ? rnd.nextFloat() * 40 - 20 : rnd.nextFloat() * 6 - 3;
    }
    Tensor y = run(op, 17, a, PAR, Tensor.of(x, n));
    Tensor serial = run(op, 17, a, Tensor.of(x, n));
    assertArrayEquals(serial.floats(), y.floats(), op + ": same result on 1 and 4 threads");
    double[] xd = new double[n];
    for (int i = 0; i < n; i++) {
      xd[i] = x[i];
    }
    Tensor yd = run(op, 17, a, Tensor.of(xd, n));
    for (int i = 0; i < n; i++) {
      double want = f.applyAsDouble(x[i]);
      // float32: the polynomial kernels' stated bound, 4 ulp relative plus 2e-7 absolute
      double tol = 4.8e-7 * Math.abs(want) + 2e-7;
      if (!(Math.abs(want - y.floats()[i]) <= tol)) {
        assertEquals(want, y.floats()[i], tol, op + " x=" + x[i]);
      }
      if (!(Math.abs(want - yd.doubles()[i]) <= 1e-12 * (1 + Math.abs(want)))) {
        assertEquals(want, yd.doubles()[i], 1e-12 * (1 + Math.abs(want)), op + " f64 x=" + x[i]);
      }
    }
  }

  @Test
  void activationsMatchTheirDefinitionsWithDefaultAndGivenAttributes() {
    checkActivation("Relu", NONE, x -> x > 0 ? x : 0);
    checkActivation("LeakyRelu", NONE, x -> x >= 0 ? x : 0.01f * x);
    checkActivation("LeakyRelu", attrs("alpha", 0.25f), x -> x >= 0 ? x : 0.25 * x);
    checkActivation("Sigmoid", NONE, x -> 1 / (1 + Math.exp(-x)));
    checkActivation("Tanh", NONE, Math::tanh);
    checkActivation("HardSigmoid", NONE, x -> Math.max(0, Math.min(1, 0.2f * x + 0.5)));
    checkActivation("HardSigmoid", attrs("alpha", 0.5f, "beta", 0.25f),
        x -> Math.max(0, Math.min(1, 0.5 * x + 0.25)));
    checkActivation("HardSwish", NONE, x -> x * Math.max(0, Math.min(1, x / 6 + 0.5)));
    checkActivation("Elu", NONE, x -> x >= 0 ? x : Math.exp(x) - 1);
    checkActivation("Elu", attrs("alpha", 2f), x -> x >= 0 ? x : 2 * (Math.exp(x) - 1));
    double sa = 1.67326319217681884765625;
    double sg = 1.05070102214813232421875;
    checkActivation("Selu", NONE, x -> x > 0 ? sg * x : sg * (sa * Math.exp(x) - sa));
    checkActivation("Celu", NONE, x -> Math.max(0, x) + Math.min(0, Math.exp(x) - 1));
    checkActivation("Celu", attrs("alpha", 0.5f),
        x -> Math.max(0, x) + Math.min(0, 0.5 * (Math.exp(x / 0.5) - 1)));
    checkActivation("Softplus", NONE, x -> Math.log(Math.exp(x) + 1));
    checkActivation("Softsign", NONE, x -> x / (1 + Math.abs(x)));
    checkActivation("ThresholdedRelu", NONE, x -> x > 1 ? x : 0);
    checkActivation("ThresholdedRelu", attrs("alpha", 0.5f), x -> x > 0.5 ? x : 0);
  }

  @Test
  void activationsHandValuesAndNaN() {
    assertArrayEquals(new float[] {0f, 0f, 2f}, run("Relu", 14, NONE, vec(-1f, 0f, 2f)).floats());
    assertArrayEquals(new float[] {0.5f, 0.7310586f}, run("Sigmoid", 13, NONE, vec(0f, 1f)).floats(), 1e-7f);
    assertArrayEquals(new float[] {-0.7615942f}, run("Tanh", 13, NONE, vec(-1f)).floats(), 1e-7f);
    assertArrayEquals(new float[] {-1.1113307f}, run("Selu", 6, NONE, vec(-1f)).floats(), 2e-7f);
    assertArrayEquals(new float[] {0.6931472f}, run("Softplus", 1, NONE, vec(0f)).floats(), 1e-7f);
    assertArrayEquals(new float[] {0f, 0.6666667f, 3f}, run("HardSwish", 14, NONE, vec(-3f, 1f, 3f)).floats(), 1e-7f);
    for (String op : new String[] {"Relu", "Sigmoid", "Tanh", "Elu", "LeakyRelu", "Softplus", "HardSigmoid"}) {
      assertTrue(Float.isNaN(run(op, 13, NONE, vec(Float.NaN)).floats()[0]), op + "(NaN)");
    }
  }

  @Test
  void clipOpset6UsesAttributesWithFloatRangeDefaults() {
    Tensor x = vec(-5f, 0.5f, 5f, Float.POSITIVE_INFINITY, Float.NaN);
    float[] y = run("Clip", 6, attrs("min", -1f, "max", 1f), x).floats();
    assertArrayEquals(new float[] {-1f, 0.5f, 1f, 1f}, java.util.Arrays.copyOf(y, 4));
    assertTrue(Float.isNaN(y[4]));
    assertEquals(Float.MAX_VALUE, run("Clip", 6, attrs("min", 0f), x).floats()[3]);
    assertEquals(0f, run("Clip", 6, attrs("min", 0f), x).floats()[0]);
  }

  @Test
  void clipOpset11TakesOptionalBoundInputs() {
    Tensor x = vec(-5f, 0.5f, 5f);
    Tensor lo = Tensor.of(new float[] {-1f});
    Tensor hi = Tensor.of(new float[] {1f});
    assertArrayEquals(new float[] {-1f, 0.5f, 1f}, run("Clip", 11, NONE, x, lo, hi).floats());
    assertArrayEquals(new float[] {-1f, 0.5f, 5f}, run("Clip", 11, NONE, x, lo).floats());
    assertArrayEquals(new float[] {-5f, 0.5f, 1f}, run("Clip", 11, NONE, x, null, hi).floats());
    assertArrayEquals(new float[] {-5f, 0.5f, 5f}, run("Clip", 11, NONE, x).floats());
    // the attributes of Clip-6 mean nothing from 11 on
    assertArrayEquals(new float[] {-5f, 0.5f, 5f}, run("Clip", 11, attrs("min", 0f), x).floats());
    // min above max: everything becomes max
    assertArrayEquals(new float[] {-1f, -1f, -1f},
        run("Clip", 13, NONE, x, Tensor.of(new float[] {2f}), Tensor.of(new float[] {-1f})).floats());
  }

  @Test
  void clipOpset12ClipsIntegers() {
    Tensor x = Tensor.wrap(DType.I8, new byte[] {-128, -3, 0, 7, 127}, 5);
    Tensor lo = Tensor.wrap(DType.I8, new byte[] {-2}, new int[0]);
    Tensor hi = Tensor.wrap(DType.I8, new byte[] {5}, new int[0]);
    assertArrayEquals(new long[] {-2, -2, 0, 5, 5}, run("Clip", 12, NONE, x, lo, hi).toLongs());
    assertArrayEquals(new long[] {-2, -2, 0, 7, 127}, run("Clip", 12, NONE, x, lo).toLongs());
    assertArrayEquals(new long[] {-128, -3, 0, 7, 127}, run("Clip", 13, NONE, x).toLongs());
    Tensor u = Tensor.wrap(DType.U8, new byte[] {(byte) 250, 3}, 2);
    Tensor uhi = Tensor.wrap(DType.U8, new byte[] {(byte) 200}, new int[0]);
    assertArrayEquals(new long[] {200, 3}, run("Clip", 13, NONE, u, null, uhi).toLongs());
  }

  /** Softmax family, naive double reference: normalises over groups of len elements inner apart. */
  private static double[] naiveSoftmax(String op, float[] x, int outer, int len, int inner) {
    double[] out = new double[x.length];
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < inner; j++) {
        double m = Double.NEGATIVE_INFINITY;
        int arg = 0;
        for (int k = 0; k < len; k++) {
          double v = x[(o * len + k) * inner + j];
          if (v > m) {
            m = v;
            arg = k;
          }
        }
        double s = 0;
        for (int k = 0; k < len; k++) {
          s += Math.exp(x[(o * len + k) * inner + j] - m);
        }
        for (int k = 0; k < len; k++) {
          int i = (o * len + k) * inner + j;
          out[i] = op.equals("Softmax") ? Math.exp(x[i] - m) / s
              : op.equals("LogSoftmax") ? x[i] - m - Math.log(s) : k == arg ? 1 : 0;
        }
      }
    }
    return out;
  }

  private static void assertClose(double[] want, float[] got, String what) {
    for (int i = 0; i < want.length; i++) {
      double tol = 1e-6 * Math.abs(want[i]) + 1e-7;
      if (!(Math.abs(want[i] - got[i]) <= tol)) {
        assertEquals(want[i], got[i], tol, what + " at " + i);
      }
    }
  }

  @Test
  void softmaxFamilyCoercesTo2dBeforeOpset13AndUsesOneAxisFrom13() {
    Random rnd = new Random(21);
    float[] x = ElementwiseTestSupport.randomFloats(rnd, 2 * 3 * 4);
    for (String op : new String[] {"Softmax", "LogSoftmax", "Hardmax"}) {
      Tensor t = Tensor.of(x, 2, 3, 4);
      // opset 11, axis 1: rows of 12 (the flattened trailing dimensions)
      assertClose(naiveSoftmax(op, x, 2, 12, 1), run(op, 11, attrs("axis", 1), t).floats(), op + "-11 axis 1");
      assertClose(naiveSoftmax(op, x, 2, 12, 1), run(op, 11, NONE, t).floats(), op + "-11 default axis");
      // opset 13, axis 1: 3 elements 4 apart
      float[] y13 = run(op, 13, attrs("axis", 1), t).floats();
      assertClose(naiveSoftmax(op, x, 2, 3, 4), y13, op + "-13 axis 1");
      assertFalse(java.util.Arrays.equals(y13, run(op, 11, attrs("axis", 1), t).floats()));
      // opset 13 default: the last axis
      assertClose(naiveSoftmax(op, x, 6, 4, 1), run(op, 13, NONE, t).floats(), op + "-13 default axis");
      assertClose(naiveSoftmax(op, x, 1, 2, 12), run(op, 13, attrs("axis", -3), t).floats(), op + "-13 axis -3");
      assertClose(naiveSoftmax(op, x, 1, 24, 1), run(op, 1, attrs("axis", 0), t).floats(), op + "-1 axis 0");
    }
  }

  @Test
  void softmaxIsStableForLargeInputsAndHardmaxPicksFirstTie() {
    assertArrayEquals(new float[] {0.09003057f, 0.24472847f, 0.66524096f},
        run("Softmax", 13, NONE, vec(1000f, 1001f, 1002f)).floats(), 1e-7f);
    assertArrayEquals(new float[] {-2.4076061f, -1.4076061f, -0.4076061f},
        run("LogSoftmax", 13, NONE, vec(1000f, 1001f, 1002f)).floats(), 1e-6f);
    assertArrayEquals(new float[] {0f, 1f, 0f, 0f}, run("Hardmax", 13, NONE, vec(1f, 3f, 3f, 2f)).floats());
    Tensor d = Tensor.of(new double[] {1, 2, 3}, 3);
    double e = Math.exp(1) + Math.exp(2) + Math.exp(3);
    assertArrayEquals(new double[] {Math.exp(1) / e, Math.exp(2) / e, Math.exp(3) / e},
        run("Softmax", 13, NONE, d).doubles(), 1e-15);
    assertThrows(QuantLensException.class, () -> run("Softmax", 13, NONE, Tensor.of(new int[] {1, 2}, 2)));
  }

  @Test
  void bigSoftmaxIsTheSameOnOneAndManyThreads() {
    Random rnd = new Random(22);
    for (int[] shape : new int[][] {{2, 50, 1000}, {300, 700}}) {
      float[] x = ElementwiseTestSupport.randomFloats(rnd, shape[0] * shape[1] * (shape.length > 2 ? shape[2] : 1));
      Tensor t = Tensor.of(x, shape);
      for (String op : new String[] {"Softmax", "LogSoftmax", "Hardmax"}) {
        float[] one = run(op, 13, attrs("axis", 1), ExecContext.SERIAL, t).floats();
        float[] many = run(op, 13, attrs("axis", 1), PAR, t).floats();
        assertArrayEquals(one, many, op);
        int inner = shape.length > 2 ? shape[2] : 1;
        assertClose(naiveSoftmax(op, x, shape[0], shape[1], inner), many, op + " big");
      }
    }
  }
}
