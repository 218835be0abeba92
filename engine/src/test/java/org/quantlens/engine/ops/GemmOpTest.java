package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.MatMulTestSupport.op;
import static org.quantlens.engine.ops.MatMulTestSupport.random;
import static org.quantlens.engine.ops.MatMulTestSupport.run;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** Gemm attributes, bias broadcasting and opset rules, against hand-computed results. */
class GemmOpTest {
  // A = [1 2 3; 4 5 6], B = [1 0 2 1; 0 1 1 2; 1 1 0 1]: A*B = [4 5 4 8; 10 11 13 20]
  private static final float[] A = {1, 2, 3, 4, 5, 6};
  private static final float[] A_T = {1, 4, 2, 5, 3, 6}; // A stored transposed (3 x 2)
  private static final float[] B = {1, 0, 2, 1, 0, 1, 1, 2, 1, 1, 0, 1};
  private static final float[] B_T = {1, 0, 1, 0, 1, 1, 2, 1, 0, 1, 2, 1}; // 4 x 3
  private static final float[] AB = {4, 5, 4, 8, 10, 11, 13, 20};

  private static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      m.put((String) kv[i], v instanceof Float ? Attribute.of((Float) v)
          : v instanceof String ? Attribute.of((String) v) : Attribute.of(((Integer) v).longValue()));
    }
    return m;
  }

  @Test
  void defaultsAddAMatrixBias() {
    Tensor y = run(op("Gemm", 13, 3, Map.of()), Tensor.of(A, 2, 3), Tensor.of(B, 3, 4),
        Tensor.of(new float[] {1, 1, 1, 1, 2, 2, 2, 2}, 2, 4));
    assertArrayEquals(new int[] {2, 4}, y.shape());
    assertArrayEquals(new float[] {5, 6, 5, 9, 12, 13, 15, 22}, y.floats());
  }

  @Test
  void alphaBetaAndBothTransposes() {
    Tensor c = Tensor.of(new float[] {2, 2, 2, 2, 4, 4, 4, 4}, 2, 4);
    float[] expected = {9, 11, 9, 17, 22, 24, 28, 42}; // 2 * AB + 0.5 * C
    for (int ta = 0; ta < 2; ta++) {
      for (int tb = 0; tb < 2; tb++) {
        Tensor a = ta == 1 ? Tensor.of(A_T, 3, 2) : Tensor.of(A, 2, 3);
        Tensor b = tb == 1 ? Tensor.of(B_T, 4, 3) : Tensor.of(B, 3, 4);
        Map<String, Attribute> at = attrs("alpha", 2f, "beta", 0.5f, "transA", ta, "transB", tb);
        assertArrayEquals(expected, run(op("Gemm", 13, 3, at), a, b, c).floats(),
            "transA=" + ta + " transB=" + tb);
        assertArrayEquals(expected, run(op("Gemm", 13, 3, at, null, b), a, b, c).floats(),
            "constant B, transA=" + ta + " transB=" + tb);
      }
    }
  }

  @Test
  void biasBroadcastsFromEveryAllowedShape() {
    Tensor a = Tensor.of(A, 2, 3);
    Tensor b = Tensor.of(B, 3, 4);
    Operator o = op("Gemm", 13, 3, Map.of());
    assertArrayEquals(add(AB, new float[] {7, 7, 7, 7, 7, 7, 7, 7}),
        run(o, a, b, Tensor.of(new float[] {7})).floats(), "scalar");
    assertArrayEquals(add(AB, new float[] {7, 7, 7, 7, 7, 7, 7, 7}),
        run(o, a, b, Tensor.of(new float[] {7}, 1)).floats(), "(1)");
    float[] row = {1, 2, 3, 4};
    float[] rowTwice = {1, 2, 3, 4, 1, 2, 3, 4};
    assertArrayEquals(add(AB, rowTwice), run(o, a, b, Tensor.of(row, 4)).floats(), "(N)");
    assertArrayEquals(add(AB, rowTwice), run(o, a, b, Tensor.of(row, 1, 4)).floats(), "(1,N)");
    assertArrayEquals(add(AB, new float[] {1, 1, 1, 1, 2, 2, 2, 2}),
        run(o, a, b, Tensor.of(new float[] {1, 2}, 2, 1)).floats(), "(M,1)");
    assertArrayEquals(add(AB, new float[] {5, 5, 5, 5, 5, 5, 5, 5}),
        run(o, a, b, Tensor.of(new float[] {5}, 1, 1)).floats(), "(1,1)");
    ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
        () -> run(o, a, b, Tensor.of(new float[] {1, 2, 3}, 3)));
    assertTrue(e.getMessage().contains("'n1'") && e.getMessage().contains("[3]"), e.getMessage());
  }

  @Test
  void cIsOptionalFromOpset11AndRequiredBefore() {
    Tensor y = run(op("Gemm", 11, 2, Map.of()), Tensor.of(A, 2, 3), Tensor.of(B, 3, 4));
    assertArrayEquals(AB, y.floats());
    assertThrows(InvalidAttributeException.class, () -> op("Gemm", 9, 2, Map.of()));
  }

  @Test
  void opset6BroadcastAttributeWithVectorBias() {
    Tensor y = run(op("Gemm", 6, 3, attrs("broadcast", 1)), Tensor.of(A, 2, 3), Tensor.of(B, 3, 4),
        Tensor.of(new float[] {1, 2, 3, 4}, 4));
    assertArrayEquals(add(AB, new float[] {1, 2, 3, 4, 1, 2, 3, 4}), y.floats());
  }

  @Test
  void betaZeroIgnoresTheBias() {
    Tensor y = run(op("Gemm", 13, 3, attrs("beta", 0f)), Tensor.of(A, 2, 3), Tensor.of(B, 3, 4),
        Tensor.of(new float[] {Float.NaN}, 1));
    assertArrayEquals(AB, y.floats());
  }

  @Test
  void fusedActivationsApplyAfterTheBias() {
    // AB + C with C = -10: [-6 -5 -6 -2; 0 1 3 10]
    Tensor c = Tensor.of(new float[] {-10}, 1);
    float[] relu = {0, 0, 0, 0, 0, 1, 3, 10};
    Tensor a = Tensor.of(A, 2, 3);
    Tensor b = Tensor.of(B, 3, 4);
    Map<String, Attribute> r = attrs(FusedActivation.ATTR, "Relu");
    assertArrayEquals(relu, run(op("Gemm", 13, 3, r), a, b, c).floats());
    assertArrayEquals(relu, run(op("Gemm", 13, 3, r, null, b), a, b, c).floats(), "constant B");
    Map<String, Attribute> clip = attrs(FusedActivation.ATTR, "Clip", FusedActivation.ATTR_MIN, -1f,
        FusedActivation.ATTR_MAX, 2f);
    assertArrayEquals(new float[] {-1, -1, -1, -1, 0, 1, 2, 2},
        run(op("Gemm", 13, 3, clip), a, b, c).floats());
    // a single row takes the matrix-vector path, with the packed weights too
    Tensor a1 = Tensor.of(new float[] {4, 5, 6}, 1, 3);
    assertArrayEquals(new float[] {0, 1, 3, 10}, run(op("Gemm", 13, 3, r, null, b), a1, b, c).floats());
  }

  @Test
  void constantWeightsGiveTheSameBitsAsRuntimeWeights() {
    Random rnd = new Random(5);
    for (int m : new int[] {1, 3, 64}) {
      for (int tb = 0; tb < 2; tb++) {
        int k = 300;
        int n = 45;
        Tensor a = Tensor.of(random(rnd, m * k), m, k);
        Tensor b = tb == 1 ? Tensor.of(random(rnd, n * k), n, k) : Tensor.of(random(rnd, k * n), k, n);
        Tensor c = Tensor.of(random(rnd, n), n);
        Map<String, Attribute> at = attrs("transB", tb);
        assertArrayEquals(run(op("Gemm", 13, 3, at), a, b, c).floats(),
            run(op("Gemm", 13, 3, at, null, b), a, b, c).floats(), "m=" + m + " transB=" + tb);
      }
    }
  }

  @Test
  void innerDimensionMismatchNamesTheNodeAndBothShapes() {
    ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
        () -> run(op("Gemm", 13, 2, attrs("transB", 1)), Tensor.zeros(DType.F32, 2, 3),
            Tensor.zeros(DType.F32, 4, 5)));
    assertTrue(e.getMessage().contains("'n1'") && e.getMessage().contains("(Gemm)"), e.getMessage());
    assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"),
        e.getMessage());
  }

  @Test
  void otherTypesUseTheGenericPath() {
    double[] ad = {1, 2, 3, 4, 5, 6};
    double[] bd = {1, 0, 2, 1, 0, 1, 1, 2, 1, 1, 0, 1};
    Tensor y = run(op("Gemm", 13, 3, attrs("alpha", 2f, "beta", 0.5f)), Tensor.of(ad, 2, 3),
        Tensor.of(bd, 3, 4), Tensor.of(new double[] {2, 4}, 2, 1));
    assertEquals(DType.F64, y.dtype());
    assertArrayEquals(new double[] {9, 11, 9, 17, 22, 24, 28, 42}, y.doubles());
    Tensor yi = run(op("Gemm", 13, 3, Map.of()), Tensor.of(new int[] {1, 2, 3, 4, 5, 6}, 2, 3),
        Tensor.of(new int[] {1, 0, 2, 1, 0, 1, 1, 2, 1, 1, 0, 1}, 3, 4),
        Tensor.of(new int[] {1, 2, 3, 4}, 4));
    assertArrayEquals(new int[] {5, 7, 7, 12, 11, 13, 16, 24}, yi.ints());
    Tensor yl = run(op("Gemm", 13, 2, attrs("transA", 1)), Tensor.of(new long[] {1, 4, 2, 5, 3, 6}, 3, 2),
        Tensor.of(new long[] {1, 0, 2, 1, 0, 1, 1, 2, 1, 1, 0, 1}, 3, 4));
    assertArrayEquals(new long[] {4, 5, 4, 8, 10, 11, 13, 20}, yl.longs());
  }

  private static float[] add(float[] x, float[] y) {
    float[] r = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      r[i] = x[i] + y[i];
    }
    return r;
  }
}
