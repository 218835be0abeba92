package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.MatMulTestSupport.assertClose;
import static org.quantlens.engine.ops.MatMulTestSupport.naiveMatMul;
import static org.quantlens.engine.ops.MatMulTestSupport.op;
import static org.quantlens.engine.ops.MatMulTestSupport.random;
import static org.quantlens.engine.ops.MatMulTestSupport.run;
import static org.quantlens.engine.ops.MatMulTestSupport.toDoubles;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Float16;
import org.quantlens.engine.tensor.Tensor;

/** MatMul (numpy matmul semantics) against a naive nested-loop matmul written in the test. */
class MatMulOpTest {
  private final Random rnd = new Random(2024);

  /** Runs MatMul on random float32 inputs of the given shapes and checks it against the naive one. */
  private void checkShapes(int[] as, int[] bs, boolean constA, boolean constB) {
    float[] a = random(rnd, org.quantlens.engine.tensor.Shapes.size(as));
    float[] b = random(rnd, org.quantlens.engine.tensor.Shapes.size(bs));
    Tensor ta = Tensor.of(a, as);
    Tensor tb = Tensor.of(b, bs);
    Operator o = op("MatMul", 13, 2, Map.of(), constA ? ta : null, constB ? tb : null);
    Tensor y = run(o, ta, tb);
    int[][] shape = new int[1][];
    double[][] ref = naiveMatMul(toDoubles(a), as, toDoubles(b), bs, shape);
    assertClose(ref[0], ref[1], as[as.length - 1], y, shape[0]);
  }

  @Test
  void twoDimensionalProductsMatchNaiveForManyShapes() {
    int[] sizes = {1, 2, 7, 16, 33, 100};
    for (int m : sizes) {
      for (int n : sizes) {
        for (int k : new int[] {1, 5, 64, 300}) {
          checkShapes(new int[] {m, k}, new int[] {k, n}, false, false);
        }
      }
    }
  }

  @Test
  void oneDimensionalOperandsArePromotedAndTheirDimensionRemoved() {
    checkShapes(new int[] {5}, new int[] {5, 3}, false, false); // -> [3]
    checkShapes(new int[] {4, 5}, new int[] {5}, false, false); // -> [4]
    checkShapes(new int[] {7}, new int[] {7}, false, false); // -> []
    checkShapes(new int[] {2, 3, 5}, new int[] {5}, false, false); // -> [2, 3]
    checkShapes(new int[] {5}, new int[] {2, 5, 3}, false, false); // -> [2, 3]
    Tensor y = run(op("MatMul", 13, 2, Map.of()), Tensor.of(new float[] {1, 2, 3}, 3),
        Tensor.of(new float[] {4, 5, 6}, 3));
    assertArrayEquals(new int[0], y.shape());
    assertEquals(32f, y.floats()[0]);
  }

  @Test
  void batchDimensionsBroadcastLikeNumpy() {
    checkShapes(new int[] {2, 1, 3, 4}, new int[] {5, 4, 6}, false, false); // -> [2, 5, 3, 6]
    checkShapes(new int[] {3, 4, 5}, new int[] {3, 5, 2}, false, false);
    checkShapes(new int[] {1, 4, 5}, new int[] {3, 5, 2}, false, false);
    checkShapes(new int[] {3, 4, 5}, new int[] {1, 5, 2}, false, false);
    checkShapes(new int[] {2, 3, 4, 5}, new int[] {5, 9}, false, false);
    checkShapes(new int[] {4, 5}, new int[] {2, 3, 5, 9}, false, false);
    checkShapes(new int[] {6, 1, 8, 40}, new int[] {1, 7, 40, 20}, false, false);
  }

