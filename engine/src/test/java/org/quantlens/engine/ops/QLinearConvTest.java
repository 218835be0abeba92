package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.QuantTestSupport.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** QLinearConv and ConvInteger against a naive N-D convolution written here from the ONNX formula. */
class QLinearConvTest {
  /** One convolution case: shapes and attributes. */
  static final class Case {
    int n = 1;
    int c;
    int m;
    int group = 1;
    int[] in;
    int[] kernel;
    int[] strides;
    int[] dilations;
    int[] padsBegin;
    int[] padsEnd;
    String autoPad = "NOTSET";

    /** A 3x3 convolution padded by one on every side. */
    static Case padded3x3(int n, int c, int m, int h, int w) {
      Case k = new Case();
      k.n = n;
      k.c = c;
      k.m = m;
      k.in = new int[] {h, w};
      k.kernel = new int[] {3, 3};
      k.padsBegin = new int[] {1, 1};
      k.padsEnd = new int[] {1, 1};
      return k;
    }

    int rank() {
      return in.length;
    }

    int[] strides() {
      return strides != null ? strides : ones(rank());
    }

    int[] dilations() {
      return dilations != null ? dilations : ones(rank());
    }

    /** Begin/end pads and output extent straight from the ONNX Conv definition. */
    int[][] resolved() {
      int r = rank();
      int[] pb = new int[r];
      int[] pe = new int[r];
      int[] out = new int[r];
      for (int i = 0; i < r; i++) {
        int s = strides()[i];
        int eff = (kernel[i] - 1) * dilations()[i] + 1;
        if (autoPad.startsWith("SAME")) {
          out[i] = (int) Math.ceil(in[i] / (double) s);
          int total = Math.max(0, (out[i] - 1) * s + eff - in[i]);
          pb[i] = autoPad.equals("SAME_UPPER") ? total / 2 : (total + 1) / 2;
          pe[i] = total - pb[i];
        } else if (autoPad.equals("VALID")) {
          out[i] = (int) Math.ceil((in[i] - eff + 1) / (double) s);
        } else {
          pb[i] = padsBegin == null ? 0 : padsBegin[i];
          pe[i] = padsEnd == null ? 0 : padsEnd[i];
          out[i] = (in[i] + pb[i] + pe[i] - eff) / s + 1;
        }
      }
      return new int[][] {pb, pe, out};
    }

    static int[] ones(int r) {
      int[] o = new int[r];
      java.util.Arrays.fill(o, 1);
      return o;
    }

    Map<String, org.quantlens.engine.graph.Attribute> attributes() {
      List<Object> kv = new ArrayList<>(List.of("group", group, "auto_pad", autoPad,
          "kernel_shape", toLongs(kernel)));
      if (strides != null) {
        kv.addAll(List.of("strides", toLongs(strides)));
      }
      if (dilations != null) {
        kv.addAll(List.of("dilations", toLongs(dilations)));
      }
      if (padsBegin != null) {
        long[] p = new long[2 * rank()];
        for (int i = 0; i < rank(); i++) {
          p[i] = padsBegin[i];
          p[i + rank()] = padsEnd[i];
        }
        kv.addAll(List.of("pads", p));
      }
      return attrs(kv.toArray());
    }

    static long[] toLongs(int[] v) {
      long[] l = new long[v.length];
      for (int i = 0; i < v.length; i++) {
        l[i] = v[i];
      }
      return l;
    }
  }

