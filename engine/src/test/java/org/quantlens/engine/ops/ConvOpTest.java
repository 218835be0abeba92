package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Conv through a session against a naive direct convolution written here (double precision, pads
 * worked out from the ONNX formulas independently of the engine). Float32 tolerance: the engine
 * accumulates K = C/group * kernel products in float, so it may differ from the exact sum by about
 * sqrt(K) * 2^-24 * sum|terms| in practice; we allow 1e-5 * sqrt(K) * sum|terms|.
 */
class ConvOpTest {
  /** One random case: shapes and attributes. */
  private static final class Case {
    int r;
    int n;
    int c;
    int m;
    int group;
    int[] in;
    int[] k;
    int[] s;
    int[] d;
    int[] pads;
    String autoPad = "NOTSET";
    boolean bias;
    boolean constWeights;
    boolean kernelAttr;

    Map<String, Attribute> attrs() {
      Map<String, Attribute> a = new HashMap<>();
      a.put("strides", ConvTestGraphs.ints(s));
      a.put("dilations", ConvTestGraphs.ints(d));
      a.put("group", Attribute.of((long) group));
      if (kernelAttr) {
        a.put("kernel_shape", ConvTestGraphs.ints(k));
      }
      if (autoPad.equals("NOTSET")) {
        a.put("pads", ConvTestGraphs.ints(pads));
      } else {
        a.put("auto_pad", Attribute.of(autoPad));
      }
      return a;
    }

    @Override
    public String toString() {
      return "n" + n + " c" + c + " m" + m + " g" + group + " in" + Arrays.toString(in) + " k"
          + Arrays.toString(k) + " s" + Arrays.toString(s) + " d" + Arrays.toString(d) + " pads"
          + Arrays.toString(pads) + " " + autoPad + " bias=" + bias;
    }
  }

  private static Case randomCase(Random rnd, int r) {
    Case cs = new Case();
    cs.r = r;
    cs.n = 1 + rnd.nextInt(2);
    int kind = rnd.nextInt(4);
    int cg = 1 + rnd.nextInt(3);
    cs.group = kind == 0 ? 1 : 2 + rnd.nextInt(3);
    if (kind >= 2) { // depthwise, with a channel multiplier for kind 3
      cg = 1;
      cs.group = 1 + rnd.nextInt(5);
    }
    cs.c = cg * cs.group;
    cs.m = cs.group * (kind == 2 ? 1 : 1 + rnd.nextInt(3));
    cs.in = new int[r];
    cs.k = new int[r];
    cs.s = new int[r];
    cs.d = new int[r];
    cs.pads = new int[2 * r];
    for (int i = 0; i < r; i++) {
      cs.k[i] = 1 + rnd.nextInt(r == 3 ? 3 : 5);
      cs.s[i] = 1 + rnd.nextInt(3);
      cs.d[i] = 1 + rnd.nextInt(2);
      cs.pads[i] = rnd.nextInt(3);
      cs.pads[i + r] = rnd.nextInt(3);
    }
    int ap = rnd.nextInt(6);
    for (int i = 0; i < r; i++) {
      // explicit pads may make up for an input smaller than the kernel (VALID cannot)
      int room = ap >= 3 ? cs.pads[i] + cs.pads[i + r] : ap == 2 ? 0 : (cs.k[i] - 1) * cs.d[i];
      cs.in[i] = Math.max(1, (cs.k[i] - 1) * cs.d[i] + 1 - room + rnd.nextInt(r == 3 ? 5 : r == 2 ? 12 : 40));
    }
    cs.autoPad = ap == 0 ? "SAME_UPPER" : ap == 1 ? "SAME_LOWER" : ap == 2 ? "VALID" : "NOTSET";
    cs.bias = rnd.nextBoolean();
    cs.constWeights = rnd.nextInt(4) != 0;
    cs.kernelAttr = rnd.nextBoolean();
    return cs;
  }

  /** Begin/end pads of the case, from the ONNX auto_pad rules. */
  private static int[][] resolvedPads(Case cs) {
    int[] pb = new int[cs.r];
    int[] pe = new int[cs.r];
    for (int i = 0; i < cs.r; i++) {
      int span = (cs.k[i] - 1) * cs.d[i] + 1;
      if (cs.autoPad.startsWith("SAME")) {
        int out = (cs.in[i] + cs.s[i] - 1) / cs.s[i];
        int total = Math.max(0, (out - 1) * cs.s[i] + span - cs.in[i]);
        pb[i] = cs.autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
        pe[i] = total - pb[i];
      } else if (cs.autoPad.equals("NOTSET")) {
        pb[i] = cs.pads[i];
        pe[i] = cs.pads[i + cs.r];
      }
    }
    return new int[][] {pb, pe};
  }