  @Test
  void constantWeightsArePackedAndGiveTheSameBitsAsRuntimeWeights() {
    int[][][] cases = {
      {{3, 4, 50}, {50, 30}}, {{1, 50}, {50, 30}}, {{50}, {50, 30}}, {{9, 300}, {300, 70}},
      {{2, 5, 1, 20}, {20, 17}},
    };
    for (int[][] c : cases) {
      checkShapes(c[0], c[1], false, true);
      Tensor a = Tensor.of(random(rnd, org.quantlens.engine.tensor.Shapes.size(c[0])), c[0]);
      Tensor b = Tensor.of(random(rnd, org.quantlens.engine.tensor.Shapes.size(c[1])), c[1]);
      float[] packed = run(op("MatMul", 13, 2, Map.of(), null, b), a, b).floats();
      float[] plain = run(op("MatMul", 13, 2, Map.of()), a, b).floats();
      assertArrayEquals(plain, packed);
    }
    // the weight on the left (W x X, as in Conv lowered to MatMul): A is packed
    checkShapes(new int[] {8, 30}, new int[] {4, 30, 50}, true, false);
    checkShapes(new int[] {8, 30}, new int[] {30, 50}, true, false);
  }

  @Test
  void fusedReluIsAppliedToTheOutput() {
    float[] a = random(rnd, 6 * 20);
    float[] b = random(rnd, 20 * 9);
    Map<String, Attribute> attrs = Map.of(FusedActivation.ATTR, Attribute.of("Relu"));
    for (Tensor constB : new Tensor[] {null, Tensor.of(b, 20, 9)}) {
      Tensor y = run(op("MatMul", 13, 2, attrs, null, constB), Tensor.of(a, 6, 20),
          Tensor.of(b, 20, 9));
      int[][] shape = new int[1][];
      double[][] ref = naiveMatMul(toDoubles(a), new int[] {6, 20}, toDoubles(b), new int[] {20, 9},
          shape);
      boolean sawNegative = false;
      for (int i = 0; i < ref[0].length; i++) {
        sawNegative |= ref[0][i] < 0;
        ref[0][i] = Math.max(0, ref[0][i]);
      }
      assertTrue(sawNegative, "test data should have negative products");
      assertClose(ref[0], ref[1], 20, y, shape[0]);
    }
  }

