package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.QuantTestSupport.*;

import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;

/**
 * A QLinearConv whose inputs but x are constant makes its requantization parameters at load and
 * keeps only those: its int32 bias and per-channel scale and zero-point tensors are freed by the
 * session (checked with weak references once the caller dropped its graph), and every run still
 * matches the naive convolution of QLinearConvTest, requantized here in double.
 */
class QuantConvFreedConstantsTest {
  @Test
  void qlinearConvFreesItsBiasAndWeightParametersAndStillMatchesNaive() {
    Random r = new Random(21);
    QLinearConvTest.Case k = QLinearConvTest.Case.padded3x3(2, 4, 6, 7, 6);
    Tensor w = bytes(r, false, QLinearConvTest.shape(k.m, k.c, k.kernel));
    float sx = 0.02f;
    int zx = 117;
    float[] sw = new float[k.m];
    int[] zw = new int[k.m]; // symmetric int8 weights
    int[] bias = new int[k.m];
    for (int i = 0; i < k.m; i++) {
      sw[i] = 0.002f + r.nextFloat() * 0.01f;
      bias[i] = r.nextInt(4000) - 2000;
    }
    float sy = (float) (sx * sw[0] * Math.sqrt(k.c * 9.0) * 70 / 40);
    int zy = 128;
    Tensor b = Tensor.of(bias.clone(), k.m);
    Tensor ws = floats(new int[] {k.m}, sw);
    Map<String, Tensor> c = new HashMap<>(Map.of("xs", floats(new int[0], sx), "xz", scalar8(true, zx), "w", w,
        "ws", ws, "wz", zp(false, new int[] {k.m}, zw), "ys", floats(new int[0], sy), "yz", scalar8(true, zy),
        "b", b));
    Tensor x0 = bytes(r, true, QLinearConvTest.shape(k.n, k.c, k.in));
    Graph g = graph("QLinearConv", "", 10, List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"), c,
        Map.of("x", x0), k.attributes(), "y");
    WeakReference<Object> heldBias = new WeakReference<>(b.data());
    WeakReference<Object> heldScales = new WeakReference<>(ws.data());
    b = null;
    ws = null;
    c = null;
    try (Session s = new Session(g, new Session.Options().threads(1))) {
      g = null;
      assertTrue(collected(heldBias), "the int32 bias folded into the conv's parameters is still held");
      assertTrue(collected(heldScales), "the weight scales folded into the conv's parameters are still held");
      int nearTies = 0;
      for (int run = 0; run < 2; run++) {
        Tensor x = run == 0 ? x0 : bytes(r, true, QLinearConvTest.shape(k.n, k.c, k.in));
        long[] acc = QLinearConvTest.naive(k, x, zx, w, zw);
        int pixels = acc.length / (k.n * k.m);
        double[] v = new double[acc.length];
        for (int i = 0; i < v.length; i++) {
          int co = (i / pixels) % k.m;
          v[i] = (acc[i] + bias[co]) * ((double) sx * sw[co]) / sy + zy;
        }
        nearTies += assertQuantized(v, s.run(Map.of("x", x)).get("y"), 0, 255, 1e-3, "run " + run);
      }
      assertTrue(nearTies < 5, nearTies + " near ties");
    }
  }

  private static boolean collected(WeakReference<Object> ref) {
    for (int i = 0; i < 10 && ref.get() != null; i++) {
      System.gc();
    }
    return ref.get() == null;
  }
}