  /** Naive direct convolution; returns {value, sum of |terms|} per output, and the shape. */
  private static double[][] naive(Case cs, float[] x, float[] w, float[] b, int[] outShape) {
    int[][] p = resolvedPads(cs);
    int[] out = new int[cs.r];
    int outSize = 1;
    int inSize = 1;
    int kSize = 1;
    for (int i = 0; i < cs.r; i++) {
      int span = (cs.k[i] - 1) * cs.d[i] + 1;
      out[i] = (cs.in[i] + p[0][i] + p[1][i] - span) / cs.s[i] + 1;
      outSize *= out[i];
      inSize *= cs.in[i];
      kSize *= cs.k[i];
    }
    outShape[0] = cs.n;
    outShape[1] = cs.m;
    System.arraycopy(out, 0, outShape, 2, cs.r);
    int cg = cs.c / cs.group;
    int mg = cs.m / cs.group;
    double[] val = new double[cs.n * cs.m * outSize];
    double[] mag = new double[val.length];
    for (int n = 0; n < cs.n; n++) {
      for (int m = 0; m < cs.m; m++) {
        for (int q = 0; q < outSize; q++) {
          int[] o = coords(q, out);
          double acc = b == null ? 0 : b[m];
          double abs = Math.abs(acc);
          for (int ci = 0; ci < cg; ci++) {
            int c = (m / mg) * cg + ci;
            for (int kp = 0; kp < kSize; kp++) {
              int[] kc = coords(kp, cs.k);
              int at = 0;
              boolean inside = true;
              for (int i = 0; i < cs.r; i++) {
                int pos = o[i] * cs.s[i] - p[0][i] + kc[i] * cs.d[i];
                inside &= pos >= 0 && pos < cs.in[i];
                at = at * cs.in[i] + pos;
              }
              if (inside) {
                double t = (double) x[(n * cs.c + c) * inSize + at] * w[(m * cg + ci) * kSize + kp];
                acc += t;
                abs += Math.abs(t);
              }
            }
          }
          val[(n * cs.m + m) * outSize + q] = acc;
          mag[(n * cs.m + m) * outSize + q] = abs;
        }
      }
    }
    return new double[][] {val, mag};
  }

  private static int[] coords(int flat, int[] dims) {
    int[] c = new int[dims.length];
    for (int i = dims.length - 1; i >= 0; i--) {
      c[i] = flat % dims[i];
      flat /= dims[i];
    }
    return c;
  }

  private static Tensor[] inputs(Random rnd, Case cs) {
    int[] xs = new int[2 + cs.r];
    int[] ws = new int[2 + cs.r];
    xs[0] = cs.n;
    xs[1] = cs.c;
    ws[0] = cs.m;
    ws[1] = cs.c / cs.group;
    System.arraycopy(cs.in, 0, xs, 2, cs.r);
    System.arraycopy(cs.k, 0, ws, 2, cs.r);
    return new Tensor[] {ConvTestGraphs.randomF32(rnd, xs), ConvTestGraphs.randomF32(rnd, ws),
        cs.bias ? ConvTestGraphs.randomF32(rnd, cs.m) : null};
  }

  private static void checkAgainstNaive(Random rnd, Case cs, int threads, int opset) {
    Tensor[] in = inputs(rnd, cs);
    Tensor y = ConvTestGraphs.run("Conv", opset, cs.attrs(), in,
        new boolean[] {false, cs.constWeights, cs.constWeights}, 1, threads)[0];
    int[] shape = new int[2 + cs.r];
    double[][] ref = naive(cs, in[0].floats(), in[1].floats(), in[2] == null ? null : in[2].floats(), shape);
    assertArrayEquals(shape, y.shape(), cs.toString());
    double k = (double) cs.c / cs.group;
    for (int kk : cs.k) {
      k *= kk;
    }
    float[] got = y.floats();
    for (int i = 0; i < got.length; i++) {
      double tol = 1e-5 * Math.sqrt(k) * ref[1][i] + 1e-30;
      int at = i;
      assertTrue(Math.abs(got[i] - ref[0][i]) <= tol,
          () -> cs + ": output " + at + " = " + got[at] + ", naive " + ref[0][at]);
    }
  }

