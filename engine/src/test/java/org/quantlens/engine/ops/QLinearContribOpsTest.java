package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.QuantTestSupport.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The com.microsoft quantized ops against double-precision references written from their
 * definitions (dequantize, float op in double, quantize with rint): equal except one step at
 * values within 1e-3 of a rounding tie, where float32 arithmetic may fall on the other side.
 */
class QLinearContribOpsTest {
  static final String MS = "com.microsoft";

  static int qmin(boolean u) {
    return u ? 0 : -128;
  }

  static int qmax(boolean u) {
    return u ? 255 : 127;
  }

  @Test
  void qgemmMatchesReferenceWithTransposesAlphaBiasBroadcastsPerColumnAndFloatOutput() {
    Random r = new Random(31);
    int nearTies = 0;
    for (int t = 0; t < 16; t++) {
      boolean ta = (t & 1) != 0;
      boolean tb = (t & 2) != 0;
      boolean au = (t & 4) != 0;
      boolean floatOut = (t & 8) != 0;
      // the first four cases: one row over several panels (the batch-1 path that hands the kernel
      // all panels of the row, B as [k][n] and as [n][k])
      int m = t < 4 ? 1 : 1 + r.nextInt(20);
      int k = 1 + r.nextInt(70);
      int n = t < 4 ? 33 + r.nextInt(40) : 1 + r.nextInt(40);
      boolean bu = au && t % 3 == 0;
      Tensor a = ta ? bytes(r, au, k, m) : bytes(r, au, m, k);
      Tensor b = tb ? bytes(r, bu, n, k) : bytes(r, bu, k, n);
      float alpha = 0.5f + r.nextFloat();
      float sa = 0.02f + 0.03f * r.nextFloat();
      int za = au ? 120 + r.nextInt(10) : r.nextInt(10) - 5;
      boolean perCol = t % 2 == 0;
      float[] sb = new float[perCol ? n : 1];
      int[] zb = new int[sb.length];
      for (int j = 0; j < sb.length; j++) {
        sb[j] = 0.005f + 0.02f * r.nextFloat();
        zb[j] = bu ? 128 + r.nextInt(5) : r.nextInt(5) - 2;
      }
      int[][] cShapes = {{}, {n}, {1, n}, {m, 1}, {m, n}};
      int[] cs = cShapes[t % 5];
      int csize = 1;
      for (int d : cs) {
        csize *= d;
      }
      int[] cv = new int[csize];
      for (int i = 0; i < csize; i++) {
        cv[i] = r.nextInt(4000) - 2000;
      }
      float sy = (float) (alpha * sa * sb[0] * Math.sqrt(k) * 70 / 40);
      int zy = au ? 128 : 0;
      Map<String, Tensor> c = new HashMap<>(Map.of("as", floats(new int[0], sa), "az", scalar8(au, za), "b", b,
          "bs", floats(perCol ? new int[] {n} : new int[0], sb), "bz", zp(bu, perCol ? new int[] {n} : new int[0], zb),
          "c", Tensor.of(cv, cs)));
      List<String> in = new ArrayList<>(List.of("a", "as", "az", "b", "bs", "bz", "c"));
      if (!floatOut) {
        c.put("ys", floats(new int[0], sy));
        c.put("yz", scalar8(au, zy));
        in.addAll(List.of("ys", "yz"));
      }
      Tensor y = run(graph("QGemm", MS, 13, in, c, Map.of("a", a),
          attrs("transA", ta ? 1 : 0, "transB", tb ? 1 : 0, "alpha", alpha), "y"), Map.of("a", a), 1 + t % 2).get("y");
      assertArrayEquals(new int[] {m, n}, y.shape());
      double[] v = new double[m * n];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          long acc = 0;
          int col = perCol ? j : 0;
          for (int p = 0; p < k; p++) {
            int av = q(a, ta ? p * m + i : i * k + p) - za;
            int bv = q(b, tb ? j * k + p : p * n + j) - zb[col];
            acc += (long) av * bv;
          }
          // broadcast index of C (a dimension of 1 repeats; with m = 1, {m, 1} is a single value)
          int ci = cs.length == 0 ? 0 : cs.length == 1 ? (cs[0] == 1 ? 0 : j)
              : (cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j);
          double real = (double) alpha * sa * sb[col] * (acc + cv[ci]);
          v[i * n + j] = floatOut ? real : real / sy + zy;
        }
      }
      if (floatOut) {
        assertEquals(DType.F32, y.dtype());
        for (int i = 0; i < v.length; i++) {
          assertEquals(v[i], y.floats()[i], 1e-5 * Math.max(1, Math.abs(v[i])), "case " + t + " [" + i + "]");
        }
      } else {
        assertEquals(au ? DType.U8 : DType.I8, y.dtype());
        nearTies += assertQuantized(v, y, qmin(au), qmax(au), 1e-3, "case " + t);
      }
    }
    assertTrue(nearTies < 10, nearTies + " near ties");
  }

  @Test
  void qlinearAddAndMulBroadcastAndMatchDequantizeOpQuantize() {
    Random r = new Random(5);
    int[][][] shapes = {{{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {4}}, {{3, 1, 5}, {1, 4, 1}}, {{6}, {}}, {{1}, {7, 2}}};
    for (boolean mul : new boolean[] {false, true}) {
      for (int[][] s : shapes) {
        for (boolean u : new boolean[] {true, false}) {
          Tensor a = bytes(r, u, s[0]);
          Tensor b = bytes(r, u, s[1]);
          float sa = 0.01f + 0.1f * r.nextFloat();
          float sb = 0.01f + 0.1f * r.nextFloat();
          int za = u ? r.nextInt(256) : r.nextInt(256) - 128;
          int zb = u ? r.nextInt(256) : r.nextInt(256) - 128;
          float sc = mul ? sa * sb * 40 : (sa + sb) * 1.5f;
          int zc = u ? 128 : 0;
          Map<String, Tensor> c = Map.of("as", floats(new int[0], sa), "az", scalar8(u, za), "bs", floats(new int[0], sb),
              "bz", scalar8(u, zb), "cs", floats(new int[0], sc), "cz", scalar8(u, zc));
          Map<String, Tensor> f = Map.of("a", a, "b", b);
          Tensor y = run(graph(mul ? "QLinearMul" : "QLinearAdd", MS, 13, List.of("a", "as", "az", "b", "bs", "bz", "cs", "cz"),
              c, f, Map.of(), "y"), f, 2).get("y");
          int[] out = org.quantlens.engine.tensor.Shapes.broadcast(a.shape(), b.shape());
          assertArrayEquals(out, y.shape());
          int[] stA = org.quantlens.engine.tensor.Shapes.broadcastStrides(a.shape(), out);
          int[] stB = org.quantlens.engine.tensor.Shapes.broadcastStrides(b.shape(), out);
          double[] v = new double[y.size()];
          int[] idx = new int[out.length];
          for (int i = 0; i < v.length; i++) {
            int rem = i;
            int ia = 0;
            int ib = 0;
            for (int d = out.length - 1; d >= 0; d--) {
              idx[d] = rem % out[d];
              rem /= out[d];
              ia += idx[d] * stA[d];
              ib += idx[d] * stB[d];
            }
            double ra = (double) sa * (q(a, ia) - za);
            double rb = (double) sb * (q(b, ib) - zb);
            v[i] = (mul ? ra * rb : ra + rb) / sc + zc;
          }
          assertQuantized(v, y, qmin(u), qmax(u), 1e-3, (mul ? "mul " : "add ") + java.util.Arrays.deepToString(s));
        }
      }
    }
  }

  @Test
  void qlinearAddWithFusedReluOrClipEqualsAddThenActivationThenQuantize() {
    Random r = new Random(6);
    for (boolean u : new boolean[] {false, true}) {
      for (String act : new String[] {"Relu", "Clip"}) {
        Tensor a = bytes(r, u, 2, 3, 40);
        Tensor b = bytes(r, u, 2, 3, 40);
        float sa = 0.03f;
        float sb = 0.05f;
        float sc = 0.06f;
        int za = u ? 120 : -3;
        int zb = u ? 130 : 4;
        int zc = u ? 128 : 0; // activation range around 0: the clamp is not the type's saturation
        Map<String, Tensor> c = Map.of("as", floats(new int[0], sa), "az", scalar8(u, za), "bs", floats(new int[0], sb),
            "bz", scalar8(u, zb), "cs", floats(new int[0], sc), "cz", scalar8(u, zc));
        Map<String, Tensor> f = Map.of("a", a, "b", b);
        Map<String, org.quantlens.engine.graph.Attribute> at = act.equals("Relu") ? attrs("ql.activation", "Relu")
            : attrs("ql.activation", "Clip", "ql.activation_min", -1.0f, "ql.activation_max", 2.0f);
        Tensor y = run(graph("QLinearAdd", MS, 13, List.of("a", "as", "az", "b", "bs", "bz", "cs", "cz"), c, f, at, "y"),
            f, 1).get("y");
        double[] v = new double[y.size()];
        for (int i = 0; i < v.length; i++) {
          double sum = (double) sa * (q(a, i) - za) + (double) sb * (q(b, i) - zb);
          double activated = act.equals("Relu") ? Math.max(0, sum) : Math.max(-1, Math.min(2, sum));
          v[i] = activated / sc + zc;
        }
        assertQuantized(v, y, qmin(u), qmax(u), 1e-3, act + (u ? " uint8" : " int8"));
      }
    }
  }

  @Test
  void qlinearSigmoidAndLeakyReluMatchTheirFloatDefinitions() {
    Random r = new Random(9);
    for (boolean u : new boolean[] {true, false}) {
      Tensor x = Tensor.zeros(u ? DType.U8 : DType.I8, 256);
      for (int i = 0; i < 256; i++) {
        x.bytes()[i] = (byte) i; // every code
      }
      float sx = 0.05f;
      int zx = u ? 128 : 0;
      for (boolean sigmoid : new boolean[] {true, false}) {
        float sy = sigmoid ? 1f / 255 : 0.04f;
        int zy = sigmoid ? (u ? 0 : -128) : (u ? 100 : -20);
        Map<String, Tensor> c = Map.of("xs", floats(new int[0], sx), "xz", scalar8(u, zx), "ys", floats(new int[0], sy),
            "yz", scalar8(u, zy));
        Tensor y = run(graph(sigmoid ? "QLinearSigmoid" : "QLinearLeakyRelu", MS, 13, List.of("x", "xs", "xz", "ys", "yz"),
            c, Map.of("x", x), sigmoid ? Map.of() : attrs("alpha", 0.1f), "y"), Map.of("x", x), 1).get("y");
        double[] v = new double[256];
        for (int i = 0; i < 256; i++) {
          double d = (double) sx * (q(x, i) - zx);
          double f = sigmoid ? 1 / (1 + Math.exp(-d)) : d >= 0 ? d : 0.1 * d;
          v[i] = f / sy + zy;
        }
        assertQuantized(v, y, qmin(u), qmax(u), 1e-3, sigmoid ? "sigmoid" : "leaky");
      }
    }
  }

  @Test
  void qlinearConcatRequantizesInputsWithOtherParametersAndCopiesMatchingOnes() {
    Random r = new Random(10);
    Tensor x0 = bytes(r, true, 2, 3, 4);
    Tensor x1 = bytes(r, true, 2, 1, 4);
    Tensor x2 = bytes(r, true, 2, 2, 4);
    Map<String, Tensor> c = Map.of("ys", floats(new int[0], 0.1f), "yz", scalar8(true, 128),
        "s0", floats(new int[0], 0.1f), "z0", scalar8(true, 128), "s1", floats(new int[0], 0.05f), "z1", scalar8(true, 10),
        "s2", floats(new int[0], 0.3f), "z2", scalar8(true, 200));
    Map<String, Tensor> f = Map.of("x0", x0, "x1", x1, "x2", x2);
    Tensor y = run(graph("QLinearConcat", MS, 13, List.of("ys", "yz", "x0", "s0", "z0", "x1", "s1", "z1", "x2", "s2", "z2"),
        c, f, attrs("axis", -2), "y"), f, 1).get("y");
    assertArrayEquals(new int[] {2, 6, 4}, y.shape());
    double[] v = new double[y.size()];
    float[] s = {0.1f, 0.05f, 0.3f};
    int[] z = {128, 10, 200};
    Tensor[] xs = {x0, x1, x2};
    int[] starts = {0, 3, 4, 6};
    for (int i = 0; i < v.length; i++) {
      int n = i / 24;
      int row = (i / 4) % 6;
      int col = i % 4;
      int which = row < 3 ? 0 : row < 4 ? 1 : 2;
      int rows = starts[which + 1] - starts[which];
      int src = (n * rows + row - starts[which]) * 4 + col;
      v[i] = (double) s[which] * (q(xs[which], src) - z[which]) / 0.1f + 128;
      if (which == 0) {
        assertEquals(q(x0, src), q(y, i), "same parameters: a plain copy");
      }
    }
    assertQuantized(v, y, 0, 255, 1e-3, "concat");
  }

  @Test
  void qlinearGlobalAveragePoolMatchesTheMeanInBothLayouts() {
    Random r = new Random(12);
    for (boolean last : new boolean[] {false, true}) {
      for (boolean u : new boolean[] {true, false}) {
        int n = 2, ch = 5, h = 6, w = 7;
        Tensor x = last ? bytes(r, u, n, h, w, ch) : bytes(r, u, n, ch, h, w);
        float sx = 0.02f;
        float sy = 0.01f;
        int zx = u ? 128 : 3;
        int zy = u ? 120 : -4;
        Map<String, Tensor> c = Map.of("xs", floats(new int[0], sx), "xz", scalar8(u, zx), "ys", floats(new int[0], sy),
            "yz", scalar8(u, zy));
        Tensor y = run(graph("QLinearGlobalAveragePool", MS, 13, List.of("x", "xs", "xz", "ys", "yz"), c, Map.of("x", x),
            attrs("channels_last", last ? 1 : 0), "y"), Map.of("x", x), 2).get("y");
        assertArrayEquals(last ? new int[] {n, 1, 1, ch} : new int[] {n, ch, 1, 1}, y.shape());
        double[] v = new double[n * ch];
        for (int b = 0; b < n; b++) {
          for (int k = 0; k < ch; k++) {
            long s = 0;
            for (int p = 0; p < h * w; p++) {
              s += q(x, last ? (b * h * w + p) * ch + k : (b * ch + k) * h * w + p) - zx;
            }
            v[b * ch + k] = sx * (s / (double) (h * w)) / sy + zy;
          }
        }
        assertQuantized(v, y, qmin(u), qmax(u), 1e-3, "global pool last=" + last);
      }
    }
  }

  @Test
  void qlinearAveragePoolMatchesWindowMeansWithPadsStridesCeilModeAndCountIncludePad() {
    Random r = new Random(13);
    int n = 2, ch = 3, h = 7, w = 8;
    int[] kernel = {3, 2};
    int[] strides = {2, 3};
    int[] pb = {1, 0};
    int[] pe = {1, 1};
    for (int variant = 0; variant < 4; variant++) {
      boolean include = (variant & 1) != 0;
      boolean ceil = (variant & 2) != 0;
      boolean last = variant == 3;
      Tensor x = last ? bytes(r, true, n, h, w, ch) : bytes(r, true, n, ch, h, w);
      Map<String, Tensor> c = Map.of("xs", floats(new int[0], 0.03f), "xz", scalar8(true, 100), "ys", floats(new int[0], 0.02f),
          "yz", scalar8(true, 90));
      Tensor y = run(graph("QLinearAveragePool", MS, 13, List.of("x", "xs", "xz", "ys", "yz"), c, Map.of("x", x),
          attrs("kernel_shape", new long[] {3, 2}, "strides", new long[] {2, 3}, "pads", new long[] {1, 0, 1, 1},
              "count_include_pad", include ? 1 : 0, "ceil_mode", ceil ? 1 : 0, "channels_last", last ? 1 : 0), "y"),
          Map.of("x", x), 1).get("y");
      int oh = ceil ? (int) Math.ceil((h + pb[0] + pe[0] - kernel[0]) / 2.0) + 1 : (h + pb[0] + pe[0] - kernel[0]) / 2 + 1;
      int ow = ceil ? (int) Math.ceil((w + pb[1] + pe[1] - kernel[1]) / 3.0) + 1 : (w + pb[1] + pe[1] - kernel[1]) / 3 + 1;
      if (ceil && (oh - 1) * 2 >= h + pb[0]) {
        oh--;
      }
      if (ceil && (ow - 1) * 3 >= w + pb[1]) {
        ow--;
      }
      assertArrayEquals(last ? new int[] {n, oh, ow, ch} : new int[] {n, ch, oh, ow}, y.shape(), "variant " + variant);
      double[] v = new double[y.size()];
      for (int b = 0; b < n; b++) {
        for (int k = 0; k < ch; k++) {
          for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
              int y0 = Math.max(0, i * 2 - pb[0]);
              int y1 = Math.min(h, i * 2 - pb[0] + kernel[0]);
              int x0 = Math.max(0, j * 3 - pb[1]);
              int x1 = Math.min(w, j * 3 - pb[1] + kernel[1]);
              double s = 0;
              for (int yy = y0; yy < y1; yy++) {
                for (int xx = x0; xx < x1; xx++) {
                  int src = last ? ((b * h + yy) * w + xx) * ch + k : ((b * ch + k) * h + yy) * w + xx;
                  s += 0.03 * (q(x, src) - 100);
                }
              }
              int count = include ? 6 : (y1 - y0) * (x1 - x0);
              int dst = last ? ((b * oh + i) * ow + j) * ch + k : ((b * ch + k) * oh + i) * ow + j;
              v[dst] = s / count / 0.02 + 90;
            }
          }
        }
      }
      assertQuantized(v, y, 0, 255, 1e-3, "avg pool variant " + variant);
    }
  }
}
