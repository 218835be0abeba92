package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quantlens.engine.ops.QuantTestSupport.attrs;
import static org.quantlens.engine.ops.QuantTestSupport.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.SaturationReport;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Saturation counting through a session, on one-node graphs whose clipped values are worked out
 * by hand: QuantizeLinear (float and int32 input), DynamicQuantizeLinear with NaN, QLinearMatMul
 * (column requantization), QLinearConv (row requantization, with and without a fused Relu) and
 * QLinearAdd.
 * Runs with SIMD or, under {@code -Dquantlens.simd=false}, the scalar kernels.
 */
class SaturationCountingTest {
  private static Session counting(Graph g, int threads) {
    return new Session(g, new Session.Options().threads(threads).countSaturation(true));
  }

  private static Tensor int8(int[] shape, int... v) {
    Tensor t = Tensor.zeros(DType.I8, shape);
    for (int i = 0; i < v.length; i++) {
      t.bytes()[i] = (byte) v[i];
    }
    return t;
  }

  /** QuantizeLinear(scale 0.5, zp -10, int8) over 40 values: 2 low, 3 high, 2 non-finite. */
  private static Graph quantizeGraph() {
    return graph("QuantizeLinear", "", 13, List.of("x", "s", "z"),
        Map.of("s", Tensor.scalar(0.5f), "z", int8(new int[0], -10)), Map.of("x", quantizeInput()),
        Map.of(), "y");
  }

  private static Tensor quantizeInput() {
    float[] x = new float[40];
    x[1] = 68.75f; // rint(137.5) = 138 > 137: high
    x[6] = -59.75f; // rint(-119.5) = -120 < -118: low
    x[7] = -59.25f; // rint(-118.5) = -118: in range
    x[13] = Float.NaN;
    x[21] = 500f; // high
    x[22] = -500f; // low
    x[33] = Float.NEGATIVE_INFINITY;
    x[39] = 69.25f; // 138: high
    return Tensor.of(x, 40);
  }

  @Test
  void quantizeLinearCountsLowHighAndNonFiniteInputs() {
    try (Session s = counting(quantizeGraph(), 1)) {
      s.run(Map.of("x", quantizeInput()));
      SaturationReport r = s.saturation();
      SaturationReport.Entry e = r.entry("n");
      assertEquals(2, e.low());
      assertEquals(3, e.high());
      assertEquals(2, e.nonFinite());
      assertEquals(40, e.total());
      assertEquals(5, r.low() + r.high());
      s.run(Map.of("x", quantizeInput()));
      assertEquals(6, s.saturation().high(), "counts add up over runs");
      s.resetSaturation();
      assertEquals(0, s.saturation().total());
    }
  }

  @Test
  void countingIsOffByDefault() {
    try (Session s = new Session(quantizeGraph())) {
      s.run(Map.of("x", quantizeInput()));
      assertFalse(s.countsSaturation());
      assertThrows(IllegalStateException.class, s::saturation);
    }
    assertNull(ExecContext.SERIAL.saturation());
  }

  @Test
  void countsFromConcurrentRunsAddUp() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (Session s = counting(quantizeGraph(), 2)) {
      List<Future<?>> f = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        f.add(pool.submit(() -> s.run(Map.of("x", quantizeInput()))));
      }
      for (Future<?> x : f) {
        x.get();
      }
      SaturationReport.Entry e = s.saturation().entry("n");
      assertEquals(80, e.low());
      assertEquals(120, e.high());
      assertEquals(80, e.nonFinite());
      assertEquals(1600, e.total());
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void quantizeLinearOfInt32CountsClippedValues() {
    Tensor x = Tensor.of(new int[] {300, -300, 254, 255, 100}, 5);
    Graph g = graph("QuantizeLinear", "", 13, List.of("x", "s", "z"),
        Map.of("s", Tensor.scalar(2f), "z", int8(new int[0], 0)), Map.of("x", x), Map.of(), "y");
    try (Session s = counting(g, 1)) {
      s.run(Map.of("x", x)); // 150 high, -150 low, 127 (half to even), 127.5 -> 128 high, 50
      SaturationReport.Entry e = s.saturation().entry("n");
      assertEquals(1, e.low());
      assertEquals(2, e.high());
      assertEquals(5, e.total());
    }
  }

