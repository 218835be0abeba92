package org.quantlens.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.graph.PassTestSupport.random;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Conv + Add (+ activation) fused into {@code com.quantlens.FusedConv}: the graph it leaves, and
 * outputs bit for bit those of the same graph run unoptimized (our Conv, Add and Relu ops one
 * after another), on each of the conv's kernel paths, with one and two threads.
 */
class ResidualFusionTest {
  private static final Random R = new Random(5);

  /** A convolution layer: input shape, weight shape, stride, pad, group, whether it has a bias. */
  private record Layer(String what, int[] x, int[] w, int stride, int pad, int group,
      boolean bias) {
    int[] out() {
      int oh = (x[2] + 2 * pad - w[2]) / stride + 1;
      int ow = (x[3] + 2 * pad - w[3]) / stride + 1;
      return new int[] {x[0], w[0], oh, ow};
    }
  }

  private static final List<Layer> LAYERS = List.of(
      new Layer("3x3 stride 1, 16 channels (Winograd on the SIMD kernels)",
          new int[] {2, 16, 8, 8}, new int[] {16, 16, 3, 3}, 1, 1, 1, true),
      new Layer("3x3 stride 2 (direct)", new int[] {2, 8, 9, 9}, new int[] {8, 8, 3, 3}, 2, 1, 1,
          true),
      new Layer("1x1, 8 -> 16, no bias", new int[] {2, 8, 6, 6}, new int[] {16, 8, 1, 1}, 1, 0, 1,
          false),
      new Layer("3x3 in 2 groups (GEMM)", new int[] {2, 8, 6, 6}, new int[] {8, 4, 3, 3}, 1, 1, 2,
          true),
      new Layer("depthwise 3x3", new int[] {2, 8, 6, 6}, new int[] {8, 1, 3, 3}, 1, 1, 8, true),
      new Layer("3x3 stride 1, 8 channels at 32x32 (Winograd's 4x4 tiles)",
          new int[] {1, 8, 32, 32}, new int[] {8, 8, 3, 3}, 1, 1, 1, true));

  /**
   * x -> Conv -> Add(., z) [-> act] -> y, the conv's output on the Add's {@code convSide}; z is a
   * graph input declared {@code zShape} (-1 for unknown).
   */
  private static Graph residual(Layer l, int convSide, String act, int[] zShape) {
    Graph g = new Graph("r");
    g.opsets().put("", 17);
    int[] xs = l.x().clone();
    xs[0] = -1;
    g.inputs().add(new Value("x", DType.F32, xs));
    g.inputs().add(new Value("z", DType.F32, zShape));
    g.initializers().put("w", random(R, l.w()));
    g.initializers().put("b", random(R, l.w()[0]));
    Map<String, Attribute> a = new LinkedHashMap<>();
    a.put("strides", Attribute.of(new long[] {l.stride(), l.stride()}));
    a.put("pads", Attribute.of(new long[] {l.pad(), l.pad(), l.pad(), l.pad()}));
    a.put("group", Attribute.of((long) l.group()));
    List<String> convIn = l.bias() ? List.of("x", "w", "b") : List.of("x", "w");
    g.nodes().add(new Node("conv", "Conv", convIn, List.of("c"), a));
    List<String> addIn = convSide == 0 ? List.of("c", "z") : List.of("z", "c");
    String sum = act == null ? "y" : "s";
    g.nodes().add(new Node("add", "Add", addIn, List.of(sum), Map.of()));
    if (act != null) {
      g.nodes().add(new Node("act", act, List.of("s"), List.of("y"), Map.of()));
    }
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    return g;
  }

  private static int[] unknownBatch(int[] shape) {
    int[] s = shape.clone();
    s[0] = -1;
    return s;
  }

