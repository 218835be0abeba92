package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quantlens.engine.ops.QuantTestSupport.*;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * QGemm with int8 B given {@code [n][k]} (transB, a dense layer's weights, used in place) at
 * batches that read the packed panel copy made on first use: the int32 products equal a naive
 * long sum, for several K blocks, a partial last panel, several blocks of panels per task, zero
 * points on both sides, and one session switching between batch 1 (the in-place rows) and batched
 * calls.
 */
class QuantGemmBatchedTransposedTest {
  @Test
  void batchedProductsOverTransposedInt8WeightsEqualNaiveSumsAcrossBatchSizes() {
    // k 300: three K blocks of the SIMD kernel; n 37: two full panels and a partial one; n 300:
    // more panels than one accumulator block holds at 64 rows, the last block partial
    check(300, 37);
    check(200, 300);
  }

  private static void check(int k, int n) {
    Random r = new Random(77 + n);
    Tensor b = bytes(r, false, n, k);
    int[] zb = new int[n];
    for (int j = 0; j < n; j++) {
      zb[j] = r.nextInt(7) - 3;
    }
    int za = 5;
    // scales of 1: the float output is the int32 product itself (|acc| < 2^24, exact)
    Map<String, Tensor> c = Map.of("as", floats(new int[0], 1f), "az", scalar8(false, za), "b", b,
        "bs", floats(new int[] {n}, ones(n)), "bz", zp(false, new int[] {n}, zb));
    Graph g = graph("QGemm", QLinearContribOpsTest.MS, 13, List.of("a", "as", "az", "b", "bs", "bz"), c,
        Map.of("a", bytes(r, false, 8, k)), attrs("transB", 1), "y");
    g.inputs().set(0, new Value("a", DType.I8, new int[] {-1, k}, new String[] {"batch", null}));
    try (Session s = new Session(g, new Session.Options().threads(2))) {
      for (int m : new int[] {1, 8, 64, 70, 1, 13}) {
        Tensor a = bytes(r, false, m, k);
        Tensor y = s.run(Map.of("a", a)).get("y");
        assertArrayEquals(new int[] {m, n}, y.shape());
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            long acc = 0;
            for (int p = 0; p < k; p++) {
              acc += (long) (q(a, i * k + p) - za) * (q(b, j * k + p) - zb[j]);
            }
            assertEquals((float) acc, y.floats()[i * n + j], "m " + m + " [" + i + "][" + j + "]");
          }
        }
      }
    }
  }

  private static float[] ones(int n) {
    float[] v = new float[n];
    java.util.Arrays.fill(v, 1f);
    return v;
  }
}
