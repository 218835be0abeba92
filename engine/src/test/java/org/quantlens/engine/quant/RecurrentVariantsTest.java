package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * dynamic-int8 and static-int8 on a graph with a bidirectional LSTM (biases, peepholes) and a GRU:
 * both layers become int8-weight ops, run, and stay close to float; static-int8 takes X's
 * parameters from the calibration set's range.
 */
class RecurrentVariantsTest {
  private static final int SEQ = 7;
  private static final int INPUT = 8;
  private static final int HIDDEN = 16;

  private static float[] rand(Random r, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return a;
  }

  static Graph graph() {
    Random r = new Random(17);
    Graph g = new Graph("rnn");
    g.opsets().put("", 14);
    g.inputs().add(new Value("X", DType.F32, SEQ, -1, INPUT));
    g.outputs().add(new Value("lstm_Y", DType.F32));
    g.outputs().add(new Value("lstm_Yc", DType.F32));
    g.outputs().add(new Value("gru_Yh", DType.F32));
    g.initializers().put("lW", Tensor.of(rand(r, 2 * 4 * HIDDEN * INPUT, 0.4), 2, 4 * HIDDEN, INPUT));
    g.initializers().put("lR", Tensor.of(rand(r, 2 * 4 * HIDDEN * HIDDEN, 0.4), 2, 4 * HIDDEN, HIDDEN));
    g.initializers().put("lB", Tensor.of(rand(r, 2 * 8 * HIDDEN, 0.3), 2, 8 * HIDDEN));
    g.initializers().put("lP", Tensor.of(rand(r, 2 * 3 * HIDDEN, 0.3), 2, 3 * HIDDEN));
    g.initializers().put("gW", Tensor.of(rand(r, 3 * HIDDEN * INPUT, 0.4), 1, 3 * HIDDEN, INPUT));
    g.initializers().put("gR", Tensor.of(rand(r, 3 * HIDDEN * HIDDEN, 0.4), 1, 3 * HIDDEN, HIDDEN));
    g.initializers().put("gB", Tensor.of(rand(r, 6 * HIDDEN, 0.3), 1, 6 * HIDDEN));
    g.nodes().add(new Node("lstm", "LSTM", List.of("X", "lW", "lR", "lB", "", "", "", "lP"),
        List.of("lstm_Y", "", "lstm_Yc"), Map.of("hidden_size", Attribute.of((long) HIDDEN),
            "direction", Attribute.of("bidirectional"))));
    g.nodes().add(new Node("gru", "GRU", List.of("X", "gW", "gR", "gB"), List.of("", "gru_Yh"),
        Map.of("hidden_size", Attribute.of((long) HIDDEN))));
    return g;
  }

