package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quantlens.engine.ops.QuantTestSupport.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.kernels.ConvGeometry;
import org.quantlens.engine.kernels.QuantWinograd;
import org.quantlens.engine.kernels.QuantWinogradKernels;
import org.quantlens.engine.tensor.Tensor;

/**
 * Int8 3x3 convolutions on the Winograd path ({@link QuantWinograd}) against the naive integer
 * convolution of {@link QLinearConvTest} (ConvInteger's outputs are the accumulators, so they
 * must be equal), and QLinearConv's requantized outputs against the direct path's.
 */
class QuantWinogradConvTest {
  /**
   * Channels, output channels, height, width, batch: shapes the 2x2 transforms take ({64, 6, 32,
   * 64} and {8, 4, 16, 8} in bands of tile rows: four, and two of half a vector of tiles per row;
   * the last with more transformed kernels than a call keeps, so a block at a time).
   */
  private static final int[][] SHAPES = {
    {8, 5, 8, 8, 1}, {16, 16, 16, 16, 2}, {12, 9, 32, 16, 5}, {9, 4, 8, 16, 3}, {64, 8, 8, 8, 1},
    {64, 6, 32, 64, 2}, {8, 4, 16, 8, 1}, {136, 128, 8, 8, 2},
  };

  private static QLinearConvTest.Case shape(int[] s) {
    return QLinearConvTest.Case.padded3x3(s[4], s[0], s[1], s[2], s[3]);
  }

  /** Asserts that the op takes the Winograd path for this case (its weights' zero point is 0). */
  private static void assertWinograd(QLinearConvTest.Case k) {
    ConvGeometry g = ConvGeometry.of(k.in, k.kernel, null, null, new int[] {1, 1, 1, 1},
        ConvGeometry.AutoPad.NOTSET, false);
    assertTrue(QuantWinograd.suits(new int[] {k.m, k.c, 3, 3}, null, null, 1) && QuantWinograd.suits(g),
        "not a Winograd shape: " + k.c + " x " + k.in[0]);
  }

  @Test
  void convIntegerOnWinogradShapesEqualsTheNaiveConvolution() {
    assumeTrue(QuantWinogradKernels.get() != null, "Winograd needs the SIMD kernels on JDK 18+");
    Random r = new Random(5);
    assertTrue(136 * 128 * 16 > QuantWinograd.KERNELS_FLOATS, "the last shape should pass the cap");
    for (int[] s : SHAPES) {
      QLinearConvTest.Case k = shape(s);
      assertWinograd(k);
      for (int combo = 0; combo < 3; combo++) {
        boolean xu = combo != 1;
        boolean wu = combo == 2;
        Tensor x = bytes(r, xu, QLinearConvTest.shape(k.n, k.c, k.in));
        Tensor w = bytes(r, wu, QLinearConvTest.shape(k.m, k.c, k.kernel));
        int zx = xu ? r.nextInt(256) : r.nextInt(256) - 128;
        int zw = wu ? 128 : 0; // zero in the kernel's shifted domain
        check(k, x, zx, w, zw, xu, wu, "shape " + s[0] + "x" + s[2] + "x" + s[3] + " combo " + combo);
      }
    }
  }

  /**
   * A layer held in Winograd's order but given inputs its tiles do not take (odd sides, rows too
   * short for a vector) runs the direct path on weights put back in ONNX order.
   */
  @Test
  void otherInputShapesRunDirectOnTheUnpackedWeights() {
    assumeTrue(QuantWinogradKernels.get() != null, "Winograd needs the SIMD kernels on JDK 18+");
    Random r = new Random(9);
    for (int[] s : new int[][] {{8, 6, 7, 9, 2}, {10, 4, 6, 6, 1}}) {
      QLinearConvTest.Case k = shape(s);
      ConvGeometry g = ConvGeometry.of(k.in, k.kernel, null, null, new int[] {1, 1, 1, 1},
          ConvGeometry.AutoPad.NOTSET, false);
      assertTrue(QuantWinograd.suits(new int[] {k.m, k.c, 3, 3}, null, null, 1));
      assertTrue(!QuantWinograd.suits(g), "should not take the tiles: " + s[2] + "x" + s[3]);
      Tensor x = bytes(r, true, QLinearConvTest.shape(k.n, k.c, k.in));
      Tensor w = bytes(r, false, QLinearConvTest.shape(k.m, k.c, k.kernel));
      check(k, x, r.nextInt(256), w, 0, true, false, "direct " + s[2] + "x" + s[3]);
    }
  }