  @Test
  void conv2dMatchesNaiveConvolutionOverRandomGeometries() {
    Random rnd = new Random(1);
    for (int t = 0; t < 150; t++) {
      checkAgainstNaive(rnd, randomCase(rnd, 2), 1 + t % 3, 11);
    }
  }

  @Test
  void conv1dAnd3dMatchNaiveConvolution() {
    Random rnd = new Random(2);
    for (int t = 0; t < 80; t++) {
      checkAgainstNaive(rnd, randomCase(rnd, 1), 2, 11);
      checkAgainstNaive(rnd, randomCase(rnd, 3), 1 + t % 3, 11);
    }
  }

  @Test
  void opset1ConvMatchesNaiveConvolution() {
    Random rnd = new Random(3);
    for (int t = 0; t < 20; t++) {
      checkAgainstNaive(rnd, randomCase(rnd, 2), 2, 1);
    }
  }

  @Test
  void largeConvolutionsSpanningSeveralTilesMatchNaive() {
    Random rnd = new Random(4);
    int[][] shapes = { // c, m, h, w, k, s, pad, group
      {32, 24, 40, 37, 3, 1, 1, 1}, {64, 16, 20, 20, 1, 1, 0, 1}, {48, 32, 33, 31, 3, 2, 1, 2},
      {24, 24, 50, 45, 3, 1, 1, 24}, {16, 48, 29, 30, 5, 2, 2, 16}, {96, 8, 15, 15, 3, 1, 0, 1},
      {40, 64, 17, 15, 3, 2, 1, 1}, // direct: strided, 64 channels
      {24, 80, 19, 21, 3, 2, 1, 1}, // patch panels and GEMM: more than 64 channels
      // Winograd with the SIMD kernels (JDK 18 on), its tile chosen from the declared shape:
      {16, 16, 32, 32, 3, 1, 1, 1}, {12, 10, 16, 64, 3, 1, 1, 1}, // 4x4 output tiles
      {8, 8, 16, 16, 3, 1, 1, 1}, // 2x2: a row of 4x4 tiles would be half a vector
    };
    for (int[] sh : shapes) {
      Case cs = new Case();
      cs.r = 2;
      cs.n = 2;
      cs.c = sh[0];
      cs.m = sh[1];
      cs.in = new int[] {sh[2], sh[3]};
      cs.k = new int[] {sh[4], sh[4]};
      cs.s = new int[] {sh[5], sh[5]};
      cs.d = new int[] {1, 1};
      cs.pads = new int[] {sh[6], sh[6], sh[6], sh[6]};
      cs.group = sh[7];
      cs.bias = true;
      cs.constWeights = true;
      checkAgainstNaive(rnd, cs, 2, 11);
    }
  }

  @Test
  void resultsAreIdenticalForOneTwoAndThreeThreads() {
    Random rnd = new Random(5);
    for (int t = 0; t < 40; t++) {
      Case cs = randomCase(rnd, 1 + t % 3);
      cs.n = 2;
      Tensor[] in = inputs(rnd, cs);
      float[] first = null;
      for (int threads = 1; threads <= 3; threads++) {
        float[] y = ConvTestGraphs.run("Conv", 11, cs.attrs(), in,
            new boolean[] {false, true, true}, 1, threads)[0].floats();
        if (first == null) {
          first = y;
        } else {
          assertArrayEquals(first, y, cs + " threads " + threads);
        }
      }
    }
    // A convolution big enough for tiles and a parallel GEMM.
    Case big = randomCase(rnd, 2);
    big.n = 1;
    big.c = 64;
    big.m = 32;
    big.group = 1;
    big.in = new int[] {30, 30};
    big.k = new int[] {3, 3};
    big.s = new int[] {1, 1};
    big.d = new int[] {1, 1};
    big.autoPad = "SAME_UPPER";
    Tensor[] in = inputs(rnd, big);
    float[] one = ConvTestGraphs.run("Conv", 11, big.attrs(), in, null, 1, 1)[0].floats();
    for (int threads = 2; threads <= 3; threads++) {
      assertArrayEquals(one, ConvTestGraphs.run("Conv", 11, big.attrs(), in, null, 1, threads)[0].floats());
    }
  }