  /** Runs g unoptimized and optimized (1 and 2 threads) and checks every output bit for bit. */
  private static void assertSameAsUnfused(Graph g, Map<String, Tensor> feeds, String what) {
    Tensor want;
    try (Session plain = new Session(g, new Session.Options().threads(1).optimize(false))) {
      want = plain.run(feeds).get("y");
    }
    for (int threads = 1; threads <= 2; threads++) {
      try (Session fused = new Session(g, new Session.Options().threads(threads))) {
        Tensor got = fused.run(feeds).get("y");
        assertArrayEquals(want.shape(), got.shape(), what);
        assertArrayEquals(want.floats(), got.floats(), what + ", threads " + threads);
        got = fused.run(feeds).get("y"); // the per-thread epilogue is reused
        assertArrayEquals(want.floats(), got.floats(), what + ", second run");
      }
    }
  }

  @Test
  void everyKernelPathGivesTheBitsOfConvThenAddThenRelu() {
    for (Layer l : LAYERS) {
      for (String act : new String[] {null, "Relu"}) {
        for (int side = 0; side < 2; side++) {
          Graph g = residual(l, side, act, unknownBatch(l.out()));
          Map<String, Tensor> feeds = Map.of("x", random(R, l.x()), "z", random(R, l.out()));
          assertSameAsUnfused(g, feeds, l.what() + ", " + act + ", conv on side " + side);
        }
      }
    }
  }

  @Test
  void leavesOneFusedConvCarryingTheActivation() {
    Layer l = LAYERS.get(0);
    Graph g = Passes.optimize(residual(l, 1, "Relu", unknownBatch(l.out())));
    assertEquals(1, g.nodes().size(), g.nodes().toString());
    Node n = g.nodes().get(0);
    assertEquals(OpRegistry.QUANTLENS_DOMAIN, n.domain());
    assertEquals(ResidualFusion.OP, n.opType());
    assertEquals(List.of("x", "w", "b", "z"), n.inputs());
    assertEquals(List.of("y"), n.outputs());
    assertEquals("Relu", n.attributes().get(FusedActivation.ATTR).asString());
    Layer noBias = LAYERS.get(2);
    Graph h = Passes.optimize(residual(noBias, 0, null, unknownBatch(noBias.out())));
    assertEquals(List.of("x", "w", "", "z"), h.nodes().get(0).inputs()); // Z stays input 3
  }

  @Test
  void aResidualThatBroadcastsAtRunTimeIsAddedAsTheAddWould() {
    Layer l = LAYERS.get(0);
    int[] out = l.out();
    int[] one = out.clone();
    one[0] = 1;
    Graph g = residual(l, 0, "Relu", unknownBatch(out));
    // z of batch 1 against x of batch 2, then the other way round (the Add's output grows)
    assertSameAsUnfused(g, Map.of("x", random(R, l.x()), "z", random(R, one)), "z broadcasts");
    int[] x1 = l.x().clone();
    x1[0] = 1;
    assertSameAsUnfused(g, Map.of("x", random(R, x1), "z", random(R, out)), "y broadcasts");
  }

  @Test
  void leavesTheAddWhereFusingWouldChangeWhatIsComputed() {
    Layer l = LAYERS.get(2);
    List<Graph> kept = new ArrayList<>();
    // the conv's output is also a graph output
    Graph shared = residual(l, 0, null, unknownBatch(l.out()));
    shared.outputs().add(new Value("c", DType.F32, (int[]) null, null));
    kept.add(shared);
    // the conv carries an activation of its own, which comes before the Add
    Graph convRelu = residual(l, 0, null, unknownBatch(l.out()));
    Node conv = convRelu.nodes().get(0);
    convRelu.nodes().set(0, conv.withIO(conv.inputs(), List.of("r")));
    convRelu.nodes().add(1, new Node("relu", "Relu", List.of("r"), List.of("c"), Map.of()));
    kept.add(convRelu);
    // z has a shape the conv's output does not
    kept.add(residual(l, 0, null, new int[] {1, l.w()[0], 1, 1}));
    for (Graph g : kept) {
      Graph f = Passes.optimize(g.copy());
      assertTrue(f.nodes().stream().anyMatch(n -> n.opType().equals("Add")), f.nodes().toString());
      assertTrue(f.nodes().stream().noneMatch(n -> n.opType().equals(ResidualFusion.OP)));
    }
  }
}
