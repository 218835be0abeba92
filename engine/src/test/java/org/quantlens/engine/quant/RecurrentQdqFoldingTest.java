package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * DequantizeLinear(int8 W, R) -> LSTM folding: which scale layouts fold into an 8-bit-weight layer,
 * and that the folded layer keeps the file's meaning, a float LSTM on the dequantized weights: its
 * outputs equal, bit for bit, those of a float LSTM on weights dequantized here by hand.
 */
class RecurrentQdqFoldingTest {
  private static final int SEQ = 5;
  private static final int BATCH = 2;
  private static final int INPUT = 6;
  private static final int HIDDEN = 4;
  private static final int G = 4 * HIDDEN;

  private static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (r.nextInt(255) - 127);
    }
    return b;
  }

  /**
   * An LSTM reading W [1, G, INPUT] and R [1, G, HIDDEN] through DequantizeLinear on rank-3 int8
   * tensors (no Reshape), with the given scale for W (R per tensor).
   */
  private static Graph model(byte[] w, byte[] r, Tensor wScale, long wAxis, float rScale) {
    Graph g = new Graph("dq-lstm");
    g.opsets().put("", 13);
    g.inputs().add(new Value("X", DType.F32, SEQ, BATCH, INPUT));
    g.outputs().add(new Value("Y", DType.F32));
    g.initializers().put("Wq", Tensor.wrap(DType.I8, w, 1, G, INPUT));
    g.initializers().put("Ws", wScale);
    g.initializers().put("Rq", Tensor.wrap(DType.I8, r, 1, G, HIDDEN));
    g.initializers().put("Rs", Tensor.of(new float[] {rScale}));
    g.nodes().add(new Node("dqW", "DequantizeLinear", "", List.of("Wq", "Ws"), List.of("W"),
        Map.of("axis", Attribute.of(wAxis))));
    g.nodes().add(new Node("dqR", "DequantizeLinear", "", List.of("Rq", "Rs"), List.of("R"), Map.of()));
    Map<String, Attribute> a = new LinkedHashMap<>();
    a.put("hidden_size", Attribute.of((long) HIDDEN));
    g.nodes().add(new Node("lstm", "LSTM", "", List.of("X", "W", "R"), List.of("Y"), a));
    return g;
  }

  /** The same LSTM on float weights q * scale (scale per element of axis 1, or one value). */
  private static Graph floatModel(byte[] w, float[] wScale, byte[] r, float rScale) {
    float[] wf = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      wf[i] = w[i] * wScale[wScale.length == 1 ? 0 : i / INPUT];
    }
    float[] rf = new float[r.length];
    for (int i = 0; i < r.length; i++) {
      rf[i] = r[i] * rScale;
    }
    Graph g = new Graph("f-lstm");
    g.opsets().put("", 13);
    g.inputs().add(new Value("X", DType.F32, SEQ, BATCH, INPUT));
    g.outputs().add(new Value("Y", DType.F32));
    g.initializers().put("W", Tensor.of(wf, 1, G, INPUT));
    g.initializers().put("R", Tensor.of(rf, 1, G, HIDDEN));
    Map<String, Attribute> a = new LinkedHashMap<>();
    a.put("hidden_size", Attribute.of((long) HIDDEN));
    g.nodes().add(new Node("lstm", "LSTM", "", List.of("X", "W", "R"), List.of("Y"), a));
    return g;
  }

  private static float[] run(Graph g, Tensor x) {
    try (Session s = new Session(g)) {
      return s.run(Map.of("X", x)).get("Y").toFloats();
    }
  }

  @Test
  void perGateUnitScalesFoldIntoAWeightOnlyLayerThatComputesTheDequantizedLstm() {
    Random rnd = new Random(5);
    byte[] w = bytes(rnd, G * INPUT);
    byte[] r = bytes(rnd, G * HIDDEN);
    float[] ws = new float[G];
    for (int i = 0; i < G; i++) {
      ws[i] = 0.002f + 0.004f * rnd.nextFloat();
    }
    Graph q = model(w, r, Tensor.of(ws, G), 1, 0.004f);
    QdqFolding.Result f = QdqFolding.fold(q);
    assertEquals(List.of("QuantizedLSTM"), f.graph().nodes().stream().map(Node::opType).toList());
    assertEquals(1L, f.graph().nodes().get(0).attributes().get("weight_only").asLong());
    assertFalse(f.report().entry("lstm").int8(), "float compute: " + f.report().entry("lstm"));
    assertFalse(Int8Report.of(f.graph()).entry("lstm").int8(), Int8Report.of(f.graph()).toString());
    float[] xv = new float[SEQ * BATCH * INPUT];
    for (int i = 0; i < xv.length; i++) {
      xv[i] = (float) (rnd.nextGaussian() * 1.2);
    }
    Tensor x = Tensor.of(xv, SEQ, BATCH, INPUT);
    // the session folds the QDQ file itself: the same float arithmetic on the same weights
    assertArrayEquals(run(floatModel(w, ws, r, 0.004f), x), run(q, x));
  }

  /**
   * A weight_only layer whose W is fed at run time (no constant to prepare at load) computes as
   * the one with W constant, call after call.
   */
  @Test
  void weightOnlyLayerWithWeightsFedAtRunTimeEqualsTheConstantOne() {
    Random rnd = new Random(8);
    Graph folded = QdqFolding.fold(model(bytes(rnd, G * INPUT), bytes(rnd, G * HIDDEN),
        Tensor.of(new float[] {0.003f}), 1, 0.004f)).graph();
    float[] xv = new float[SEQ * BATCH * INPUT];
    for (int i = 0; i < xv.length; i++) {
      xv[i] = (float) rnd.nextGaussian();
    }
    Tensor x = Tensor.of(xv, SEQ, BATCH, INPUT);
    float[] want = run(folded, x);
    String w = folded.nodes().get(0).input(1);
    Tensor wq = folded.initializers().remove(w);
    folded.inputs().add(new Value(w, wq.dtype(), wq.shape()));
    try (Session s = new Session(folded)) {
      for (int call = 0; call < 3; call++) {
        assertArrayEquals(want, s.run(Map.of("X", x, w, wq)).get("Y").toFloats(), "call " + call);
      }
    }
  }

  /** weight_only is 0 or 1, and with 1 the node takes no X/H quantization parameters. */
  @Test
  void badWeightOnlyNodesAreRefusedNamingTheNode() {
    Random rnd = new Random(7);
    Graph folded = QdqFolding.fold(model(bytes(rnd, G * INPUT), bytes(rnd, G * HIDDEN),
        Tensor.of(new float[] {0.003f}), 1, 0.004f)).graph();
    Node n = folded.nodes().get(0);
    Map<String, Attribute> two = new LinkedHashMap<>(n.attributes());
    two.put("weight_only", Attribute.of(2L));
    folded.nodes().set(0, new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), two));
    QuantLensException e = assertThrows(QuantLensException.class, () -> new Session(folded).close());
    assertTrue(e.getMessage().contains("lstm") && e.getMessage().contains("weight_only must be 0 or 1"),
        e.getMessage());
    List<String> ins = new java.util.ArrayList<>(n.inputs());
    folded.initializers().put("xs", Tensor.of(new float[] {0.01f}));
    folded.initializers().put("xz", Tensor.zeros(DType.U8));
    ins.addAll(List.of("xs", "xz", "xs", "xz"));
    folded.nodes().set(0, new Node(n.name(), n.opType(), n.domain(), ins, n.outputs(), n.attributes()));
    e = assertThrows(QuantLensException.class, () -> new Session(folded).close());
    assertTrue(e.getMessage().contains("lstm") && e.getMessage().contains("takes no X_scale"),
        e.getMessage());
  }

  @Test
  void scalesThatVaryAlongTheInputAxisStayAFloatLstm() {
    Random rnd = new Random(6);
    float[] ws = new float[INPUT];
    for (int i = 0; i < INPUT; i++) {
      ws[i] = 0.002f + 0.004f * i;
    }
    Graph q = model(bytes(rnd, G * INPUT), bytes(rnd, G * HIDDEN), Tensor.of(ws, INPUT), 2, 0.004f);
    QdqFolding.Result f = QdqFolding.fold(q);
    assertTrue(f.graph().nodes().stream().anyMatch(n -> n.opType().equals("LSTM") && n.domain().isEmpty()));
    assertFalse(f.report().entry("lstm").int8(), f.report().entry("lstm").toString());
  }
}
