package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * DequantizeLinear(int8 W, R) -> LSTM folding: which scale layouts fold into an int8 layer, and
 * that the folded layer computes the LSTM of the dequantized weights (up to the per-step x/h
 * rounding), against a float LSTM on weights dequantized here by hand.
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
  void perGateUnitScalesFoldIntoAnInt8LayerThatComputesTheDequantizedLstm() {
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
    assertTrue(f.report().entry("lstm").int8(), f.report().entry("lstm").toString());
    float[] xv = new float[SEQ * BATCH * INPUT];
    for (int i = 0; i < xv.length; i++) {
      xv[i] = (float) (rnd.nextGaussian() * 1.2);
    }
    Tensor x = Tensor.of(xv, SEQ, BATCH, INPUT);
    float[] got = run(q, x);
    float[] want = run(floatModel(w, ws, r, 0.004f), x);
    double max = 0;
    for (int i = 0; i < want.length; i++) {
      max = Math.max(max, Math.abs(want[i] - got[i]));
    }
    // only x and h are rounded (to ~range/255 per step): a few 1e-3 here
    assertTrue(max < 0.02, "max |dequantized float LSTM - folded int8 LSTM| = " + max);
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