  @Test
  void innerDimensionMismatchNamesTheNodeAndBothShapes() {
    ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
        () -> run(op("MatMul", 13, 2, Map.of()), Tensor.zeros(DType.F32, 2, 3),
            Tensor.zeros(DType.F32, 4, 5)));
    assertTrue(e.getMessage().contains("'n1'"), e.getMessage());
    assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"),
        e.getMessage());
    ShapeMismatchException batch = assertThrows(ShapeMismatchException.class,
        () -> run(op("MatMul", 13, 2, Map.of()), Tensor.zeros(DType.F32, 2, 3, 4),
            Tensor.zeros(DType.F32, 3, 4, 5)));
    assertTrue(batch.getMessage().contains("'n1'") && batch.getMessage().contains("[2, 3, 4]"),
        batch.getMessage());
  }

  @Test
  void doublePrecisionAccumulatesInDouble() {
    // 1 + 1e-8 is 1 in float but not in double
    Tensor a = Tensor.of(new double[] {1, 1e-8}, 1, 2);
    Tensor b = Tensor.of(new double[] {1, 1}, 2, 1);
    Tensor y = run(op("MatMul", 13, 2, Map.of()), a, b);
    assertEquals(DType.F64, y.dtype());
    assertEquals(1 + 1e-8, y.doubles()[0]);
    Tensor c = Tensor.of(new double[] {0.1, 0.2, 0.3, 0.4}, 2, 2);
    Tensor d = run(op("MatMul", 13, 2, Map.of()), c, c);
    assertArrayEquals(new double[] {0.1 * 0.1 + 0.2 * 0.3, 0.1 * 0.2 + 0.2 * 0.4,
        0.3 * 0.1 + 0.4 * 0.3, 0.3 * 0.2 + 0.4 * 0.4}, d.doubles());
  }

  @Test
  void integerProductsWrapAroundLikeTheirType() {
    Tensor a32 = Tensor.of(new int[] {65536, 3, 2, -4}, 2, 2);
    Tensor b32 = Tensor.of(new int[] {65536, 1, 5, 7}, 2, 2);
    // row 0: 65536*65536 + 3*5 = 2^32 + 15 -> 15 in int32; 65536*1 + 3*7 = 65557
    // row 1: 2*65536 + -4*5 = 131052; 2*1 + -4*7 = -26
    assertArrayEquals(new int[] {15, 65557, 131052, -26},
        run(op("MatMul", 13, 2, Map.of()), a32, b32).ints());
    Tensor a64 = Tensor.of(new long[] {Long.MAX_VALUE, 1}, 1, 2);
    Tensor b64 = Tensor.of(new long[] {2, 3}, 2, 1);
    assertArrayEquals(new long[] {Long.MAX_VALUE * 2 + 3},
        run(op("MatMul", 13, 2, Map.of()), a64, b64).longs());
    Tensor au = Tensor.wrap(DType.U32, new int[] {-1, 2}, 1, 2); // 4294967295, 2
    Tensor bu = Tensor.wrap(DType.U32, new int[] {2, 3}, 2, 1);
    Tensor yu = run(op("MatMul", 13, 2, Map.of()), au, bu);
    assertEquals(DType.U32, yu.dtype());
    assertEquals((4294967295L * 2 + 6) & 0xffffffffL, yu.getLong(0)); // = 4
    Tensor a8 = Tensor.wrap(DType.U64, new long[] {-1L, 1}, 1, 2); // 2^64 - 1, 1
    Tensor b8 = Tensor.wrap(DType.U64, new long[] {1, 1}, 2, 1);
    assertEquals(0L, run(op("MatMul", 13, 2, Map.of()), a8, b8).longs()[0]); // 2^64 wraps to 0
  }

  @Test
  void halfPrecisionAccumulatesInDoubleAndRoundsOnce() {
    short[] a = {Float16.fromFloat(1f), Float16.fromFloat(0.5f), Float16.fromFloat(2048f)};
    short[] b = {Float16.fromFloat(2048f), Float16.fromFloat(1f), Float16.fromFloat(1f)};
    Tensor y = run(op("MatMul", 13, 2, Map.of()), Tensor.wrap(DType.F16, a, 1, 3),
        Tensor.wrap(DType.F16, b, 3, 1));
    assertEquals(DType.F16, y.dtype());
    // 2048 + 0.5 + 2048 = 4096.5, rounded once to half: 4096 (half spacing is 4 there)
    assertEquals(4096f, Float16.toFloat(y.shorts()[0]));
    short[] c = {Float16.fromFloat(2048f), Float16.fromFloat(1f), Float16.fromFloat(1f)};
    short[] ones = {Float16.fromFloat(1f), Float16.fromFloat(1f), Float16.fromFloat(1f)};
    Tensor z = run(op("MatMul", 13, 2, Map.of()), Tensor.wrap(DType.F16, c, 1, 3),
        Tensor.wrap(DType.F16, ones, 3, 1));
    // 2048 + 1 + 1 = 2050 exactly; a half accumulator would round 2049 to 2048 twice
    assertEquals(2050f, Float16.toFloat(z.shorts()[0]));
  }

  @Test
  void sessionResultsAreBitIdenticalForOneAndThreeThreads() {
    Graph g = new Graph("t");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 8, 16, 64));
    g.inputs().add(new Value("z", DType.F32, 8, 40, 16));
    g.nodes().add(new Node("mm1", "MatMul", List.of("x", "w"), List.of("h"), Map.of()));
    g.nodes().add(new Node("mm2", "MatMul", List.of("z", "h"), List.of("y"), Map.of()));
    g.initializers().put("w", Tensor.of(random(rnd, 64 * 48), 64, 48));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    Map<String, Tensor> feeds = Map.of("x", Tensor.of(random(rnd, 8 * 16 * 64), 8, 16, 64),
        "z", Tensor.of(random(rnd, 8 * 40 * 16), 8, 40, 16));
    float[] one;
    float[] three;
    try (Session s = new Session(g, new Session.Options().threads(1))) {
      one = s.run(feeds).get("y").floats();
    }
    try (Session s = new Session(g, new Session.Options().threads(3))) {
      three = s.run(feeds).get("y").floats();
    }
    assertEquals(8 * 40 * 48, one.length);
    assertArrayEquals(one, three);
  }
}