  /**
   * Naive integer convolution: {@code sum (x - zx) * (w - zw[co])} over every kernel tap that
   * lands inside the input (padding is zero after subtracting the zero point). Output [n][m][out...].
   */
  static long[] naive(Case k, Tensor x, int zx, Tensor w, int[] zw) {
    int[][] rv = k.resolved();
    int[] pb = rv[0];
    int[] out = rv[2];
    int r = k.rank();
    int outSize = 1;
    int inSize = 1;
    int kSize = 1;
    for (int i = 0; i < r; i++) {
      outSize *= out[i];
      inSize *= k.in[i];
      kSize *= k.kernel[i];
    }
    int cg = k.c / k.group;
    int mg = k.m / k.group;
    long[] y = new long[k.n * k.m * outSize];
    int[] o = new int[r];
    int[] t = new int[r];
    for (int n = 0; n < k.n; n++) {
      for (int co = 0; co < k.m; co++) {
        int g = co / mg;
        for (int op = 0; op < outSize; op++) {
          unflatten(op, out, o);
          long s = 0;
          for (int ci = 0; ci < cg; ci++) {
            int cin = g * cg + ci;
            for (int kp = 0; kp < kSize; kp++) {
              unflatten(kp, k.kernel, t);
              int idx = 0;
              boolean inside = true;
              for (int d = 0; d < r; d++) {
                int pos = o[d] * k.strides()[d] - pb[d] + t[d] * k.dilations()[d];
                inside &= pos >= 0 && pos < k.in[d];
                idx = idx * k.in[d] + pos;
              }
              if (inside) {
                int xv = q(x, (n * k.c + cin) * inSize + idx) - zx;
                int wv = q(w, (co * cg + ci) * kSize + kp) - zw[zw.length == 1 ? 0 : co];
                s += (long) xv * wv;
              }
            }
          }
          y[(n * k.m + co) * outSize + op] = s;
        }
      }
    }
    return y;
  }

  static void unflatten(int i, int[] dims, int[] out) {
    for (int d = dims.length - 1; d >= 0; d--) {
      out[d] = i % dims[d];
      i /= dims[d];
    }
  }

  static int[] shape(int a, int b, int[] rest) {
    int[] s = new int[rest.length + 2];
    s[0] = a;
    s[1] = b;
    System.arraycopy(rest, 0, s, 2, rest.length);
    return s;
  }

  static List<Case> cases() {
    List<Case> l = new ArrayList<>();
    Case a = new Case(); // plain 3x3, pad 1
    a.n = 4; a.c = 3; a.m = 5; a.in = new int[] {7, 9}; a.kernel = new int[] {3, 3}; // 4: images in parallel on 2 threads
    a.padsBegin = new int[] {1, 1}; a.padsEnd = new int[] {1, 1};
    l.add(a);
    Case b = new Case(); // strides, dilations, asymmetric pads
    b.c = 4; b.m = 6; b.in = new int[] {11, 10}; b.kernel = new int[] {3, 2}; b.strides = new int[] {2, 3};
    b.dilations = new int[] {2, 1}; b.padsBegin = new int[] {0, 2}; b.padsEnd = new int[] {3, 1};
    l.add(b);
    Case dw = new Case(); // depthwise
    dw.n = 2; dw.c = 8; dw.m = 8; dw.group = 8; dw.in = new int[] {9, 9}; dw.kernel = new int[] {3, 3};
    dw.strides = new int[] {2, 2}; dw.autoPad = "SAME_UPPER";
    l.add(dw);
    Case gr = new Case(); // groups with several channels each, SAME_LOWER
    gr.c = 6; gr.m = 4; gr.group = 2; gr.in = new int[] {8, 5}; gr.kernel = new int[] {2, 3}; gr.autoPad = "SAME_LOWER";
    gr.strides = new int[] {1, 2};
    l.add(gr);
    Case v = new Case(); // VALID, 1x1 pointwise, odd width
    v.n = 3; v.c = 17; v.m = 33; v.in = new int[] {5, 7}; v.kernel = new int[] {1, 1}; v.autoPad = "VALID";
    l.add(v);
    Case big = new Case(); // larger K (>256: several K blocks) and many pixels (several tiles)
    big.c = 40; big.m = 9; big.in = new int[] {23, 29}; big.kernel = new int[] {3, 3};
    big.padsBegin = new int[] {1, 1}; big.padsEnd = new int[] {1, 1};
    l.add(big);
    Case wide = new Case(); // strided, weights past what an im2col unit widens at once (2^17 floats)
    wide.c = 128; wide.m = 128; wide.in = new int[] {6, 6}; wide.kernel = new int[] {3, 3};
    wide.strides = new int[] {2, 2}; wide.padsBegin = new int[] {1, 1}; wide.padsEnd = new int[] {1, 1};
    l.add(wide);
    Case d1 = new Case(); // 1-D
    d1.n = 2; d1.c = 3; d1.m = 4; d1.in = new int[] {13}; d1.kernel = new int[] {4}; d1.strides = new int[] {3};
    d1.padsBegin = new int[] {2}; d1.padsEnd = new int[] {1};
    l.add(d1);
    Case d3 = new Case(); // 3-D
    d3.c = 2; d3.m = 3; d3.in = new int[] {4, 5, 6}; d3.kernel = new int[] {2, 3, 2}; d3.dilations = new int[] {1, 1, 2};
    d3.padsBegin = new int[] {1, 0, 1}; d3.padsEnd = new int[] {0, 1, 1};
    l.add(d3);
    return l;
  }

