package org.quantlens.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The quantized ops against ONNX Runtime on random data. QLinearConv, QLinearMatMul, QGemm,
 * MatMulInteger, ConvInteger, QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear must agree
 * bit for bit: both compute exact integer accumulators and requantize with the same float32
 * operations (ONNX Runtime's MLAS: {@code (float) acc * scale}, clamp, round half to even, add the
 * zero point). QLinearAdd/QLinearMul are defined here as dequantize -> float32 op -> quantize,
 * while ONNX Runtime's kernels use their own float formula; they may differ by one quantization
 * step where a value lies near a rounding tie, which the test bounds.
 *
 * <p>Signed weights are drawn from [-64, 63] (7 bits, as ONNX Runtime's {@code reduce_range}
 * produces): ONNX Runtime's x86 u8 x s8 kernels add pairs of products in saturating int16
 * ({@code VPMADDUBSW}), so with full-range weights its results are not the exact integer sums
 * (255 * 127 * 2 overflows int16; seen here as differences of thousands in MatMulInteger), while
 * ours are exact.
 */
class QuantOpsOnnxRuntimeTest {
  private static final String MS = "com.microsoft";

  private static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      m.put((String) kv[i], v instanceof long[] ? Attribute.of((long[]) v)
          : v instanceof Float ? Attribute.of((Float) v)
          : v instanceof String ? Attribute.of((String) v)
          : Attribute.of(((Number) v).longValue()));
    }
    return m;
  }

  private static Tensor bytes(Random r, boolean unsigned, int... shape) {
    Tensor t = Tensor.zeros(unsigned ? DType.U8 : DType.I8, shape);
    r.nextBytes(t.bytes());
    return t;
  }

  /** Weights: full range when unsigned (ONNX Runtime widens u8 x u8 exactly), 7-bit when signed. */
  private static Tensor weights(Random r, boolean unsigned, int... shape) {
    Tensor t = bytes(r, unsigned, shape);
    if (!unsigned) {
      for (int i = 0; i < t.size(); i++) {
        t.bytes()[i] >>= 1;
      }
    }
    return t;
  }

  private static Tensor q8(boolean unsigned, int[] shape, int... v) {
    Tensor t = Tensor.zeros(unsigned ? DType.U8 : DType.I8, shape);
    for (int i = 0; i < v.length; i++) {
      t.bytes()[i] = (byte) v[i];
    }
    return t;
  }

  private static Tensor f32(int[] shape, float... v) {
    return Tensor.of(v.clone(), shape);
  }

  /** A one-node graph; inputs named in {@code consts} become initializers, the others graph inputs. */
  private static Graph graph(String op, String domain, int opset, List<String> inputs, Map<String, Tensor> consts,
      Map<String, Tensor> feeds, Map<String, Attribute> attributes, Value... outputs) {
    Graph g = new Graph(op.toLowerCase());
    g.opsets().put("", opset);
    if (!domain.isEmpty()) {
      g.opsets().put(domain, 1);
    }
    for (String in : inputs) {
      if (consts.containsKey(in)) {
        g.initializers().put(in, consts.get(in));
      } else if (!in.isEmpty() && g.inputs().stream().noneMatch(v -> v.name().equals(in))) {
        Tensor t = feeds.get(in);
        g.inputs().add(new Value(in, t.dtype(), t.shape()));
      }
    }
    List<String> outs = new java.util.ArrayList<>();
    for (Value v : outputs) {
      outs.add(v.name());
      g.outputs().add(v);
    }
    g.nodes().add(new Node("n", op, domain, inputs, outs, attributes));
    return g;
  }

  /** Runs in ONNX Runtime and in a Session; returns {ort, ours} per output in order. */
  private static Tensor[][] both(Graph g, Map<String, Tensor> feeds) throws OrtException {
    Set<String> missing = OnnxRuntimeAgreementTest.unregistered(g);
    Assumptions.assumeTrue(missing.isEmpty(), "not registered: " + missing);
    Map<String, Tensor> ort = Ort.run(OnnxWriter.toBytes(g), feeds);
    Map<String, Tensor> ours;
    try (Session s = new Session(g, new Session.Options().threads(2))) {
      ours = s.run(feeds);
    }
    Tensor[][] r = new Tensor[g.outputs().size()][];
    for (int i = 0; i < r.length; i++) {
      String name = g.outputs().get(i).name();
      r[i] = new Tensor[] {ort.get(name), ours.get(name)};
      assertEquals(r[i][0].dtype(), r[i][1].dtype(), name + " dtype");
      assertArrayEquals(r[i][0].shape(), r[i][1].shape(), name + " shape");
    }
    return r;
  }

  private static void assertBitExact(Tensor[] pair, String what) {
    Tensor ort = pair[0];
    Tensor ours = pair[1];
    int diff = 0;
    String first = null;
    for (int i = 0; i < ort.size(); i++) {
      if (Double.compare(ort.getDouble(i), ours.getDouble(i)) != 0) {
        if (first == null) {
          first = "[" + i + "] onnxruntime " + ort.getDouble(i) + ", quantlens " + ours.getDouble(i);
        }
        diff++;
      }
    }
    assertEquals(0, diff, what + ": " + diff + " of " + ort.size() + " differ, first " + first);
  }

  /** One QLinearConv configuration. */
  private static void qlinearConv(Random r, boolean xu, boolean wu, boolean perChannel, int n, int c, int m,
      int group, int hw, int k, int stride, int pad, int dilation) throws OrtException {
    Tensor x = bytes(r, xu, n, c, hw, hw + 1);
    Tensor w = weights(r, wu, m, c / group, k, k);
    float xs = 0.02f + 0.02f * r.nextFloat();
    int xz = xu ? 100 + r.nextInt(40) : r.nextInt(20) - 10;
    float[] ws = new float[perChannel ? m : 1];
    for (int i = 0; i < ws.length; i++) {
      ws[i] = 0.002f + 0.01f * r.nextFloat();
    }
    int[] wz = new int[ws.length];
    java.util.Arrays.fill(wz, wu ? 128 : 0); // ONNX Runtime needs equal weight zero points
    int[] bias = new int[m];
    for (int i = 0; i < m; i++) {
      bias[i] = r.nextInt(8000) - 4000;
    }
    int kg = c / group * k * k;
    float ys = (float) (xs * ws[0] * Math.sqrt(kg) * 70 / 40);
    int[] wsShape = perChannel ? new int[] {m} : new int[0];
    Map<String, Tensor> consts = Map.of("xs", f32(new int[0], xs), "xz", q8(xu, new int[0], xz), "w", w,
        "ws", f32(wsShape, ws), "wz", q8(wu, wsShape, wz), "ys", f32(new int[0], ys), "yz", q8(xu, new int[0], xu ? 128 : 3),
        "b", Tensor.of(bias, m));
    int oh = (hw + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
    int ow = (hw + 1 + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
    Graph g = graph("QLinearConv", "", 13, List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"), consts,
        Map.of("x", x), attrs("group", group, "strides", new long[] {stride, stride},
            "pads", new long[] {pad, pad, pad, pad}, "dilations", new long[] {dilation, dilation},
            "kernel_shape", new long[] {k, k}),
        new Value("y", xu ? DType.U8 : DType.I8, n, m, oh, ow));
    assertBitExact(both(g, Map.of("x", x))[0], "QLinearConv xu=" + xu + " wu=" + wu + " group=" + group);
  }

  @Test
  void qlinearConvIsBitExactWithOnnxRuntime() throws OrtException {
    Random r = new Random(101);
    qlinearConv(r, true, false, true, 2, 8, 16, 1, 12, 3, 1, 1, 1);   // u8 x s8, per-channel, pad 1
    qlinearConv(r, true, false, false, 1, 6, 10, 2, 9, 3, 2, 0, 1);   // groups, stride 2
    qlinearConv(r, true, true, false, 1, 5, 7, 1, 10, 3, 1, 1, 2);    // u8 x u8 (zp 128), dilation 2
    qlinearConv(r, false, false, true, 2, 4, 12, 1, 11, 5, 1, 2, 1);  // s8 x s8, 5x5
    qlinearConv(r, true, false, true, 1, 16, 16, 16, 14, 3, 2, 1, 1); // depthwise, stride 2
    qlinearConv(r, true, false, true, 3, 32, 24, 1, 7, 1, 1, 0, 1);   // 1x1 pointwise
    qlinearConv(r, true, false, true, 1, 64, 64, 1, 8, 3, 1, 1, 1);   // K = 576 (several K blocks)
  }

  @Test
  void qlinearMatMulIsBitExactWithOnnxRuntime() throws OrtException {
    Random r = new Random(102);
    boolean[][] types = {{true, false}, {true, true}, {false, false}};
    for (boolean[] t : types) {
      for (int[] s : new int[][] {{1, 64, 10}, {7, 33, 21}, {40, 200, 48}}) {
        for (boolean batched : new boolean[] {false, true}) {
          int m = s[0], k = s[1], n = s[2];
          Tensor a = batched ? bytes(r, t[0], 3, m, k) : bytes(r, t[0], m, k);
          Tensor b = weights(r, t[1], k, n);
          float as = 0.03f;
          float bs = 0.01f + 0.01f * r.nextFloat();
          float ys = (float) (as * bs * Math.sqrt(k) * 70 / 40);
          Map<String, Tensor> c = Map.of("as", f32(new int[0], as), "az", q8(t[0], new int[0], t[0] ? 131 : -2), "b", b,
              "bs", f32(new int[0], bs), "bz", q8(t[1], new int[0], t[1] ? 125 : 1), "ys", f32(new int[0], ys),
              "yz", q8(t[0], new int[0], t[0] ? 120 : 0));
          int[] outShape = batched ? new int[] {3, m, n} : new int[] {m, n};
          Graph g = graph("QLinearMatMul", "", 13, List.of("a", "as", "az", "b", "bs", "bz", "ys", "yz"), c,
              Map.of("a", a), Map.of(), new Value("y", t[0] ? DType.U8 : DType.I8, outShape));
          assertBitExact(both(g, Map.of("a", a))[0], "QLinearMatMul " + java.util.Arrays.toString(s));
        }
      }
    }
  }

  @Test
  void qgemmIsBitExactWithOnnxRuntimeForQuantizedAndFloatOutputs() throws OrtException {
    Random r = new Random(103);
    for (int t = 0; t < 8; t++) {
      boolean au = t % 4 != 3;
      boolean bu = t % 4 == 1;
      boolean transB = t % 2 == 0;
      boolean floatOut = t >= 4;
      boolean perCol = t % 3 == 0;
      int m = 1 + r.nextInt(30);
      int k = 1 + r.nextInt(100);
      int n = 1 + r.nextInt(50);
      Tensor a = bytes(r, au, m, k);
      Tensor b = transB ? weights(r, bu, n, k) : weights(r, bu, k, n);
      float alpha = t % 2 == 0 ? 1f : 0.75f;
      float as = 0.02f;
      float[] bs = new float[perCol ? n : 1];
      int[] bz = new int[bs.length];
      for (int j = 0; j < bs.length; j++) {
        bs[j] = 0.004f + 0.01f * r.nextFloat();
        bz[j] = bu ? 128 : 0;
      }
      int[] bias = new int[n];
      for (int j = 0; j < n; j++) {
        bias[j] = r.nextInt(6000) - 3000;
      }
      float ys = (float) (alpha * as * bs[0] * Math.sqrt(k) * 70 / 40);
      int[] bshape = perCol ? new int[] {n} : new int[0];
      Map<String, Tensor> c = new LinkedHashMap<>(Map.of("as", f32(new int[0], as), "az", q8(au, new int[0], au ? 128 : 0),
          "b", b, "bs", f32(bshape, bs), "bz", q8(bu, bshape, bz), "c", Tensor.of(bias, n)));
      List<String> in = new java.util.ArrayList<>(List.of("a", "as", "az", "b", "bs", "bz", "c"));
      if (!floatOut) {
        c.put("ys", f32(new int[0], ys));
        c.put("yz", q8(au, new int[0], au ? 110 : -7));
        in.addAll(List.of("ys", "yz"));
      }
      Graph g = graph("QGemm", MS, 13, in, c, Map.of("a", a), attrs("transB", transB ? 1 : 0, "alpha", alpha),
          new Value("y", floatOut ? DType.F32 : au ? DType.U8 : DType.I8, m, n));
      assertBitExact(both(g, Map.of("a", a))[0], "QGemm case " + t);
    }
  }

  @Test
  void integerOpsAndQuantizeOpsAreBitExactWithOnnxRuntime() throws OrtException {
    Random r = new Random(104);
    Tensor a = bytes(r, true, 5, 37);
    Tensor b = weights(r, false, 37, 19);
    Graph mm = graph("MatMulInteger", "", 13, List.of("a", "b", "az", "bz"),
        Map.of("b", b, "az", q8(true, new int[0], 130), "bz", q8(false, new int[0], 0)), Map.of("a", a), Map.of(),
        new Value("y", DType.I32, 5, 19));
    assertBitExact(both(mm, Map.of("a", a))[0], "MatMulInteger");
    Tensor x = bytes(r, true, 2, 3, 9, 8);
    Tensor w = bytes(r, true, 4, 3, 3, 3);
    Graph ci = graph("ConvInteger", "", 13, List.of("x", "w", "xz", "wz"),
        Map.of("w", w, "xz", q8(true, new int[0], 120), "wz", q8(true, new int[0], 130)), Map.of("x", x),
        attrs("pads", new long[] {1, 1, 1, 1}), new Value("y", DType.I32, 2, 4, 9, 8));
    assertBitExact(both(ci, Map.of("x", x))[0], "ConvInteger");
    Tensor f = Tensor.zeros(DType.F32, 2, 3, 50);
    for (int i = 0; i < f.size(); i++) {
      f.floats()[i] = (float) r.nextGaussian() * 3;
      if (i % 7 == 0) {
        f.floats()[i] = Math.round(f.floats()[i] * 10) / 10f; // values near ties for scale 0.05
      }
    }
    Map<String, Tensor> qp = Map.of("s", f32(new int[] {3}, 0.05f, 0.02f, 0.1f), "z", q8(false, new int[] {3}, 0, -10, 20));
    Graph ql = graph("QuantizeLinear", "", 13, List.of("f", "s", "z"), qp, Map.of("f", f), attrs("axis", 1),
        new Value("q", DType.I8, 2, 3, 50));
    Tensor[] qpair = both(ql, Map.of("f", f))[0];
    assertBitExact(qpair, "QuantizeLinear per-axis");
    Graph dl = graph("DequantizeLinear", "", 13, List.of("q", "s", "z"), qp, Map.of("q", qpair[1]), attrs("axis", 1),
        new Value("d", DType.F32, 2, 3, 50));
    assertBitExact(both(dl, Map.of("q", qpair[1]))[0], "DequantizeLinear per-axis");
    Graph dq = graph("DynamicQuantizeLinear", "", 13, List.of("f"), Map.of(), Map.of("f", f), Map.of(),
        new Value("y", DType.U8, 2, 3, 50), new Value("ys", DType.F32), new Value("yz", DType.U8));
    Tensor[][] d = both(dq, Map.of("f", f));
    for (Tensor[] p : d) {
      assertBitExact(p, "DynamicQuantizeLinear");
    }
  }

  @Test
  void qlinearAddAndMulAgreeWithOnnxRuntimeWithinOneStepNearTies() throws OrtException {
    Random r = new Random(105);
    int total = 0;
    int off = 0;
    for (String op : new String[] {"QLinearAdd", "QLinearMul"}) {
      Tensor a = bytes(r, true, 4, 64);
      Tensor b = bytes(r, true, 64);
      Map<String, Tensor> c = Map.of("as", f32(new int[0], 0.04f), "az", q8(true, new int[0], 128),
          "bs", f32(new int[0], 0.07f), "bz", q8(true, new int[0], 120),
          "cs", f32(new int[0], op.equals("QLinearAdd") ? 0.1f : 0.3f), "cz", q8(true, new int[0], 128));
      Map<String, Tensor> f = Map.of("a", a, "b", b);
      Graph g = graph(op, MS, 13, List.of("a", "as", "az", "b", "bs", "bz", "cs", "cz"), c, f, Map.of(),
          new Value("y", DType.U8, 4, 64));
      Tensor[] p = both(g, f)[0];
      for (int i = 0; i < p[0].size(); i++) {
        long d = Math.abs(p[0].getLong(i) - p[1].getLong(i));
        assertTrue(d <= 1, op + " [" + i + "] differs by " + d);
        off += d != 0 ? 1 : 0;
        total++;
      }
    }
    assertTrue(off * 20 < total, off + " of " + total + " one step apart");
  }
}