  @Test
  void dynamicQuantizeLinearCountsNanInputs() {
    Tensor x = Tensor.of(new float[] {1f, Float.NaN, -2f, 3f}, 4);
    Graph g = graph("DynamicQuantizeLinear", "", 11, List.of("x"), Map.of(), Map.of("x", x), Map.of(),
        "y", "ys", "yz");
    try (Session s = counting(g, 1)) {
      s.run(Map.of("x", x));
      SaturationReport.Entry e = s.saturation().entry("n");
      assertEquals(1, e.nonFinite());
      assertEquals(0, e.low() + e.high());
      assertEquals(4, e.total());
    }
  }

  @Test
  void qlinearMatMulCountsSaturatedOutputs() {
    // all scales 1, zero points 0: Y = A B exactly, saturated to int8
    Tensor a = int8(new int[] {2, 3}, 100, 100, 0, -100, -100, 5);
    Tensor b = int8(new int[] {3, 2}, 1, 0, 1, 1, 0, 1); // Y = [[200, 100], [-200, -95]]
    Tensor one = Tensor.scalar(1f);
    Tensor zero = int8(new int[0], 0);
    Graph g = graph("QLinearMatMul", "", 10, List.of("a", "as", "az", "b", "bs", "bz", "ys", "yz"),
        Map.of("as", one, "az", zero, "b", b, "bs", one, "bz", zero, "ys", one, "yz", zero),
        Map.of("a", a), Map.of(), "y");
    try (Session s = counting(g, 1)) {
      s.run(Map.of("a", a));
      SaturationReport.Entry e = s.saturation().entry("n");
      assertEquals(1, e.low());
      assertEquals(1, e.high());
      assertEquals(4, e.total());
    }
  }

  private static Graph conv(Map<String, Attribute> attrs, Tensor x) {
    Tensor w = int8(new int[] {2, 1, 1, 1}, 2, 1); // 1x1 conv: channel 0 doubles, channel 1 copies
    Tensor one = Tensor.scalar(1f);
    Tensor zero = int8(new int[0], 0);
    return graph("QLinearConv", "", 10, List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz"),
        Map.of("xs", one, "xz", zero, "w", w, "ws", one, "wz", zero, "ys", one, "yz", zero),
        Map.of("x", x), attrs, "y");
  }

  @Test
  void qlinearConvCountsBothEndsWithoutActivationAndOnlyTheHighEndUnderRelu() {
    Tensor x = int8(new int[] {1, 1, 1, 3}, 100, -100, 5); // channel 0: 200, -200, 10
    try (Session s = counting(conv(Map.of(), x), 1)) {
      s.run(Map.of("x", x));
      SaturationReport.Entry e = s.saturation().entry("n");
      assertEquals(1, e.low());
      assertEquals(1, e.high());
      assertEquals(6, e.total());
    }
    // Relu clips -200 too: in the float model that is the activation, not saturation
    try (Session s = counting(conv(attrs(FusedActivation.ATTR, "Relu"), x), 1)) {
      s.run(Map.of("x", x));
      SaturationReport.Entry e = s.saturation().entry("n");
      assertEquals(0, e.low());
      assertEquals(1, e.high());
    }
  }

  @Test
  void qlinearAddCountsSaturatedSums() {
    Tensor a = int8(new int[] {5}, 100, -100, 10, 127, -128);
    Tensor b = int8(new int[] {5}, 100, -100, 10, -1, 0); // sums 200, -200, 20, 126, -128
    Tensor one = Tensor.scalar(1f);
    Tensor zero = int8(new int[0], 0);
    Graph g = graph("QLinearAdd", "com.microsoft", 13, List.of("a", "as", "az", "b", "bs", "bz", "cs", "cz"),
        Map.of("as", one, "az", zero, "b", b, "bs", one, "bz", zero, "cs", one, "cz", zero),
        Map.of("a", a), Map.of(), "y");
    try (Session s = counting(g, 1)) {
      s.run(Map.of("a", a));
      SaturationReport.Entry e = s.saturation().entry("n");
      assertEquals(1, e.low());
      assertEquals(1, e.high());
      assertEquals(5, e.total());
    }
  }
}
