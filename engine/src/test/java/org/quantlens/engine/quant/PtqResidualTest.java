package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
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
 * PTQ and folding of MatMul, Add with a constant operand, a residual Add with a Clip, and Concat:
 * the paths the CNN does not take.
 */
class PtqResidualTest {
  /** QDQ graphs run as written (fake-quant): a session would otherwise fold them to int8 kernels. */
  private static final Session.Options SIMULATE = new Session.Options().optimize(false);

  /**
   * x[N,8] -> mm1 (8x16) -> add1 (+ b1) -> relu -> mm2 (16x8) -> add2 (+ x) -> clip(0, 6)
   * -> concat(., x) -> mm3 (16x4) = y.
   */
  static Graph residual(Random rnd) {
    Graph g = new Graph("res");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 8));
    g.initializers().put("w1", QuantTestModels.gaussian(rnd, 0.5, 8, 16));
    g.initializers().put("b1", QuantTestModels.gaussian(rnd, 0.2, 16));
    g.initializers().put("w2", QuantTestModels.gaussian(rnd, 0.35, 16, 8));
    g.initializers().put("w3", QuantTestModels.gaussian(rnd, 0.35, 16, 4));
    g.initializers().put("lo", Tensor.of(new float[] {0f}));
    g.initializers().put("hi", Tensor.of(new float[] {6f}));
    g.nodes().add(new Node("mm1", "MatMul", List.of("x", "w1"), List.of("h1"), Map.of()));
    g.nodes().add(new Node("add1", "Add", List.of("h1", "b1"), List.of("h2"), Map.of()));
    g.nodes().add(new Node("relu", "Relu", List.of("h2"), List.of("h3"), Map.of()));
    g.nodes().add(new Node("mm2", "MatMul", List.of("h3", "w2"), List.of("h4"), Map.of()));
    g.nodes().add(new Node("add2", "Add", List.of("h4", "x"), List.of("h5"), Map.of()));
    g.nodes().add(new Node("clip", "Clip", List.of("h5", "lo", "hi"), List.of("h6"), Map.of()));
    g.nodes().add(new Node("concat", "Concat", List.of("h6", "x"), List.of("h7"), Map.of("axis", Attribute.of(1L))));
    g.nodes().add(new Node("mm3", "MatMul", List.of("h7", "w3"), List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, -1, 4));
    return g;
  }

  @Test
  void matMulAddClipAndConcatQuantizeAndFold() {
    Random rnd = new Random(12);
    Graph g = residual(rnd);
    List<Map<String, Tensor>> calib = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calib.add(Map.of("x", QuantTestModels.gaussian(rnd, 1.0, 16, 8)));
    }
    Ptq.Result p = Ptq.quantize(g, Calibration.of(calib), QuantConfig.defaults());
    Graph q = p.graph();
    // MatMul weights per output column (axis 1), the Add constant quantized like an activation
    assertEquals(1L, q.producer("w1").attributes().get("axis").asLong());
    assertEquals(16, q.initializers().get("w1_scale").size());
    assertEquals(DType.U8, q.initializers().get("b1_quantized").dtype());
    assertEquals("add1", q.producer(q.nodes().stream().filter(n -> n.name().equals("relu")).findFirst().get().input(0)).name(),
        "relu stays attached to add1");
    assertEquals("add2", q.producer(q.nodes().stream().filter(n -> n.name().equals("clip")).findFirst().get().input(0)).name());

    QdqFolding.Result f = QdqFolding.fold(q);
    Int8Report rep = f.report();
    for (String n : List.of("mm1", "add1", "relu", "mm2", "add2", "clip", "mm3")) {
      assertTrue(rep.entry(n).int8(), rep.toString());
    }
    Node add2 = f.graph().producer(f.graph().nodes().stream().filter(n -> n.name().equals("add2")).findFirst().get()
        .outputs().get(0));
    assertEquals("Clip", add2.attributes().get("ql.activation").asString());
    assertEquals(6f, add2.attributes().get("ql.activation_max").asFloat());
    Int8Report.Entry concat = rep.entry("concat");
    assertTrue(concat.int8() || concat.reason().contains("not available"), concat.toString());

    float step = p.activations().get("y").scale;
    try (Session a = new Session(q, SIMULATE); Session b = new Session(f.graph())) {
      for (int i = 0; i < 10; i++) {
        Tensor x = QuantTestModels.gaussian(rnd, 1.0, 16, 8);
        float[] ya = a.run(Map.of("x", x)).get("y").floats();
        float[] yb = b.run(Map.of("x", x)).get("y").floats();
        for (int k = 0; k < ya.length; k++) {
          assertTrue(Math.abs(ya[k] - yb[k]) <= 2 * step * 1.0001f, "element " + k + ": " + ya[k] + " vs " + yb[k]);
        }
      }
    }
  }

  @Test
  void averagePoolQuantizesAndFoldsWithinOneStep() {
    Random rnd = new Random(13);
    Graph g = new Graph("avg");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 2, 8, 8));
    g.initializers().put("w", QuantTestModels.gaussian(rnd, 0.4, 4, 2, 3, 3));
    g.nodes().add(new Node("conv", "Conv", List.of("x", "w"), List.of("c"),
        QuantTestModels.attrs("kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1})));
    g.nodes().add(new Node("relu", "Relu", List.of("c"), List.of("r"), Map.of()));
    g.nodes().add(new Node("avg", "AveragePool", List.of("r"), List.of("y"),
        QuantTestModels.attrs("kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2})));
    g.outputs().add(new Value("y", DType.F32, -1, 4, 4, 4));
    List<Map<String, Tensor>> calib = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calib.add(Map.of("x", QuantTestModels.gaussian(rnd, 1.0, 8, 2, 8, 8)));
    }
    Ptq.Result p = Ptq.quantize(g, Calibration.of(calib), QuantConfig.defaults());
    QdqFolding.Result f = QdqFolding.fold(p.graph());
    Int8Report.Entry avg = f.report().entry("avg");
    assertTrue(avg.int8() || avg.reason().contains("not available"), avg.toString());
    assertTrue(f.report().entry("conv").int8() && f.report().entry("relu").int8(), f.report().toString());
    float step = p.activations().get("y").scale;
    try (Session a = new Session(p.graph(), SIMULATE); Session b = new Session(f.graph())) {
      Tensor x = QuantTestModels.gaussian(rnd, 1.0, 8, 2, 8, 8);
      float[] ya = a.run(Map.of("x", x)).get("y").floats();
      float[] yb = b.run(Map.of("x", x)).get("y").floats();
      for (int k = 0; k < ya.length; k++) {
        assertTrue(Math.abs(ya[k] - yb[k]) <= step * 1.0001f, "element " + k + ": " + ya[k] + " vs " + yb[k]);
      }
    }
  }
}