  /**
   * The unit-stride path reads its padded images in place from per-thread scratch sized to them
   * plus a panel of slack. Run on a fresh thread, whose scratch is allocated at exactly that size,
   * a read past it would throw: every shape here (dilations, asymmetric and SAME pads, groups,
   * batches padded together and image by image) must give the naive convolution.
   */
  @Test
  void unitStridePathReadsNoFurtherThanItsSlack() throws Exception {
    Random r = new Random(13);
    List<Case> cs = new ArrayList<>();
    for (Case k : cases()) {
      if (k.in.length == 2 && (k.strides == null || k.strides[0] == 1 && k.strides[1] == 1)) {
        cs.add(k);
      }
    }
    Case dil = new Case(); // dilated, asymmetric pads, two images
    dil.n = 2; dil.c = 5; dil.m = 3; dil.in = new int[] {9, 13}; dil.kernel = new int[] {3, 2};
    dil.dilations = new int[] {2, 3}; dil.padsBegin = new int[] {2, 0}; dil.padsEnd = new int[] {1, 3};
    cs.add(dil);
    assertTrue(cs.size() >= 4, "unit-stride cases: " + cs.size());
    for (Case k : cs) {
      Tensor x = bytes(r, true, shape(k.n, k.c, k.in));
      Tensor w = bytes(r, false, shape(k.m, k.c / k.group, k.kernel));
      int zx = r.nextInt(256);
      Map<String, Tensor> c = Map.of("w", w, "wz", zp(false, new int[0], new int[] {0}));
      Map<String, Tensor> f = Map.of("x", x, "xz", scalar8(true, zx));
      Graph g = graph("ConvInteger", "", 10, List.of("x", "w", "xz", "wz"), c, f, k.attributes(), "y");
      long[] want = naive(k, x, zx, w, new int[] {0});
      Tensor[] got = new Tensor[1];
      Throwable[] failed = new Throwable[1];
      Thread t = new Thread(() -> {
        try {
          got[0] = run(g, f, 1).get("y");
        } catch (Throwable e) {
          failed[0] = e;
        }
      });
      t.start();
      t.join();
      if (failed[0] != null) {
        throw new AssertionError("case " + Arrays.toString(k.in) + " x " + Arrays.toString(k.kernel), failed[0]);
      }
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], got[0].ints()[i], "case " + Arrays.toString(k.in) + " [" + i + "]");
      }
    }
  }

  @Test
  void convIntegerMatchesNaiveConvolutionExactlyOnEveryGeometryAndThreadCount() {
    Random r = new Random(7);
    int ci = 0;
    for (Case k : cases()) {
      for (int combo = 0; combo < 3; combo++, ci++) {
        boolean xu = combo != 1;
        boolean wu = combo == 2;
        Tensor x = bytes(r, xu, shape(k.n, k.c, k.in));
        Tensor w = bytes(r, wu, shape(k.m, k.c / k.group, k.kernel));
        int zx = xu ? r.nextInt(256) : r.nextInt(256) - 128;
        int[] zw = new int[combo == 0 ? k.m : 1];
        for (int i = 0; i < zw.length; i++) {
          zw[i] = wu ? r.nextInt(256) : r.nextInt(256) - 128;
        }
        Map<String, Tensor> c = Map.of("w", w, "wz", zp(wu, zw.length == 1 ? new int[0] : new int[] {k.m}, zw));
        Map<String, Tensor> f = Map.of("x", x, "xz", scalar8(xu, zx));
        Graph g = graph("ConvInteger", "", 10, List.of("x", "w", "xz", "wz"), c, f, k.attributes(), "y");
        long[] want = naive(k, x, zx, w, zw);
        for (int threads : new int[] {1, 3}) {
          Tensor y = run(g, f, threads).get("y");
          assertEquals(DType.I32, y.dtype());
          assertArrayEquals(shape(k.n, k.m, k.resolved()[2]), y.shape(), "case " + ci);
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], y.ints()[i], "case " + ci + " [" + i + "]");
          }
        }
      }
    }
  }

  @Test
  void qlinearConvMatchesDequantizeConvQuantizeReferencePerTensorAndPerChannelWithBias() {
    Random r = new Random(17);
    int nearTies = 0;
    int total = 0;
    for (Case k : cases()) {
      for (int combo = 0; combo < 3; combo++) {
        boolean xu = combo != 1;
        boolean wu = combo == 2;
        boolean perChannel = combo != 2;
        Tensor x = bytes(r, xu, shape(k.n, k.c, k.in));
        Tensor w = bytes(r, wu, shape(k.m, k.c / k.group, k.kernel));
        float sx = 0.01f + r.nextFloat() * 0.05f;
        int zx = xu ? 100 + r.nextInt(50) : r.nextInt(20) - 10;
        float[] sw = new float[perChannel ? k.m : 1];
        int[] zw = new int[sw.length];
        for (int i = 0; i < sw.length; i++) {
          sw[i] = 0.002f + r.nextFloat() * 0.01f;
          zw[i] = wu ? 120 + r.nextInt(16) : (perChannel ? 0 : r.nextInt(6) - 3);
        }
        int[] bias = new int[k.m];
        for (int i = 0; i < k.m; i++) {
          bias[i] = r.nextInt(20000) - 10000;
        }
        int kg = k.c / k.group;
        for (int d : k.kernel) {
          kg *= d;
        }
        float sy = (float) (sx * sw[0] * Math.sqrt(kg) * 70 / 40);
        boolean yu = combo != 1;
        int zy = yu ? 128 : -5;
        Map<String, Tensor> c = new HashMap<>(Map.of("xs", floats(new int[0], sx), "xz", scalar8(xu, zx), "w", w,
            "ws", floats(perChannel ? new int[] {k.m} : new int[0], sw),
            "wz", zp(wu, perChannel ? new int[] {k.m} : new int[0], zw),
            "ys", floats(new int[0], sy), "yz", scalar8(yu, zy)));
        c.put("b", Tensor.of(bias, k.m));
        Graph g = graph("QLinearConv", "", 10, List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"), c,
            Map.of("x", x), k.attributes(), "y");
        long[] acc = naive(k, x, zx, w, zw);
        int pixels = acc.length / (k.n * k.m);
        double[] v = new double[acc.length];
        for (int i = 0; i < v.length; i++) {
          int co = (i / pixels) % k.m;
          double sc = (double) sx * sw[perChannel ? co : 0];
          v[i] = (acc[i] + bias[co]) * sc / sy + zy;
        }
        for (int threads : new int[] {1, 2}) {
          Tensor y = run(g, Map.of("x", x), threads).get("y");
          assertEquals(yu ? DType.U8 : DType.I8, y.dtype());
          nearTies += assertQuantized(v, y, yu ? 0 : -128, yu ? 255 : 127, 1e-3, "conv combo " + combo);
          total += v.length;
        }
      }
    }
    assertTrue(nearTies * 200 < total, nearTies + " near-tie differences in " + total);
  }

  @Test
  void qlinearConvFusedReluAndClipClampInTheQuantizedDomain() {
    Random r = new Random(2);
    Case k = cases().get(0);
    Tensor x = bytes(r, true, shape(k.n, k.c, k.in));
    Tensor w = bytes(r, false, shape(k.m, k.c, k.kernel));
    float sy = 0.25f;
    int zy = 60;
    Map<String, Tensor> c = Map.of("xs", floats(new int[0], 0.02f), "xz", scalar8(true, 128), "w", w,
        "ws", floats(new int[0], 0.01f), "wz", scalar8(false, 0), "ys", floats(new int[0], sy), "yz", scalar8(true, zy));
    List<String> in = List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz");
    Tensor plain = run(graph("QLinearConv", "", 10, in, c, Map.of("x", x), k.attributes(), "y"), Map.of("x", x), 1).get("y");
    Map<String, org.quantlens.engine.graph.Attribute> relu = new HashMap<>(k.attributes());
    relu.put(FusedActivation.ATTR, org.quantlens.engine.graph.Attribute.of("Relu"));
    Tensor yr = run(graph("QLinearConv", "", 10, in, c, Map.of("x", x), relu, "y"), Map.of("x", x), 1).get("y");
    Map<String, org.quantlens.engine.graph.Attribute> clip = new HashMap<>(k.attributes());
    clip.put(FusedActivation.ATTR, org.quantlens.engine.graph.Attribute.of("Clip"));
    clip.put(FusedActivation.ATTR_MIN, org.quantlens.engine.graph.Attribute.of(-1.1f)); // q = rint(-4.4) + 60 = 56
    clip.put(FusedActivation.ATTR_MAX, org.quantlens.engine.graph.Attribute.of(6.125f)); // q = rint(24.5) + 60 = 84
    Tensor yc = run(graph("QLinearConv", "", 10, in, c, Map.of("x", x), clip, "y"), Map.of("x", x), 1).get("y");
    int below = 0;
    int above = 0;
    for (int i = 0; i < plain.size(); i++) {
      int p = q(plain, i);
      assertEquals(Math.max(zy, p), q(yr, i));
      assertEquals(Math.min(84, Math.max(56, p)), q(yc, i));
      below += p < 56 ? 1 : 0;
      above += p > 84 ? 1 : 0;
    }
    assertTrue(below > 0 && above > 0, "data should reach both clip bounds: " + below + ", " + above);
  }

  @Test
  void invalidWeightQuantizationIsALoadErrorNamingTheNode() {
    Random r = new Random(1);
    Tensor w = bytes(r, false, 4, 2, 3, 3);
    Tensor x = bytes(r, true, 1, 2, 5, 5);
    List<String> in = List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz");
    // per-channel scales of the wrong count
    Map<String, Tensor> c1 = Map.of("xs", floats(new int[0], 0.1f), "xz", scalar8(true, 0), "w", w,
        "ws", floats(new int[] {3}, 0.1f, 0.1f, 0.1f), "wz", zp(false, new int[] {3}, 0, 0, 0),
        "ys", floats(new int[0], 0.1f), "yz", scalar8(true, 0));
    InvalidAttributeException e = assertThrows(InvalidAttributeException.class,
        () -> run(graph("QLinearConv", "", 10, in, c1, Map.of("x", x), attrs(), "y"), Map.of("x", x), 1));
    assertTrue(e.getMessage().contains("node 'n' (QLinearConv)") && e.getMessage().contains("per output channel"), e.getMessage());
    // per-channel input scale
    Map<String, Tensor> c2 = new HashMap<>(c1);
    c2.put("ws", floats(new int[0], 0.1f));
    c2.put("wz", scalar8(false, 0));
    c2.put("xs", floats(new int[] {2}, 0.1f, 0.2f));
    c2.put("xz", zp(true, new int[] {2}, 0, 0));
    e = assertThrows(InvalidAttributeException.class,
        () -> run(graph("QLinearConv", "", 10, in, c2, Map.of("x", x), attrs(), "y"), Map.of("x", x), 1));
    assertTrue(e.getMessage().contains("node 'n'") && e.getMessage().contains("x_scale"), e.getMessage());
    // negative y scale
    Map<String, Tensor> c3 = new HashMap<>(c1);
    c3.put("ws", floats(new int[0], 0.1f));
    c3.put("wz", scalar8(false, 0));
    c3.put("ys", floats(new int[0], -0.5f));
    e = assertThrows(InvalidAttributeException.class,
        () -> run(graph("QLinearConv", "", 10, in, c3, Map.of("x", x), attrs(), "y"), Map.of("x", x), 1));
    assertTrue(e.getMessage().contains("y_scale") && e.getMessage().contains("positive"), e.getMessage());
  }
}