  @Test
  void weightsPackedAtLoadGiveTheSameBitsAsWeightsFedAtRunTime() {
    Random rnd = new Random(15);
    for (int t = 0; t < 30; t++) {
      Case cs = randomCase(rnd, 1 + t % 3);
      Tensor[] in = inputs(rnd, cs);
      float[] packed = ConvTestGraphs.run("Conv", 11, cs.attrs(), in,
          new boolean[] {false, true, true}, 1, 2)[0].floats();
      float[] fed = ConvTestGraphs.run("Conv", 11, cs.attrs(), in,
          new boolean[] {false, false, false}, 1, 2)[0].floats();
      assertArrayEquals(fed, packed, cs.toString());
    }
  }

  @Test
  void fusedActivationsApplyToTheConvolutionOutput() {
    Random rnd = new Random(6);
    String[] kinds = {"Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh"};
    for (int t = 0; t < 30; t++) {
      Case cs = randomCase(rnd, 1 + rnd.nextInt(2));
      cs.bias = true;
      String kind = kinds[t % kinds.length];
      Tensor[] in = inputs(rnd, cs);
      Map<String, Attribute> plain = cs.attrs();
      Map<String, Attribute> fused = new HashMap<>(plain);
      fused.put(FusedActivation.ATTR, Attribute.of(kind));
      fused.put(FusedActivation.ATTR_MIN, Attribute.of(-0.25f));
      fused.put(FusedActivation.ATTR_MAX, Attribute.of(0.5f));
      fused.put(FusedActivation.ATTR_ALPHA, Attribute.of(0.2f));
      float[] y = ConvTestGraphs.run("Conv", 11, plain, in, new boolean[] {false, true, true}, 1, 2)[0].floats();
      float[] z = ConvTestGraphs.run("Conv", 11, fused, in, new boolean[] {false, true, true}, 1, 2)[0].floats();
      for (int i = 0; i < y.length; i++) {
        double v = y[i];
        double want;
        switch (kind) {
          case "Relu": want = Math.max(v, 0); break;
          case "Clip": want = Math.min(Math.max(v, -0.25), 0.5); break;
          case "LeakyRelu": want = v >= 0 ? v : 0.2 * v; break;
          case "Sigmoid": want = 1 / (1 + Math.exp(-v)); break;
          default: want = Math.tanh(v);
        }
        assertEquals(want, z[i], 1e-6, kind + " " + cs);
      }
    }
  }

  @Test
  void float64ConvolutionMatchesNaiveClosely() {
    Random rnd = new Random(7);
    for (int t = 0; t < 20; t++) {
      Case cs = randomCase(rnd, 1 + t % 3);
      Tensor[] in = inputs(rnd, cs);
      Tensor[] in64 = {in[0].cast(DType.F64), in[1].cast(DType.F64), in[2] == null ? null : in[2].cast(DType.F64)};
      Tensor y = ConvTestGraphs.run("Conv", 11, cs.attrs(), in64, new boolean[] {false, true, true}, 1, 2)[0];
      assertEquals(DType.F64, y.dtype());
      int[] shape = new int[2 + cs.r];
      double[][] ref = naive(cs, in[0].floats(), in[1].floats(), in[2] == null ? null : in[2].floats(), shape);
      assertArrayEquals(shape, y.shape());
      for (int i = 0; i < ref[0].length; i++) {
        assertEquals(ref[0][i], y.doubles()[i], 1e-12 * (1 + ref[1][i]), cs.toString());
      }
    }
  }

  @Test
  void float16ConvolutionRoundsTheNaiveResultToHalfPrecision() {
    Random rnd = new Random(8);
    for (int t = 0; t < 10; t++) {
      Case cs = randomCase(rnd, 1 + t % 2);
      Tensor[] in = inputs(rnd, cs);
      // inputs rounded to half first, so the naive reference sees the same operands
      Tensor[] in16 = {in[0].cast(DType.F16), in[1].cast(DType.F16), in[2] == null ? null : in[2].cast(DType.F16)};
      Tensor y = ConvTestGraphs.run("Conv", 11, cs.attrs(), in16, new boolean[] {false, true, true}, 1, 1)[0];
      assertEquals(DType.F16, y.dtype());
      int[] shape = new int[2 + cs.r];
      double[][] ref = naive(cs, in16[0].toFloats(), in16[1].toFloats(),
          in16[2] == null ? null : in16[2].toFloats(), shape);
      for (int i = 0; i < ref[0].length; i++) {
        // one rounding to half: relative 2^-11 of the value
        assertEquals(ref[0][i], y.getDouble(i), Math.abs(ref[0][i]) / 2048 + 1e-7, cs.toString());
      }
    }
  }

