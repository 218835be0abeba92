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
 * The folding pass on QDQ graphs written the way other tools write them (PyTorch QAT exports,
 * ONNX Runtime's quantizer), and the reasons it gives for what it leaves alone.
 */
class QdqFoldingTest {
  /** QDQ graphs run as written (fake-quant): a session would otherwise fold them to int8 kernels. */
  private static final Session.Options SIMULATE = new Session.Options().optimize(false);

  private static Tensor scalar(float v) {
    return Tensor.of(new float[] {v});
  }

  private static Tensor u8(int v) {
    Tensor t = Tensor.zeros(DType.U8);
    t.setLong(0, v);
    return t;
  }

  private static Node constant(String out, Tensor t) {
    return new Node(out + "_const", "Constant", List.of(), List.of(out), Map.of("value", Attribute.of(t)));
  }

  /**
   * PyTorch-style: parameters as Constant nodes, the weight quantized at run time by a
   * QuantizeLinear over a float initializer (per channel, axis 0), float bias, Conv -> Relu -> Q.
   */
  static Graph pytorchStyleConv(Random rnd) {
    Graph g = new Graph("qat");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 2, 6, 6));
    g.nodes().add(constant("xs", scalar(0.02f)));
    g.nodes().add(constant("xz", u8(128)));
    g.nodes().add(new Node("qx", "QuantizeLinear", List.of("x", "xs", "xz"), List.of("xq"), Map.of()));
    g.nodes().add(new Node("dqx", "DequantizeLinear", List.of("xq", "xs", "xz"), List.of("xd"), Map.of()));
    g.initializers().put("w", QuantTestModels.gaussian(rnd, 0.3, 4, 2, 3, 3));
    g.initializers().put("ws", Tensor.of(new float[] {0.004f, 0.005f, 0.003f, 0.006f}, 4));
    g.initializers().put("wz", Tensor.zeros(DType.I8, 4));
    Map<String, Attribute> axis0 = Map.of("axis", Attribute.of(0L));
    g.nodes().add(new Node("qw", "QuantizeLinear", List.of("w", "ws", "wz"), List.of("wq"), axis0));
    g.nodes().add(new Node("dqw", "DequantizeLinear", List.of("wq", "ws", "wz"), List.of("wd"), axis0));
    g.initializers().put("b", QuantTestModels.gaussian(rnd, 0.1, 4));
    g.nodes().add(new Node("conv", "Conv", List.of("xd", "wd", "b"), List.of("c"),
        QuantTestModels.attrs("kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1})));
    g.nodes().add(new Node("relu", "Relu", List.of("c"), List.of("r"), Map.of()));
    g.nodes().add(constant("ys", scalar(0.015f)));
    g.nodes().add(constant("yz", u8(0)));
    g.nodes().add(new Node("qy", "QuantizeLinear", List.of("r", "ys", "yz"), List.of("yq"), Map.of()));
    g.nodes().add(new Node("dqy", "DequantizeLinear", List.of("yq", "ys", "yz"), List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, -1, 4, 6, 6));
    return g;
  }

  @Test
  void pytorchStyleQatConvFoldsAndComputesWhatTheQdqGraphComputes() {
    Random rnd = new Random(3);
    Graph g = pytorchStyleConv(rnd);
    QdqFolding.Result f = QdqFolding.fold(g);
    List<String> ops = new ArrayList<>();
    f.graph().nodes().forEach(n -> ops.add(n.opType()));
    assertEquals(List.of("QuantizeLinear", "QLinearConv", "DequantizeLinear"), sortedByTopology(f.graph()), ops.toString());
    Node conv = f.graph().producer("yq");
    assertEquals("Relu", conv.attributes().get("ql.activation").asString());
    assertTrue(f.report().entry("qw").int8() && f.report().entry("qw").reason().contains("evaluated once"),
        f.report().entry("qw").toString());
    assertTrue(f.report().entry("relu").int8());
    assertEquals(g.nodes().size(), f.report().entries().size());
    float step = 0.015f;
    try (Session a = new Session(g, SIMULATE); Session b = new Session(f.graph())) {
      for (int i = 0; i < 5; i++) {
        Tensor x = QuantTestModels.gaussian(rnd, 1.0, 3, 2, 6, 6);
        float[] ya = a.run(Map.of("x", x)).get("y").floats();
        float[] yb = b.run(Map.of("x", x)).get("y").floats();
        for (int k = 0; k < ya.length; k++) {
          assertTrue(Math.abs(ya[k] - yb[k]) <= step * 1.0001f, "element " + k + ": " + ya[k] + " vs " + yb[k]);
        }
      }
    }
  }

  private static List<String> sortedByTopology(Graph g) {
    List<String> r = new ArrayList<>();
    g.topologicalOrder().forEach(n -> {
      if (!n.opType().equals("Constant")) { // the scale/zero-point Constant nodes stay, read by the int8 op
        r.add(n.opType());
      }
    });
    return r;
  }

  /** x -> Q -> DQ -> Conv(int8 w, int32 bias DQ) -> Q (no Relu: ONNX Runtime drops it, zp 0) -> DQ -> Softmax. */
  static Graph ortStyle(Random rnd, String convOut) {
    Graph g = new Graph("ort");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 2, 5, 5));
    g.initializers().put("xs", scalar(0.02f));
    g.initializers().put("xz", u8(120));
    g.nodes().add(new Node("x_QuantizeLinear", "QuantizeLinear", List.of("x", "xs", "xz"), List.of("xq"), Map.of()));
    g.nodes().add(new Node("x_DequantizeLinear", "DequantizeLinear", List.of("xq", "xs", "xz"), List.of("xd"), Map.of()));
    Tensor wq = Tensor.zeros(DType.I8, 3, 2, 1, 1);
    for (int i = 0; i < wq.size(); i++) {
      wq.setLong(i, rnd.nextInt(255) - 127);
    }
    g.initializers().put("wq", wq);
    g.initializers().put("ws", scalar(0.004f));
    g.initializers().put("wz", Tensor.zeros(DType.I8));
    g.nodes().add(new Node("w_DequantizeLinear", "DequantizeLinear", List.of("wq", "ws", "wz"), List.of("wd"), Map.of()));
    g.initializers().put("bq", Tensor.of(new int[] {100, -250, 40}, 3));
    g.initializers().put("bs", scalar(0.02f * 0.004f));
    g.nodes().add(new Node("b_DequantizeLinear", "DequantizeLinear", List.of("bq", "bs"), List.of("bd"), Map.of()));
    g.nodes().add(new Node("conv", "Conv", List.of("xd", "wd", "bd"), List.of(convOut), Map.of()));
    g.initializers().put("ys", scalar(0.01f));
    g.initializers().put("yz", u8(0));
    g.nodes().add(new Node("c_QuantizeLinear", "QuantizeLinear", List.of("c", "ys", "yz"), List.of("cq"), Map.of()));
    g.nodes().add(new Node("c_DequantizeLinear", "DequantizeLinear", List.of("cq", "ys", "yz"), List.of("cd"), Map.of()));
    g.nodes().add(new Node("softmax", "Softmax", List.of("cd"), List.of("y"), Map.of("axis", Attribute.of(1L))));
    g.outputs().add(new Value("y", DType.F32, -1, 3, 5, 5));
    return g;
  }

  @Test
  void ortStyleQdqFoldsConvAndSaysWhySoftmaxStaysFloat() {
    Random rnd = new Random(4);
    Graph g = ortStyle(rnd, "c");
    QdqFolding.Result f = QdqFolding.fold(g);
    assertTrue(f.report().entry("conv").int8(), f.report().toString());
    Int8Report.Entry sm = f.report().entry("softmax");
    assertFalse(sm.int8());
    assertTrue(sm.reason().contains("no int8 kernel for Softmax"), sm.toString());
    Int8Report.Entry dq = f.report().entry("c_DequantizeLinear");
    assertTrue(dq.reason().startsWith("boundary") && dq.reason().contains("softmax"), dq.toString());
    assertTrue(f.report().entry("b_DequantizeLinear").int8(), "bias DQ absorbed");
    try (Session a = new Session(g, SIMULATE); Session b = new Session(f.graph())) {
      Tensor x = QuantTestModels.gaussian(rnd, 1.0, 2, 2, 5, 5);
      float[] ya = a.run(Map.of("x", x)).get("y").floats();
      float[] yb = b.run(Map.of("x", x)).get("y").floats();
      for (int k = 0; k < ya.length; k++) {
        assertEquals(ya[k], yb[k], 0.02, "element " + k); // softmax of logits at most one step (0.01) apart
      }
    }
  }

  @Test
  void unfoldableShapesGetTheirReasons() {
    Random rnd = new Random(5);
    // conv output read by two nodes
    Graph two = ortStyle(rnd, "c");
    two.nodes().add(new Node("extra", "Relu", List.of("c"), List.of("e"), Map.of()));
    two.outputs().add(new Value("e", DType.F32, (int[]) null, null));
    assertTrue(QdqFolding.fold(two).report().entry("conv").reason().contains("has 2 readers"));
    // conv output is a graph output
    Graph out = ortStyle(rnd, "c");
    out.outputs().add(new Value("c", DType.F32, (int[]) null, null));
    assertTrue(QdqFolding.fold(out).report().entry("conv").reason().contains("graph output"));
    // kept float by configuration
    Int8Report.Entry kept = QdqFolding.fold(ortStyle(rnd, "c"), Set.of("conv")).report().entry("conv");
    assertTrue(!kept.int8() && kept.reason().contains("kept in float"), kept.toString());
    // per-channel weight along the wrong axis
    Graph axis = ortStyle(rnd, "c");
    axis.initializers().put("ws", Tensor.of(new float[] {0.004f, 0.004f}, 2));
    axis.initializers().put("wz", Tensor.zeros(DType.I8, 2));
    List<Node> nodes = new ArrayList<>(axis.nodes());
    nodes.replaceAll(n -> n.name().equals("w_DequantizeLinear") ? n.withAttribute("axis", Attribute.of(1L)) : n);
    axis.nodes().clear();
    axis.nodes().addAll(nodes);
    assertTrue(QdqFolding.fold(axis).report().entry("conv").reason().contains("axis 1"),
        QdqFolding.fold(axis).report().entry("conv").toString());
    // float input
    Graph flt = ortStyle(rnd, "c");
    List<Node> fn = new ArrayList<>(flt.nodes());
    fn.replaceAll(n -> n.name().equals("conv") ? n.withIO(List.of("x", "wd", "bd"), n.outputs()) : n);
    flt.nodes().clear();
    flt.nodes().addAll(fn);
    assertTrue(QdqFolding.fold(flt).report().entry("conv").reason().contains("is float"));
  }

  @Test
  void maxPoolWithDifferentInputAndOutputParametersStaysFakeQuant() {
    Graph g = new Graph("pool");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 1, 1, 4, 4));
    g.initializers().put("s1", scalar(0.1f));
    g.initializers().put("s2", scalar(0.2f));
    g.initializers().put("z", u8(0));
    g.nodes().add(new Node("q1", "QuantizeLinear", List.of("x", "s1", "z"), List.of("a"), Map.of()));
    g.nodes().add(new Node("d1", "DequantizeLinear", List.of("a", "s1", "z"), List.of("b"), Map.of()));
    g.nodes().add(new Node("pool", "MaxPool", List.of("b"), List.of("c"),
        QuantTestModels.attrs("kernel_shape", new long[] {2, 2})));
    g.nodes().add(new Node("q2", "QuantizeLinear", List.of("c", "s2", "z"), List.of("d"), Map.of()));
    g.nodes().add(new Node("d2", "DequantizeLinear", List.of("d", "s2", "z"), List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    Int8Report.Entry e = QdqFolding.fold(g).report().entry("pool");
    assertTrue(!e.int8() && e.reason().contains("differ"), e.toString());
    g.initializers().put("s2", scalar(0.1f));
    assertTrue(QdqFolding.fold(g).report().entry("pool").int8());
  }
}