  static List<Map<String, Tensor>> feeds(long seed, int count, int batch) {
    Random r = new Random(seed);
    List<Map<String, Tensor>> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(Map.of("X", Tensor.of(rand(r, SEQ * batch * INPUT, 1.5), SEQ, batch, INPUT)));
    }
    return out;
  }

  /** Largest |float - quantized| over every output of every feed. */
  private static double maxDiff(Graph f, Graph q, List<Map<String, Tensor>> feeds) {
    double max = 0;
    try (Session fs = new Session(f); Session qs = new Session(q)) {
      for (Map<String, Tensor> feed : feeds) {
        Map<String, Tensor> a = fs.run(feed);
        Map<String, Tensor> b = qs.run(feed);
        for (String name : List.of("lstm_Y", "lstm_Yc", "gru_Yh")) {
          float[] x = a.get(name).floats();
          float[] y = b.get(name).floats();
          assertEquals(x.length, y.length, name);
          for (int i = 0; i < x.length; i++) {
            assertTrue(Float.isFinite(y[i]), name);
            max = Math.max(max, Math.abs(x[i] - y[i]));
          }
        }
      }
    }
    return max;
  }

  private static Node node(Graph g, String name) {
    return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
  }

  /**
   * Bound: int8 weights (per gate row) and uint8 x/h per step move the gate inputs by a few 1e-3
   * (see QuantRecurrentLayerTest); the cell state, which sums over 7 steps, moves most; measured ~0.01, bound 0.03 (static: the same).
   */
  @Test
  void dynamicInt8RunsLstmAsDynamicQuantizeLstmAndGruAsQuantizedGruCloseToFloat() {
    Graph f = graph();
    Variants.Built b = Variants.buildVariant(f, "dynamic-int8", null, QuantConfig.defaults());
    assertEquals("DynamicQuantizeLSTM", node(b.graph(), "lstm").opType());
    assertEquals("com.microsoft", node(b.graph(), "lstm").domain());
    assertEquals("QuantizedGRU", node(b.graph(), "gru").opType());
    assertTrue(b.report().entry("lstm").int8(), b.report().entry("lstm").reason());
    assertTrue(b.report().entry("gru").int8(), b.report().entry("gru").reason());
    assertFalse(b.graph().initializers().containsKey("lW"), "float weights are dropped");
    double d = maxDiff(f, b.graph(), feeds(2, 4, 3));
    System.out.println("dynamic-int8 LSTM/GRU: max |float - int8| = " + d);
    assertTrue(d < 0.03, "max |float - dynamic int8| = " + d);
    assertTrue(d > 0, "the int8 path actually ran");
  }

  @Test
  void staticInt8UsesCalibratedXRangeAndStaysCloseToFloat() {
    Graph f = graph();
    List<Map<String, Tensor>> calib = feeds(9, 6, 4);
    Variants.Built b = Variants.buildVariant(f, "static-int8", Calibration.of(calib), QuantConfig.defaults());
    Node lstm = node(b.graph(), "lstm");
    Node gru = node(b.graph(), "gru");
    assertEquals("QuantizedLSTM", lstm.opType());
    assertEquals("QuantizedGRU", gru.opType());
    assertEquals(16, lstm.inputs().size());
    assertTrue(b.report().entry("lstm").int8(), b.report().entry("lstm").reason());
    double lo = 0;
    double hi = 0;
    for (Map<String, Tensor> feed : calib) {
      for (float v : feed.get("X").floats()) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    float xs = b.graph().initializers().get(lstm.input(12)).floats()[0];
    assertEquals((float) ((hi - lo) / 255), xs, 1e-6f, "X scale from the calibration range (MinMax, uint8)");
    float hs = b.graph().initializers().get(gru.input(12)).floats()[0];
    assertTrue(hs > 0 && hs <= 2f / 255 + 1e-6, "H scale within a tanh-bounded range: " + hs);
    double d = maxDiff(f, b.graph(), feeds(2, 4, 3));
    System.out.println("static-int8 LSTM/GRU: max |float - int8| = " + d + ", H scale " + hs);
    assertTrue(d < 0.03, "max |float - static int8| = " + d);
  }

  /**
   * static-int8's file form keeps the recurrent weights int8 (behind DequantizeLinear, a quarter of
   * the bytes), and read back it runs as a weight-only layer: close to float (weight rounding
   * only), and no longer the in-memory layer that also rounds x and h.
   */
  @Test
  void staticInt8ExportsRecurrentWeightsAsInt8BehindDequantizeLinear() {
    Graph f = graph();
    Variants.Built b = Variants.buildVariant(f, "static-int8", Calibration.of(feeds(9, 6, 4)),
        QuantConfig.defaults());
    Graph file = b.exportGraph();
    for (String name : List.of("lstm", "gru")) {
      Node n = node(file, name);
      assertEquals("", n.domain(), name);
      for (int i = 1; i <= 2; i++) {
        assertFalse(file.initializers().containsKey(n.input(i)), name + " input " + i + " is no float constant");
      }
    }
    long int8Bytes = file.nodes().stream().filter(n -> n.opType().equals("DequantizeLinear"))
        .map(n -> file.initializers().get(n.input(0))).filter(t -> t.dtype() == DType.I8)
        .mapToLong(Tensor::size).sum();
    assertEquals(2 * 4 * HIDDEN * (INPUT + HIDDEN) + 3 * HIDDEN * (INPUT + HIDDEN), int8Bytes,
        "every W and R element stored as one int8 byte");
    QdqFolding.Result folded = QdqFolding.fold(file);
    assertEquals(1L, node(folded.graph(), "lstm").attributes().get("weight_only").asLong());
    double d = maxDiff(f, file, feeds(2, 4, 3));
    System.out.println("static-int8 file LSTM/GRU: max |float - weight-only| = " + d);
    assertTrue(d < 0.03, "max |float - weight-only| = " + d);
    assertTrue(maxDiff(b.graph(), file, feeds(2, 4, 3)) > 0, "the file drops the x/h rounding");
  }

  @Test
  void keepFloatLeavesTheLayerFloatAndSaysSo() {
    Graph f = graph();
    QuantConfig cfg = QuantConfig.defaults().withKeepFloat(Set.of("gru"));
    Variants.Built b = Variants.buildVariant(f, "dynamic-int8", null, cfg);
    assertEquals("GRU", node(b.graph(), "gru").opType());
    assertFalse(b.report().entry("gru").int8());
    assertTrue(b.report().entry("lstm").int8());
  }

  /** DynamicQuantizeLSTM has no layout attribute: a batch-major LSTM runs as our QuantizedLSTM. */
  @Test
  void batchMajorLstmBecomesQuantizedLstmWithItsLayoutAndStaysClose() {
    Random r = new Random(23);
    Graph f = new Graph("bm");
    f.opsets().put("", 14);
    f.inputs().add(new Value("X", DType.F32, -1, SEQ, INPUT));
    f.outputs().add(new Value("Y", DType.F32));
    f.outputs().add(new Value("Y_h", DType.F32));
    f.initializers().put("W", Tensor.of(rand(r, 4 * HIDDEN * INPUT, 0.4), 1, 4 * HIDDEN, INPUT));
    f.initializers().put("R", Tensor.of(rand(r, 4 * HIDDEN * HIDDEN, 0.4), 1, 4 * HIDDEN, HIDDEN));
    f.nodes().add(new Node("lstm", "LSTM", List.of("X", "W", "R"), List.of("Y", "Y_h"),
        Map.of("hidden_size", Attribute.of((long) HIDDEN), "layout", Attribute.of(1L))));
    Variants.Built b = Variants.buildVariant(f, "dynamic-int8", null, QuantConfig.defaults());
    Node q = node(b.graph(), "lstm");
    assertEquals("QuantizedLSTM", q.opType());
    assertEquals(1L, q.attributes().get("layout").asLong());
    Map<String, Tensor> feed = Map.of("X", Tensor.of(rand(r, 3 * SEQ * INPUT, 1.5), 3, SEQ, INPUT));
    try (Session fs = new Session(f); Session qs = new Session(b.graph())) {
      Map<String, Tensor> a = fs.run(feed);
      Map<String, Tensor> c = qs.run(feed);
      for (String name : List.of("Y", "Y_h")) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a.get(name).shape(), c.get(name).shape(), name);
        float[] x = a.get(name).floats();
        float[] y = c.get(name).floats();
        for (int i = 0; i < x.length; i++) {
          assertEquals(x[i], y[i], 0.03, name + "[" + i + "]");
        }
      }
    }
  }
}
