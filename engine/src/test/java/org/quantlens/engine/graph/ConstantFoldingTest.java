package org.quantlens.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.UnsupportedOpException;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class ConstantFoldingTest {
  private static Map<String, Tensor> run(Graph g, boolean optimize, Map<String, Tensor> feeds) {
    try (Session s = new Session(g, new Session.Options().optimize(optimize).threads(2))) {
      return s.run(feeds);
    }
  }

  @Test
  void constantSubgraphsBecomeInitializersAndOutputsStayIdentical() {
    Random r = new Random(4);
    Graph g = new Graph("t");
    g.opsets().put("", 17);
    g.inputs().add(new Value("x", DType.F32, 2, 6));
    g.initializers().put("w", PassTestSupport.random(r, 3, 2));
    g.initializers().put("shape", Tensor.of(new long[] {1, 6}, 2));
    g.nodes().add(new Node("t", "Transpose", List.of("w"), List.of("wt"), Map.of()));
    g.nodes().add(new Node("r", "Reshape", List.of("wt", "shape"), List.of("wr"), Map.of()));
    g.nodes().add(new Node("k", "Constant", List.of(), List.of("k"),
        Map.of("value", Attribute.of(Tensor.of(new double[] {0.5, 1.5, 2.5, 3.5, 4.5, 5.5}, 1, 6)))));
    g.nodes().add(new Node("c", "Cast", List.of("k"), List.of("kf"), Map.of("to", Attribute.of(1L))));
    g.nodes().add(new Node("cat", "Concat", List.of("wr", "kf", "x"), List.of("y"),
        Map.of("axis", Attribute.of(0L))));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    Map<String, Tensor> feeds = Map.of("x", PassTestSupport.random(r, 2, 6));

    Graph folded = g.copy();
    assertEquals(4, ConstantFolding.run(folded));
    assertEquals(List.of("Concat"), folded.nodes().stream().map(Node::opType).toList());
    assertArrayEquals(run(g, false, feeds).get("y").floats(), run(folded, false, feeds).get("y").floats());
    assertArrayEquals(run(g, false, feeds).get("y").floats(), run(g, true, feeds).get("y").floats());
    assertEquals(5, g.nodes().size(), "the session optimised a copy, not the caller's graph");
  }

  @Test
  void staticPytorchFlattenCollapsesToAReshapeWithAConstantShape() {
    Graph g = DynamicFlatten.graph(2);
    Passes.optimize(g);
    assertEquals(List.of("Reshape"), g.nodes().stream().map(Node::opType).toList());
    assertArrayEquals(new long[] {2, -1}, g.initializers().get(g.nodes().get(0).input(1)).longs());
    assertEquals(java.util.Set.of(g.nodes().get(0).input(1)), g.initializers().keySet(),
        "dead shape constants are gone");
    Tensor x = PassTestSupport.random(new Random(1), 2, 3, 4, 4);
    Tensor want = x.reshape(2, 48);
    Tensor got = run(DynamicFlatten.graph(2), true, Map.of("x", x)).get("flat");
    assertArrayEquals(want.shape(), got.shape());
    assertArrayEquals(want.floats(), got.floats());
  }

  @Test
  void symbolicPytorchFlattenStaysDynamicAndRunsForAnyBatch() {
    Graph g = DynamicFlatten.graph(-1);
    Passes.optimize(g);
    assertTrue(g.nodes().stream().anyMatch(n -> n.opType().equals("Shape")), "the batch is read at run time");
    for (int batch : new int[] {1, 5}) {
      Tensor x = PassTestSupport.random(new Random(batch), batch, 3, 4, 4);
      for (boolean optimize : new boolean[] {false, true}) {
        Tensor y = run(DynamicFlatten.graph(-1), optimize, Map.of("x", x)).get("flat");
        assertArrayEquals(new int[] {batch, 48}, y.shape());
        assertArrayEquals(x.floats(), y.floats());
      }
    }
  }

  @Test
  void knownEntriesOfAPartlyKnownShapeFold() {
    // Gather(Shape(x), 1) with x [N, 3, 4, 4]: the 3 is static even though N is not.
    Graph g = new Graph("t");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 3, 4, 4));
    g.initializers().put("one", Tensor.of(new long[] {1}));
    g.nodes().add(new Node("s", "Shape", List.of("x"), List.of("s"), Map.of()));
    g.nodes().add(new Node("g", "Gather", List.of("s", "one"), List.of("c"), Map.of()));
    g.outputs().add(new Value("c", DType.I64, (int[]) null, null));
    ConstantFolding.run(g);
    DeadCodeElimination.run(g);
    assertEquals(0, g.nodes().size());
    assertEquals(3, g.initializers().get("c").longs()[0]);
    assertEquals(0, g.initializers().get("c").rank());
  }

  @Test
  void unsupportedFailingHugeAndQuantizationNodesAreLeftForTheSession() {
    Graph g = new Graph("t");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 2));
    g.initializers().put("a", Tensor.of(new float[] {1, 2}, 2));
    g.initializers().put("bad", Tensor.of(new long[] {3}, 1));
    g.initializers().put("huge", Tensor.of(new long[] {5000, 5000}, 2));
    g.initializers().put("q", Tensor.zeros(DType.I8, 2));
    g.initializers().put("s", Tensor.scalar(0.5f));
    g.initializers().put("z", Tensor.zeros(DType.I8, 1).reshape());
    g.nodes().add(new Node("u", "NoSuchOp", List.of("a"), List.of("u"), Map.of()));
    g.nodes().add(new Node("r", "Reshape", List.of("a", "bad"), List.of("r"), Map.of()));
    g.nodes().add(new Node("h", "ConstantOfShape", List.of("huge"), List.of("h"), Map.of()));
    g.nodes().add(new Node("dq", "DequantizeLinear", List.of("q", "s", "z"), List.of("dq"), Map.of()));
    for (String o : new String[] {"u", "r", "h", "dq"}) {
      g.outputs().add(new Value(o, null, (int[]) null, null));
    }
    assertEquals(0, ConstantFolding.run(g, PassTestSupport.registry()));
    assertEquals(4, g.nodes().size());
    UnsupportedOpException e = assertThrows(UnsupportedOpException.class, () -> new Session(g));
    assertTrue(e.getMessage().contains("NoSuchOp"), e.getMessage());
  }

  @Test
  void aFailingConstantNodeFailsAtRunTimeAsWithoutFolding() {
    Graph g = new Graph("t");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 2));
    g.initializers().put("a", Tensor.of(new float[] {1, 2}, 2));
    g.initializers().put("bad", Tensor.of(new long[] {3}, 1));
    g.nodes().add(new Node("r", "Reshape", List.of("a", "bad"), List.of("r"), Map.of()));
    g.outputs().add(new Value("r", null, (int[]) null, null));
    try (Session s = new Session(g)) {
      QuantLensException e = assertThrows(QuantLensException.class,
          () -> s.run(Map.of("x", Tensor.of(new float[] {0, 0}, 2))));
      assertTrue(e.getMessage().contains("Reshape"), e.getMessage());
    }
  }

  @Test
  void foldedShapeArithmeticEqualsWhatTheOpsComputeAtRunTime() {
    // reshape x [2, 3, 4, 5] to [Shape[1] * Shape[2], reversed(Shape)[::2] ...] via Slice, Mul, Cast
    OpRegistry reg = PassTestSupport.registry();
    reg.register("Mul", 1, ctx -> (in, ec) -> {
      Tensor y = Tensor.zeros(in[0].dtype(), in[0].shape());
      for (int i = 0; i < y.size(); i++) {
        y.setLong(i, in[0].getLong(i) * in[1].getLong(in[1].size() == 1 ? 0 : i));
      }
      return new Tensor[] {y};
    });
    Graph g = new Graph("t");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 2, 3, 4, 5));
    g.initializers().put("i1", Tensor.of(new long[] {1}, 1));
    g.initializers().put("i2", Tensor.of(new long[] {2}, 1));
    g.initializers().put("st", Tensor.of(new long[] {-1}, 1));
    g.initializers().put("en", Tensor.of(new long[] {Long.MIN_VALUE}, 1));
    g.initializers().put("ax", Tensor.of(new long[] {0}, 1));
    g.initializers().put("sp", Tensor.of(new long[] {-3}, 1));
    g.nodes().add(new Node("s", "Shape", List.of("x"), List.of("s"), Map.of()));
    g.nodes().add(new Node("a", "Gather", List.of("s", "i1"), List.of("a"), Map.of()));
    g.nodes().add(new Node("b", "Gather", List.of("s", "i2"), List.of("b"), Map.of()));
    g.nodes().add(new Node("m", "Mul", List.of("a", "b"), List.of("ab"), Map.of()));
    g.nodes().add(new Node("c", "Cast", List.of("ab"), List.of("ab32"), Map.of("to", Attribute.of(6L))));
    g.nodes().add(new Node("c2", "Cast", List.of("ab32"), List.of("ab64"), Map.of("to", Attribute.of(7L))));
    g.nodes().add(new Node("rev", "Slice", List.of("s", "st", "en", "ax", "sp"), List.of("r"), Map.of()));
    g.nodes().add(new Node("cat", "Concat", List.of("ab64", "r"), List.of("t"), Map.of("axis", Attribute.of(0L))));
    g.nodes().add(new Node("out", "Reshape", List.of("x", "t"), List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    g.outputs().add(new Value("t", DType.I64, (int[]) null, null));
    Tensor x = PassTestSupport.random(new Random(3), 2, 3, 4, 5);
    Map<String, Tensor> want = PassTestSupport.run(g, reg, Map.of("x", x));
    assertArrayEquals(new long[] {12, 5, 2}, want.get("t").longs(), "3*4, then dims 3 and 0 of the shape");
    Graph f = g.copy();
    Passes.optimize(f, reg);
    assertEquals(List.of("Reshape"), f.nodes().stream().map(Node::opType).toList());
    Map<String, Tensor> got = PassTestSupport.run(f, reg, Map.of("x", x));
    assertArrayEquals(want.get("t").longs(), got.get("t").longs());
    assertArrayEquals(want.get("y").shape(), got.get("y").shape());
    assertArrayEquals(want.get("y").floats(), got.get("y").floats());
  }
}
