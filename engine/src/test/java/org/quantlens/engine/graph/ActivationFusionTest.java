package org.quantlens.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quantlens.engine.graph.PassTestSupport.count;
import static org.quantlens.engine.graph.PassTestSupport.random;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class ActivationFusionTest {
  private static final Random R = new Random(21);

  /** x -> producer -> act -> y; the producer is Conv (x 4-D), Gemm or MatMul (x [3, 5]). */
  private static Graph chain(int opset, String producer, String act, Map<String, Attribute> actAttrs,
      List<String> actExtraInputs) {
    Graph g = new Graph("t");
    g.opsets().put("", opset);
    boolean conv = producer.equals("Conv");
    g.inputs().add(conv ? new Value("x", DType.F32, 1, 2, 5, 5) : new Value("x", DType.F32, 3, 5));
    g.initializers().put("w", conv ? random(R, 3, 2, 3, 3) : random(R, 5, 4));
    g.nodes().add(new Node("p", producer, List.of("x", "w"), List.of("h"), Map.of()));
    List<String> in = new java.util.ArrayList<>(List.of("h"));
    in.addAll(actExtraInputs);
    g.nodes().add(new Node("a", act, in, List.of("y"), actAttrs));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    return g;
  }

  /** Fuses a copy of {@code g}; returns it after checking outputs equal the original's exactly. */
  private static Graph fuseAndCompare(Graph g, Tensor x) {
    OpRegistry reg = PassTestSupport.registry();
    Map<String, Tensor> want = PassTestSupport.run(g, reg, Map.of("x", x));
    Graph f = g.copy();
    ShapeInference.run(f);
    ActivationFusion.run(f);
    Map<String, Tensor> got = PassTestSupport.run(f, reg, Map.of("x", x));
    for (String k : want.keySet()) {
      assertArrayEquals(want.get(k).floats(), got.get(k).floats(), k); // the same float ops: exact
    }
    return f;
  }

  @Test
  void everySupportedActivationFusesIntoEveryProducerWithIdenticalOutputs() {
    Object[][] acts = {
      {"Relu", Map.of(), List.of(), 17},
      {"Sigmoid", Map.of(), List.of(), 17},
      {"Tanh", Map.of(), List.of(), 17},
      {"LeakyRelu", Map.of("alpha", Attribute.of(0.2f)), List.of(), 17},
      {"LeakyRelu", Map.of(), List.of(), 17},
      {"Clip", Map.of("min", Attribute.of(-0.5f), "max", Attribute.of(0.7f)), List.of(), 6},
      {"Clip", Map.of(), List.of("lo", "hi"), 13},
      {"Clip", Map.of(), List.of("", "hi"), 13},
    };
    for (String producer : new String[] {"Conv", "Gemm", "MatMul"}) {
      for (Object[] a : acts) {
        @SuppressWarnings("unchecked")
        Graph g = chain((Integer) a[3], producer, (String) a[0], (Map<String, Attribute>) a[1],
            (List<String>) a[2]);
        g.initializers().put("lo", Tensor.scalar(-0.3f));
        g.initializers().put("hi", Tensor.scalar(0.4f));
        Tensor x = producer.equals("Conv") ? random(R, 1, 2, 5, 5) : random(R, 3, 5);
        Graph f = fuseAndCompare(g, x);
        assertEquals(1, f.nodes().size(), producer + "+" + a[0]);
        Node n = f.nodes().get(0);
        assertEquals(a[0], n.attributes().get(FusedActivation.ATTR).asString());
        assertEquals("y", n.outputs().get(0));
      }
    }
  }

  @Test
  void sigmoidTanhAndReluFuseIntoDequantizeLinearAndGiveTheUnfusedValues() {
    for (String act : new String[] {"Sigmoid", "Tanh", "Relu"}) {
      for (DType t : new DType[] {DType.I8, DType.U8}) {
        Graph g = new Graph("t");
        g.opsets().put("", 13);
        g.inputs().add(new Value("x", t, 4, 16));
        g.initializers().put("s", Tensor.scalar(0.05f));
        Tensor zp = Tensor.zeros(t);
        zp.bytes()[0] = (byte) (t == DType.U8 ? 130 : -3);
        g.initializers().put("z", zp);
        g.nodes().add(new Node("dq", "DequantizeLinear", List.of("x", "s", "z"), List.of("h"), Map.of()));
        g.nodes().add(new Node("a", act, List.of("h"), List.of("y"), Map.of()));
        g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
        Tensor x = Tensor.zeros(t, 4, 16);
        for (int i = 0; i < x.size(); i++) {
          x.bytes()[i] = (byte) (i * 37 + 11); // every byte value class, both signs
        }
        // the naive stand-ins, unfused, against the engine's DequantizeLinear carrying the
        // activation (both evaluate it in double precision): exact
        Map<String, Tensor> want = PassTestSupport.run(g, PassTestSupport.registry(), Map.of("x", x));
        Graph f = g.copy();
        ShapeInference.run(f);
        ActivationFusion.run(f);
        assertEquals(List.of("DequantizeLinear"), f.nodes().stream().map(Node::opType).toList(), act);
        assertEquals(act, f.nodes().get(0).attributes().get(FusedActivation.ATTR).asString());
        Map<String, Tensor> got = PassTestSupport.run(f, OpRegistry.standard(), Map.of("x", x));
        assertArrayEquals(want.get("y").floats(), got.get("y").floats(), act + " " + t);
      }
    }
  }

  @Test
  void notFusedWhenTheIntermediateIsVisibleSharedNotFloatOrClipBoundsAreComputed() {
    Graph visible = chain(17, "Conv", "Relu", Map.of(), List.of());
    visible.outputs().add(new Value("h", DType.F32, (int[]) null, null));
    assertEquals(2, fuseAndCompare(visible, random(R, 1, 2, 5, 5)).nodes().size());

    Graph shared = chain(17, "Gemm", "Relu", Map.of(), List.of());
    shared.nodes().add(new Node("t", "Tanh", List.of("h"), List.of("t"), Map.of()));
    shared.outputs().add(new Value("t", DType.F32, (int[]) null, null));
    assertEquals(3, fuseAndCompare(shared, random(R, 3, 5)).nodes().size());

    Graph computedMax = chain(13, "MatMul", "Clip", Map.of(), List.of("lo", "m"));
    computedMax.initializers().put("lo", Tensor.scalar(-1f));
    computedMax.inputs().add(new Value("m", DType.F32));
    ShapeInference.run(computedMax);
    ActivationFusion.run(computedMax);
    assertEquals(2, computedMax.nodes().size());

    Graph doubles = chain(17, "MatMul", "Relu", Map.of(), List.of());
    doubles.inputs().set(0, new Value("x", DType.F64, 3, 5));
    doubles.initializers().put("w", Tensor.zeros(DType.F64, 5, 4));
    ShapeInference.run(doubles);
    ActivationFusion.run(doubles);
    assertEquals(2, doubles.nodes().size(), "only float32 kernels carry fused activations");
  }

  /** x[3,5] -> MatMul(B [5,4]) -> Add(bias) -> y. */
  private static Graph matMulAdd(Tensor bias, boolean biasFirst) {
    Graph g = new Graph("t");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 3, 5));
    g.initializers().put("w", random(R, 5, 4));
    g.initializers().put("bias", bias);
    g.nodes().add(new Node("mm", "MatMul", List.of("x", "w"), List.of("h"), Map.of()));
    g.nodes().add(new Node("add", "Add", biasFirst ? List.of("bias", "h") : List.of("h", "bias"),
        List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    return g;
  }

  private static int gemmsAfterFusion(Graph g) {
    Tensor x = random(R, 3, 5);
    OpRegistry reg = PassTestSupport.registry();
    Map<String, Tensor> want = PassTestSupport.run(g, reg, Map.of("x", x));
    Graph f = g.copy();
    ShapeInference.run(f);
    ActivationFusion.run(f);
    // Gemm may add the bias in another order than MatMul then Add: within float rounding.
    PassTestSupport.assertClose(want.get("y"), PassTestSupport.run(f, reg, Map.of("x", x)).get("y"), 1e-6, 1e-6);
    return count(f, "Gemm");
  }

  @Test
  void matMulPlusConstantBiasBecomesGemmWhenTheBiasDoesNotGrowTheResult() {
    assertEquals(1, gemmsAfterFusion(matMulAdd(random(R, 4), false)));
    assertEquals(1, gemmsAfterFusion(matMulAdd(random(R, 1, 4), true)));
    assertEquals(1, gemmsAfterFusion(matMulAdd(random(R, 3, 4), false)));
    assertEquals(1, gemmsAfterFusion(matMulAdd(Tensor.scalar(2f), false)));
    assertEquals(0, gemmsAfterFusion(matMulAdd(random(R, 2, 3, 4), false)), "3-D bias grows the rank");
    assertEquals(1, gemmsAfterFusion(matMulAdd(random(R, 3, 1), false)), "per-row bias [3,1] broadcasts too");
  }

  @Test
  void matMulAddReluBecomesOneGemmCarryingTheRelu() {
    Graph g = matMulAdd(random(R, 4), false);
    g.outputs().clear();
    g.nodes().add(new Node("r", "Relu", List.of("y"), List.of("z"), Map.of()));
    g.outputs().add(new Value("z", DType.F32, (int[]) null, null));
    Tensor x = random(R, 3, 5);
    OpRegistry reg = PassTestSupport.registry();
    Map<String, Tensor> want = PassTestSupport.run(g, reg, Map.of("x", x));
    Passes.optimize(g, reg);
    assertEquals(List.of("Gemm"), g.nodes().stream().map(Node::opType).toList());
    assertEquals("Relu", g.nodes().get(0).attributes().get(FusedActivation.ATTR).asString());
    PassTestSupport.assertClose(want.get("z"), PassTestSupport.run(g, reg, Map.of("x", x)).get("z"), 1e-6, 1e-6);
  }

  @Test
  void sessionWithTheRealOpsAgreesWhenTheyAreRegistered() {
    OpRegistry std = OpRegistry.standard();
    Assumptions.assumeTrue(std.knows("", "Conv") && std.knows("", "Relu") && std.knows("", "Gemm")
        && std.knows("", "MatMul") && std.knows("", "Add"), "needs Conv, Gemm, MatMul, Add and Relu on this branch");
    for (String producer : new String[] {"Conv", "Gemm", "MatMul"}) {
      Graph g = chain(17, producer, "Relu", Map.of(), List.of());
      Tensor x = producer.equals("Conv") ? random(R, 1, 2, 5, 5) : random(R, 3, 5);
      try (Session plain = new Session(g, new Session.Options().optimize(false));
          Session opt = new Session(g)) {
        assertArrayEquals(plain.run(Map.of("x", x)).get("y").floats(), opt.run(Map.of("x", x)).get("y").floats());
      }
    }
    Graph mm = matMulAdd(random(R, 4), false);
    Tensor x = random(R, 3, 5);
    try (Session plain = new Session(mm, new Session.Options().optimize(false)); Session opt = new Session(mm)) {
      PassTestSupport.assertClose(plain.run(Map.of("x", x)).get("y"), opt.run(Map.of("x", x)).get("y"), 1e-5, 1e-5);
    }
  }
}
