package org.quantlens.engine.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quantlens.engine.graph.PassTestSupport.assertClose;
import static org.quantlens.engine.graph.PassTestSupport.count;
import static org.quantlens.engine.graph.PassTestSupport.positive;
import static org.quantlens.engine.graph.PassTestSupport.random;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Folded vs unfolded graphs. Tolerance: the folded weights are rounded to float once, so outputs
 * agree within float rounding: rtol 1e-5 plus atol 1e-5 (sums of up to 36 products of O(1)).
 */
class BatchNormFoldingTest {
  private static final Random R = new Random(11);

  /** x[2,4,7,6] -> Conv(W[6, 4/group, 3, 3], B?) -> BN -> y. */
  private static Graph convBn(int group, boolean bias, Map<String, Attribute> bnAttrs) {
    Graph g = new Graph("t");
    g.opsets().put("", 15);
    g.inputs().add(new Value("x", DType.F32, 2, 4, 7, 6));
    g.initializers().put("w", random(R, 6, 4 / group, 3, 3));
    if (bias) {
      g.initializers().put("b", random(R, 6));
    }
    g.initializers().put("scale", random(R, 6));
    g.initializers().put("beta", random(R, 6));
    g.initializers().put("mean", random(R, 6));
    g.initializers().put("var", positive(R, 6));
    Map<String, Attribute> conv = new LinkedHashMap<>();
    conv.put("group", Attribute.of((long) group));
    conv.put("pads", Attribute.of(new long[] {1, 0, 1, 2}));
    conv.put("strides", Attribute.of(new long[] {1, 2}));
    g.nodes().add(new Node("conv", "Conv", bias ? List.of("x", "w", "b") : List.of("x", "w"),
        List.of("c"), conv));
    g.nodes().add(new Node("bn", "BatchNormalization", List.of("c", "scale", "beta", "mean", "var"),
        List.of("y"), bnAttrs));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    return g;
  }

  private static void assertFoldedMatches(Graph g, Map<String, Tensor> feeds, int bnLeft) {
    OpRegistry reg = PassTestSupport.registry();
    Map<String, Tensor> want = PassTestSupport.run(g, reg, feeds);
    Graph f = g.copy();
    ShapeInference.run(f);
    BatchNormFolding.run(f);
    DeadCodeElimination.run(f);
    assertEquals(bnLeft, count(f, "BatchNormalization"));
    Map<String, Tensor> got = PassTestSupport.run(f, reg, feeds);
    for (String k : want.keySet()) {
      assertClose(want.get(k), got.get(k), 1e-5, 1e-5);
    }
  }

  @Test
  void convWithAndWithoutBiasAndWithGroupsFoldsIntoOneConv() {
    Map<String, Tensor> feeds = Map.of("x", random(R, 2, 4, 7, 6));
    assertFoldedMatches(convBn(1, true, Map.of("epsilon", Attribute.of(1e-3f))), feeds, 0);
    assertFoldedMatches(convBn(1, false, Map.of()), feeds, 0);
    assertFoldedMatches(convBn(2, true, Map.of()), feeds, 0);
    Graph g = convBn(1, true, Map.of());
    BatchNormFolding.run(g);
    DeadCodeElimination.run(g);
    assertEquals(List.of("Conv"), g.nodes().stream().map(Node::opType).toList());
    assertEquals("y", g.nodes().get(0).outputs().get(0));
    assertEquals(2, g.initializers().size(), "only the folded W and B remain");
  }

  @Test
  void notFoldedWhenTrainingOrWhenTheConvOutputIsAlsoUsedElsewhere() {
    Map<String, Tensor> feeds = Map.of("x", random(R, 2, 4, 7, 6));
    Graph training = convBn(1, true, Map.of("training_mode", Attribute.of(1L)));
    BatchNormFolding.run(training);
    assertEquals(1, count(training, "BatchNormalization"));
    Graph shared = convBn(1, true, Map.of());
    shared.outputs().add(new Value("c", DType.F32, (int[]) null, null));
    assertFoldedMatches(shared, feeds, 1);
    Graph twoReaders = convBn(1, true, Map.of());
    twoReaders.nodes().add(new Node("r", "Relu", List.of("c"), List.of("r"), Map.of()));
    twoReaders.outputs().add(new Value("r", DType.F32, (int[]) null, null));
    assertFoldedMatches(twoReaders, feeds, 1);
    Graph runtimeWeights = convBn(1, true, Map.of());
    runtimeWeights.inputs().add(new Value("w", DType.F32, 6, 4, 3, 3));
    Tensor w = runtimeWeights.initializers().remove("w");
    assertFoldedMatches(runtimeWeights, Map.of("x", feeds.get("x"), "w", w), 1);
  }

  private static Graph gemmBn(boolean transB, Tensor c) {
    Graph g = new Graph("t");
    g.opsets().put("", 15);
    g.inputs().add(new Value("x", DType.F32, 3, 5));
    g.initializers().put("w", transB ? random(R, 4, 5) : random(R, 5, 4));
    if (c != null) {
      g.initializers().put("c", c);
    }
    for (String p : new String[] {"scale", "beta", "mean"}) {
      g.initializers().put(p, random(R, 4));
    }
    g.initializers().put("var", positive(R, 4));
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("transB", Attribute.of(transB ? 1L : 0L));
    attrs.put("alpha", Attribute.of(0.7f));
    attrs.put("beta", Attribute.of(1.3f));
    g.nodes().add(new Node("gemm", "Gemm", c == null ? List.of("x", "w") : List.of("x", "w", "c"),
        List.of("h"), attrs));
    g.nodes().add(new Node("bn", "BatchNormalization", List.of("h", "scale", "beta", "mean", "var"),
        List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    return g;
  }

  @Test
  void gemmFollowedByBatchNormFoldsForEitherWeightLayout() {
    Map<String, Tensor> feeds = Map.of("x", random(R, 3, 5));
    assertFoldedMatches(gemmBn(true, random(R, 4)), feeds, 0);
    assertFoldedMatches(gemmBn(false, random(R, 1, 4)), feeds, 0);
    assertFoldedMatches(gemmBn(true, null), feeds, 0);
    assertFoldedMatches(gemmBn(false, Tensor.scalar(0.25f)), feeds, 0);
    assertFoldedMatches(gemmBn(true, random(R, 3, 4)), feeds, 1); // per-row bias: left alone
  }

  @Test
  void sessionWithTheRealOpsAgreesWhenTheyAreRegistered() {
    OpRegistry std = OpRegistry.standard();
    Assumptions.assumeTrue(std.knows("", "Conv") && std.knows("", "BatchNormalization"),
        "needs the Conv and BatchNormalization ops on this branch");
    Tensor x = random(R, 2, 4, 7, 6);
    Graph g = convBn(1, true, Map.of());
    try (Session plain = new Session(g, new Session.Options().optimize(false));
        Session opt = new Session(g)) {
      assertClose(plain.run(Map.of("x", x)).get("y"), opt.run(Map.of("x", x)).get("y"), 1e-4, 1e-4);
    }
  }
}