  @Test
  void handComputedConvolutionWithStridePadAndBias() {
    // x = 1..9 (3x3), w = all ones 2x2, stride 2, pads 1: windows over the zero-padded 5x5.
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
    Tensor w = Tensor.of(new float[] {1, 1, 1, 1}, 1, 1, 2, 2);
    Tensor b = Tensor.of(new float[] {0.5f}, 1);
    Map<String, Attribute> a = Map.of("strides", ConvTestGraphs.ints(2, 2), "pads", ConvTestGraphs.ints(1, 1, 1, 1));
    Tensor y = ConvTestGraphs.run("Conv", 11, a, new Tensor[] {x, w, b}, new boolean[] {false, true, true}, 1, 1)[0];
    assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape());
    // (0,0): 1; (0,1): 2+3; (1,0): 4+7; (1,1): 5+6+8+9
    assertArrayEquals(new float[] {1.5f, 5.5f, 11.5f, 28.5f}, y.floats());
  }

  @Test
  void mismatchedChannelsAreReportedWithTheNodeName() {
    Tensor x = Tensor.zeros(DType.F32, 1, 3, 5, 5);
    Tensor w = Tensor.zeros(DType.F32, 4, 2, 3, 3);
    QuantLensException e = assertThrows(QuantLensException.class, () -> ConvTestGraphs.run("Conv", 11,
        Map.of(), new Tensor[] {x, w}, new boolean[] {false, true}, 1, 1));
    assertTrue(e.getMessage().contains("node 'n' (Conv)"), e.getMessage());
    assertTrue(e.getMessage().contains("channels"), e.getMessage());
  }

  @Test
  void everyFloatPathOverwritesARecycledDirtyOutputArray() {
    // Conv takes its output array uninitialized. In x -> Neg -> a -> Neg -> b -> Conv -> y the
    // pool hands a's array (holding -x) back for y, which has a's shape; run twice with new
    // inputs, y must equal the same conv run alone on fresh arrays, for each float path.
    Random rnd = new Random(77);
    int[][] shapes = { // c, m, k, stride, group, h, w: y has x's shape (pad k / 2, m = c)
      {6, 6, 3, 1, 6, 9, 7}, // depthwise
      {8, 8, 3, 1, 1, 9, 7}, // direct
      {8, 8, 3, 1, 1, 16, 32}, // Winograd (with the SIMD kernels, JDK 18 on)
      {72, 72, 3, 1, 1, 9, 7}, // patch panels and GEMM
      {8, 8, 1, 1, 1, 9, 7}, // pointwise GEMM on the input in place
    };
    for (int[] sh : shapes) {
      int c = sh[0];
      int h = sh[5];
      int wd = sh[6];
      int k = sh[2];
      int p = k / 2;
      Map<String, Attribute> attrs = Map.of("pads", ConvTestGraphs.ints(p, p, p, p), "group",
          Attribute.of((long) sh[4]));
      Tensor w = ConvTestGraphs.randomF32(rnd, sh[1], c / sh[4], k, k);
      org.quantlens.engine.graph.Graph g = new org.quantlens.engine.graph.Graph("dirty");
      g.opsets().put("", 11);
      g.inputs().add(new org.quantlens.engine.graph.Value("x", DType.F32, new int[] {1, c, h, wd}));
      g.initializers().put("w", w);
      g.nodes().add(new org.quantlens.engine.graph.Node("n1", "Neg", java.util.List.of("x"),
          java.util.List.of("a"), Map.of()));
      g.nodes().add(new org.quantlens.engine.graph.Node("n2", "Neg", java.util.List.of("a"),
          java.util.List.of("b"), Map.of()));
      g.nodes().add(new org.quantlens.engine.graph.Node("conv", "Conv",
          java.util.List.of("b", "w"), java.util.List.of("y"), attrs));
      g.outputs().add(new org.quantlens.engine.graph.Value("y", null, (int[]) null, null));
      try (org.quantlens.engine.runtime.Session s = new org.quantlens.engine.runtime.Session(g)) {
        for (int run = 0; run < 2; run++) {
          Tensor x = ConvTestGraphs.randomF32(rnd, 1, c, h, wd);
          float[] got = s.run(Map.of("x", x)).get("y").floats();
          float[] alone = ConvTestGraphs.run("Conv", 11, attrs, new Tensor[] {x, w},
              new boolean[] {false, true}, 1, 1)[0].floats();
          assertArrayEquals(alone, got, "c " + c + " k " + k + " group " + sh[4] + " run " + run);
        }
      }
    }
  }
}