  /**
   * The largest products there are (x at 255 with zero point 0, every weight -128, 130
   * channels): channel sums pass 2^24 many times over, so float sums over all channels would
   * round; the chunked sums stay exact.
   */
  @Test
  void extremeValuesStayExact() {
    assumeTrue(QuantWinogradKernels.get() != null, "Winograd needs the SIMD kernels on JDK 18+");
    QLinearConvTest.Case k = QLinearConvTest.Case.padded3x3(1, 130, 4, 8, 8);
    assertWinograd(k);
    Tensor x = Tensor.zeros(org.quantlens.engine.tensor.DType.U8, 1, 130, 8, 8);
    java.util.Arrays.fill(x.bytes(), (byte) 255);
    x.bytes()[77] = 3; // one value off the pattern
    Tensor w = Tensor.zeros(org.quantlens.engine.tensor.DType.I8, 4, 130, 3, 3);
    java.util.Arrays.fill(w.bytes(), (byte) -128);
    w.bytes()[5] = 127;
    long[] want = QLinearConvTest.naive(k, x, 0, w, new int[] {0});
    assertTrue(Math.abs(want[0]) > 1 << 24, "sums should pass 2^24: " + want[0]);
    check(k, x, 0, w, 0, true, false, "extreme");
  }

  private static void check(QLinearConvTest.Case k, Tensor x, int zx, Tensor w, int zw, boolean xu,
      boolean wu, String what) {
    Map<String, Tensor> c = Map.of("w", w, "wz", scalar8(wu, zw));
    Map<String, Tensor> f = Map.of("x", x, "xz", scalar8(xu, zx));
    Graph g = graph("ConvInteger", "", 10, List.of("x", "w", "xz", "wz"), c, f, k.attributes(), "y");
    long[] want = QLinearConvTest.naive(k, x, zx, w, new int[] {zw});
    for (int threads : new int[] {1, 2, 3}) {
      Tensor y = run(g, f, threads).get("y");
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], y.ints()[i], what + ", threads " + threads + " [" + i + "]");
      }
    }
  }

  @Test
  void qlinearConvWithReluAndPerChannelScalesEqualsTheDirectPath() {
    assumeTrue(QuantWinogradKernels.get() != null, "Winograd needs the SIMD kernels on JDK 18+");
    Random r = new Random(11);
    for (int[] s : SHAPES) {
      QLinearConvTest.Case k = shape(s);
      Tensor x = bytes(r, true, QLinearConvTest.shape(k.n, k.c, k.in));
      Tensor w = bytes(r, false, QLinearConvTest.shape(k.m, k.c, k.kernel));
      float[] sw = new float[k.m];
      int[] bias = new int[k.m];
      for (int i = 0; i < k.m; i++) {
        sw[i] = 0.002f + r.nextFloat() * 0.01f;
        bias[i] = r.nextInt(20000) - 10000;
      }
      Map<String, Tensor> c = new HashMap<>(Map.of("xs", floats(new int[0], 0.03f),
          "xz", scalar8(true, 100 + r.nextInt(50)), "w", w, "ws", floats(new int[] {k.m}, sw),
          "wz", zp(false, new int[] {k.m}, new int[k.m]), "ys", floats(new int[0], 0.5f),
          "yz", scalar8(true, 20)));
      c.put("b", Tensor.of(bias, k.m));
      Map<String, Attribute> attrs = new HashMap<>(k.attributes());
      attrs.put(FusedActivation.ATTR, Attribute.of("Relu"));
      Graph g = graph("QLinearConv", "", 10, List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"),
          c, Map.of("x", x), attrs, "y");
      Tensor direct;
      System.setProperty("quantlens.conv.winograd", "false"); // read when the session is built
      try {
        direct = run(g, Map.of("x", x), 1).get("y");
      } finally {
        System.clearProperty("quantlens.conv.winograd");
      }
      int clamped = 0;
      for (int i = 0; i < direct.size(); i++) {
        clamped += q(direct, i) == 20 ? 1 : 0;
      }
      assertTrue(clamped > 0 && clamped < direct.size(), "Relu should clamp some outputs: " + clamped);
      for (int threads : new int[] {1, 2}) {
        Tensor y = run(g, Map.of("x", x), threads).get("y");
        assertArrayEquals(direct.bytes(), y.bytes(), "shape " + s[0] + "x" + s[2] + "x" + s[3]);
      }
    }
  }
}
