package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.QuantTestSupport.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** MatMulInteger, QLinearMatMul, MatMulIntegerToFloat, DynamicQuantizeMatMul vs naive formulas. */
class QuantMatMulOpsTest {
  /** Naive int matmul of 2-D operands with per-row / per-column zero points (long accumulation). */
  static long[] naive(Tensor a, int[] za, Tensor b, int[] zb, int m, int k, int n) {
    long[] y = new long[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        long s = 0;
        for (int p = 0; p < k; p++) {
          s += (long) (q(a, i * k + p) - za[za.length == 1 ? 0 : i]) * (q(b, p * n + j) - zb[zb.length == 1 ? 0 : j]);
        }
        y[i * n + j] = s;
      }
    }
    return y;
  }

  static int[] values(Tensor t) {
    int[] v = new int[t.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = q(t, i);
    }
    return v;
  }

  @Test
  void matMulIntegerMatchesNaiveForAllSignCombinationsPerRowAndPerColumnZeroPointsAndThreads() {
    Random r = new Random(3);
    // one row over many panels (1 x 300 x 600, 1 x 129 x 40): the batch-1 path that sweeps K blocks outside panels
    int[][] shapes = {{1, 7, 5}, {3, 16, 16}, {5, 33, 17}, {70, 300, 40}, {2, 1, 1}, {9, 1100, 3}, {1, 300, 600},
        {1, 129, 40}};
    for (int[] s : shapes) {
      int m = s[0], k = s[1], n = s[2];
      for (int combo = 0; combo < 4; combo++) {
        boolean au = (combo & 1) != 0;
        boolean bu = (combo & 2) != 0;
        Tensor a = bytes(r, au, m, k);
        Tensor b = bytes(r, bu, k, n);
        boolean perRow = combo % 2 == 0;
        Tensor azp = perRow ? bytes(r, au, m) : bytes(r, au);
        Tensor bzp = combo < 2 ? bytes(r, bu, n) : bytes(r, bu);
        for (boolean constB : new boolean[] {true, false}) {
          Map<String, Tensor> c = new HashMap<>();
          Map<String, Tensor> f = new HashMap<>(Map.of("a", a, "azp", azp, "bzp", bzp));
          (constB ? c : f).put("b", b);
          if (constB) {
            c.put("bzp", bzp);
            f.remove("bzp");
          }
          Graph g = graph("MatMulInteger", "", 13, List.of("a", "b", "azp", "bzp"), c, f, Map.of(), "y");
          for (int threads : new int[] {1, 3}) {
            Tensor y = run(g, f, threads).get("y");
            assertEquals(DType.I32, y.dtype());
            assertArrayEquals(new int[] {m, n}, y.shape());
            long[] want = naive(a, values(azp), b, values(bzp), m, k, n);
            for (int i = 0; i < want.length; i++) {
              assertEquals(want[i], y.ints()[i], "shape " + java.util.Arrays.toString(s) + " combo " + combo + " [" + i + "]");
            }
          }
        }
      }
    }
  }

  @Test
  void matMulIntegerBroadcastsBatchesAndOneDimensionalOperands() {
    Random r = new Random(4);
    Tensor a = bytes(r, true, 2, 1, 3, 6);
    Tensor b = bytes(r, false, 4, 6, 5);
    Tensor y = run(graph("MatMulInteger", "", 10, List.of("a", "b"), Map.of("b", b), Map.of("a", a), Map.of(), "y"),
        Map.of("a", a), 2).get("y");
    assertArrayEquals(new int[] {2, 4, 3, 5}, y.shape());
    for (int x = 0; x < 2; x++) {
      for (int z = 0; z < 4; z++) {
        for (int i = 0; i < 3; i++) {
          for (int j = 0; j < 5; j++) {
            long s = 0;
            for (int p = 0; p < 6; p++) {
              s += (long) q(a, x * 18 + i * 6 + p) * q(b, z * 30 + p * 5 + j);
            }
            assertEquals(s, y.ints()[((x * 4 + z) * 3 + i) * 5 + j]);
          }
        }
      }
    }
    Tensor v = bytes(r, true, 6);
    Tensor y1 = run(graph("MatMulInteger", "", 10, List.of("v", "b"), Map.of(), Map.of("v", v, "b", b), Map.of(), "y"),
        Map.of("v", v, "b", b), 1).get("y");
    assertArrayEquals(new int[] {4, 5}, y1.shape());
  }

  /** Double reference of QLinearMatMul before rounding: real / y_scale + y_zp. */
  static double[] qlinearRef(Tensor a, float sa, int za, Tensor b, float[] sb, int[] zb, float sy, int zy,
      int m, int k, int n) {
    double[] v = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          double ra = (double) sa * (q(a, i * k + p) - za);
          int c = sb.length == 1 ? 0 : j;
          double rb = (double) sb[c] * (q(b, p * n + j) - zb[c]);
          s += ra * rb;
        }
        v[i * n + j] = s / sy + zy;
      }
    }
    return v;
  }

  @Test
  void qlinearMatMulMatchesDequantizeMatMulQuantizeReferencePerTensorAndPerColumn() {
    Random r = new Random(8);
    int nearTies = 0;
    int total = 0;
    for (int[] s : new int[][] {{1, 64, 10}, {4, 37, 33}, {67, 200, 48}, {3, 1, 2}}) {
      int m = s[0], k = s[1], n = s[2];
      for (int combo = 0; combo < 4; combo++) {
        boolean au = combo != 1;
        boolean bu = combo == 2;
        boolean yu = combo != 3;
        boolean perColumn = combo % 2 == 1;
        Tensor a = bytes(r, au, m, k);
        Tensor b = bytes(r, bu, k, n);
        float sa = 0.02f + r.nextFloat() * 0.05f;
        float[] sb = new float[perColumn ? n : 1];
        int[] zb = new int[sb.length];
        for (int j = 0; j < sb.length; j++) {
          sb[j] = 0.01f + r.nextFloat() * 0.03f;
          zb[j] = bu ? 100 + r.nextInt(50) : r.nextInt(20) - 10;
        }
        int za = au ? 120 + r.nextInt(16) : r.nextInt(10) - 5;
        float sy = (float) (sa * sb[0] * Math.sqrt(k) * 80 / 40);
        int zy = yu ? 128 : 0;
        Map<String, Tensor> c = Map.of("as", floats(new int[0], sa), "az", scalar8(au, za), "b", b,
            "bs", floats(perColumn ? new int[] {n} : new int[0], sb), "bz", zp(bu, perColumn ? new int[] {n} : new int[0], zb),
            "ys", floats(new int[0], sy), "yz", scalar8(yu, zy));
        Graph g = graph("QLinearMatMul", "", 13, List.of("a", "as", "az", "b", "bs", "bz", "ys", "yz"), c,
            Map.of("a", a), Map.of(), "y");
        for (int threads : new int[] {1, 2}) {
          Tensor y = run(g, Map.of("a", a), threads).get("y");
          assertEquals(yu ? DType.U8 : DType.I8, y.dtype());
          double[] v = qlinearRef(a, sa, za, b, sb, zb, sy, zy, m, k, n);
          nearTies += assertQuantized(v, y, yu ? 0 : -128, yu ? 255 : 127, 1e-3, "combo " + combo);
          total += v.length;
        }
      }
    }
    assertTrue(nearTies * 200 < total, nearTies + " near-tie differences in " + total);
  }

  @Test
  void qlinearMatMulRoundsExactTiesToEvenHandComputed() {
    // a_scale = b_scale = 1, y_scale = 2: multiplier exactly 0.5; products 1, 3, 5, -1, -3
    Tensor a = Tensor.zeros(DType.I8, 5, 1);
    byte[] av = {1, 3, 5, -1, -3};
    System.arraycopy(av, 0, a.bytes(), 0, 5);
    Tensor b = scalar8(false, 1).reshape(1, 1);
    Map<String, Tensor> c = Map.of("s1", floats(new int[0], 1f), "z", scalar8(false, 0), "b", b,
        "ys", floats(new int[0], 2f), "yz", scalar8(false, 10));
    Tensor y = run(graph("QLinearMatMul", "", 10, List.of("a", "s1", "z", "b", "s1", "z", "ys", "yz"), c,
        Map.of("a", a), Map.of(), "y"), Map.of("a", a), 1).get("y");
    assertArrayEquals(new byte[] {10, 12, 12, 10, 8}, y.bytes()); // 0.5->0, 1.5->2, 2.5->2, -0.5->0, -1.5->-2
  }

  @Test
  void qlinearMatMulFusedReluClampsAtTheZeroPoint() {
    Random r = new Random(12);
    Tensor a = bytes(r, true, 6, 20);
    Tensor b = bytes(r, false, 20, 9);
    Map<String, Tensor> c = Map.of("as", floats(new int[0], 0.05f), "az", scalar8(true, 128), "b", b,
        "bs", floats(new int[0], 0.02f), "bz", scalar8(false, 0), "ys", floats(new int[0], 0.3f), "yz", scalar8(true, 100));
    List<String> in = List.of("a", "as", "az", "b", "bs", "bz", "ys", "yz");
    Tensor plain = run(graph("QLinearMatMul", "", 13, in, c, Map.of("a", a), Map.of(), "y"), Map.of("a", a), 1).get("y");
    Tensor relu = run(graph("QLinearMatMul", "", 13, in, c, Map.of("a", a), attrs(FusedActivation.ATTR, "Relu"), "y"),
        Map.of("a", a), 1).get("y");
    boolean clipped = false;
    for (int i = 0; i < plain.size(); i++) {
      assertEquals(Math.max(100, q(plain, i)), q(relu, i));
      clipped |= q(plain, i) < 100;
    }
    assertTrue(clipped, "test data should have negative outputs");
  }

  @Test
  void matMulIntegerToFloatAndDynamicQuantizeMatMulMatchNaive() {
    Random r = new Random(21);
    int m = 5, k = 40, n = 19;
    Tensor a = bytes(r, true, m, k);
    Tensor b = bytes(r, false, k, n);
    float sa = 0.03f;
    float[] sb = new float[n];
    float[] bias = new float[n];
    for (int j = 0; j < n; j++) {
      sb[j] = 0.001f * (j + 1);
      bias[j] = j - 9;
    }
    Map<String, Tensor> c = Map.of("b", b, "as", floats(new int[0], sa), "bs", floats(new int[] {n}, sb),
        "az", scalar8(true, 131), "bz", scalar8(false, 3), "bias", floats(new int[] {n}, bias));
    Tensor y = run(graph("MatMulIntegerToFloat", "com.microsoft", 13, List.of("a", "b", "as", "bs", "az", "bz", "bias"),
        c, Map.of("a", a), Map.of(), "y"), Map.of("a", a), 2).get("y");
    long[] acc = naive(a, new int[] {131}, b, new int[] {3}, m, k, n);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float want = (float) acc[i * n + j] * (sa * sb[j]) + bias[j];
        assertEquals(want, y.floats()[i * n + j], "[" + i + "," + j + "]");
      }
    }
    // DynamicQuantizeMatMul: A quantized with the DynamicQuantizeLinear formula, then the same
    Tensor x = Tensor.zeros(DType.F32, m, k);
    for (int i = 0; i < x.size(); i++) {
      x.floats()[i] = (float) r.nextGaussian() + 0.5f;
    }
    float min = 0, max = 0;
    for (float v : x.floats()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    float scale = (max - min) / 255f;
    int zpx = (int) Math.rint(Math.max(0, Math.min(255, -min / scale)));
    Tensor xq = Tensor.zeros(DType.U8, m, k);
    for (int i = 0; i < xq.size(); i++) {
      xq.bytes()[i] = (byte) Math.max(0, Math.min(255, Math.rint(x.floats()[i] / scale) + zpx));
    }
    Tensor yd = run(graph("DynamicQuantizeMatMul", "com.microsoft", 13, List.of("x", "b", "bs", "bz", "bias"),
        c, Map.of("x", x), Map.of(), "y"), Map.of("x", x), 1).get("y");
    long[] acc2 = naive(xq, new int[] {zpx}, b, new int[] {3}, m, k, n);
    for (int i = 0; i < m * n; i++) {
      assertEquals((float) acc2[i] * (scale * sb[i % n]) + bias[i % n], yd.floats()[i], "dynamic [" + i + "]");
    }
  }

  @Test
  void invalidConstantScalesAndZeroPointsAreLoadErrorsNamingTheNode() {
    Tensor b = bytes(new Random(1), false, 4, 3);
    Tensor a = bytes(new Random(2), true, 2, 4);
    for (float bad : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
      Map<String, Tensor> c = Map.of("as", floats(new int[0], 0.1f), "az", scalar8(true, 0), "b", b,
          "bs", floats(new int[0], bad), "bz", scalar8(false, 0), "ys", floats(new int[0], 0.1f), "yz", scalar8(true, 0));
      Graph g = graph("QLinearMatMul", "", 10, List.of("a", "as", "az", "b", "bs", "bz", "ys", "yz"), c,
          Map.of("a", a), Map.of(), "y");
      InvalidAttributeException e = assertThrows(InvalidAttributeException.class, () -> run(g, Map.of("a", a), 1));
      assertTrue(e.getMessage().contains("'n'") && e.getMessage().contains("b_scale"), e.getMessage());
    }
    Map<String, Tensor> c = Map.of("as", floats(new int[] {2}, 0.1f, 0.2f), "az", zp(true, new int[] {2}, 0, 0), "b", b,
        "bs", floats(new int[0], 0.1f), "bz", scalar8(false, 0), "ys", floats(new int[0], 0.1f), "yz", scalar8(true, 0));
    Graph g = graph("QLinearMatMul", "", 10, List.of("a", "as", "az", "b", "bs", "bz", "ys", "yz"), c,
        Map.of("a", a), Map.of(), "y");
    InvalidAttributeException e = assertThrows(InvalidAttributeException.class, () -> run(g, Map.of("a", a), 1));
    assertTrue(e.getMessage().contains("'n'") && e.getMessage().contains("per-tensor"), e.getMessage());
  }
}
