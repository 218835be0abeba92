package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.QuantTestSupport.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;

/**
 * One conv session run several times: with constant zero points, scales and bias (made once and
 * kept) every run still matches the naive convolution of QLinearConvTest for its own input, on one
 * thread and with the batch's images split over two; with y_scale fed per run, each run uses that
 * run's scale (nothing kept from an earlier one).
 */
class QuantConvParamsTest {
  private static QLinearConvTest.Case conv() {
    return QLinearConvTest.Case.padded3x3(2, 5, 7, 9, 8);
  }

  @Test
  void convIntegerWithConstantZeroPointsMatchesNaiveOnEveryRunOfOneSession() {
    Random r = new Random(5);
    QLinearConvTest.Case k = conv();
    k.n = 5;
    Tensor w = bytes(r, false, QLinearConvTest.shape(k.m, k.c, k.kernel));
    int zx = 37;
    int[] zw = new int[k.m];
    for (int i = 0; i < k.m; i++) {
      zw[i] = r.nextInt(9) - 4;
    }
    Map<String, Tensor> c = Map.of("w", w, "xz", scalar8(true, zx), "wz", zp(false, new int[] {k.m}, zw));
    Tensor x0 = bytes(r, true, QLinearConvTest.shape(k.n, k.c, k.in));
    Graph g = graph("ConvInteger", "", 10, List.of("x", "w", "xz", "wz"), c, Map.of("x", x0), k.attributes(), "y");
    for (int threads : new int[] {1, 2}) { // 2: five images split over the threads
      try (Session s = new Session(g, new Session.Options().threads(threads))) {
        for (int run = 0; run < 3; run++) {
          Tensor x = run == 0 ? x0 : bytes(r, true, QLinearConvTest.shape(k.n, k.c, k.in));
          long[] want = QLinearConvTest.naive(k, x, zx, w, zw);
          Tensor y = s.run(Map.of("x", x)).get("y");
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], y.ints()[i], "threads " + threads + " run " + run + " [" + i + "]");
          }
        }
      }
    }
  }

  @Test
  void qlinearConvUsesEachRunsFedOutputScaleAndKeepsConstantOnes() {
    Random r = new Random(6);
    QLinearConvTest.Case k = conv();
    Tensor w = bytes(r, false, QLinearConvTest.shape(k.m, k.c, k.kernel));
    float sx = 0.03f;
    int zx = 120;
    float[] sw = new float[k.m];
    int[] zw = new int[k.m];
    int[] bias = new int[k.m];
    for (int i = 0; i < k.m; i++) {
      sw[i] = 0.002f + r.nextFloat() * 0.01f;
      bias[i] = r.nextInt(2000) - 1000;
    }
    float base = (float) (sx * sw[0] * Math.sqrt(k.c * 9.0) * 70 / 40);
    int zy = 128;
    for (boolean fedScale : new boolean[] {false, true}) {
      Map<String, Tensor> c = new HashMap<>(Map.of("xs", floats(new int[0], sx), "xz", scalar8(true, zx), "w", w,
          "ws", floats(new int[] {k.m}, sw), "wz", zp(false, new int[] {k.m}, zw), "yz", scalar8(true, zy),
          "b", Tensor.of(bias, k.m)));
      if (!fedScale) {
        c.put("ys", floats(new int[0], base));
      }
      Tensor x0 = bytes(r, true, QLinearConvTest.shape(k.n, k.c, k.in));
      Map<String, Tensor> f0 = new HashMap<>(Map.of("x", x0));
      if (fedScale) {
        f0.put("ys", floats(new int[0], base));
      }
      Graph g = graph("QLinearConv", "", 10, List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"), c, f0,
          k.attributes(), "y");
      try (Session s = new Session(g, new Session.Options().threads(1))) {
        int nearTies = 0;
        for (int run = 0; run < 3; run++) {
          float sy = fedScale ? base * (1 + run) : base;
          Tensor x = bytes(r, true, QLinearConvTest.shape(k.n, k.c, k.in));
          Map<String, Tensor> feeds = new HashMap<>(Map.of("x", x));
          if (fedScale) {
            feeds.put("ys", floats(new int[0], sy));
          }
          long[] acc = QLinearConvTest.naive(k, x, zx, w, zw);
          int pixels = acc.length / (k.n * k.m);
          double[] v = new double[acc.length];
          for (int i = 0; i < v.length; i++) {
            int co = (i / pixels) % k.m;
            v[i] = (acc[i] + bias[co]) * ((double) sx * sw[co]) / sy + zy;
          }
          nearTies += assertQuantized(v, s.run(feeds).get("y"), 0, 255, 1e-3,
              "fed " + fedScale + " run " + run);
        }
        assertTrue(nearTies < 5, nearTies + " near ties");
      }
    }
  }
}
