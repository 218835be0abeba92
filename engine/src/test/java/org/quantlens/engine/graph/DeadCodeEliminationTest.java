package org.quantlens.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class DeadCodeEliminationTest {
  @Test
  void unreachableNodesAndUnreadInitializersGoButInputsStay() {
    Graph g = new Graph("t");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 2, 3));
    g.inputs().add(new Value("unused", DType.F32, 1));
    g.initializers().put("perm_unused", Tensor.of(new long[] {1}, 1));
    g.initializers().put("shape", Tensor.of(new long[] {3, 2}, 2));
    g.nodes().add(new Node("dead1", "Transpose", List.of("x"), List.of("t"), Map.of()));
    g.nodes().add(new Node("dead2", "Identity", List.of("t"), List.of("t2"), Map.of()));
    g.nodes().add(new Node("live", "Reshape", List.of("x", "shape"), List.of("y"), Map.of()));
    // a node with an output nobody reads, but another output that is needed, stays whole
    g.initializers().put("split", Tensor.of(new long[] {1, 1}, 2));
    g.nodes().add(new Node("sp", "Split", List.of("x", "split"), List.of("a", "b"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    g.outputs().add(new Value("b", DType.F32, (int[]) null, null));
    g.valueInfo().put("t2", new Value("t2", DType.F32, 3, 2));
    assertEquals(2, DeadCodeElimination.run(g));
    assertEquals(List.of("live", "sp"), g.nodes().stream().map(Node::name).toList());
    assertEquals(List.of("shape", "split"), List.copyOf(g.initializers().keySet()));
    assertEquals(2, g.inputs().size());
    assertTrue(g.valueInfo().isEmpty());
    try (Session s = new Session(g, new Session.Options().optimize(false))) {
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
      Map<String, Tensor> out = s.run(Map.of("x", x, "unused", Tensor.of(new float[] {0}, 1)));
      assertArrayEquals(new float[] {4, 5, 6}, out.get("b").floats());
    }
  }

  @Test
  void valuesReadInsideSubgraphsStayAlive() {
    Graph body = new Graph("body");
    body.nodes().add(new Node("inner", "Identity", List.of("captured"), List.of("o"), Map.of()));
    body.outputs().add(new Value("o", DType.F32, (int[]) null, null));
    Graph g = new Graph("t");
    g.opsets().put("", 13);
    g.inputs().add(new Value("c", DType.BOOL));
    g.inputs().add(new Value("x", DType.F32, 2));
    g.initializers().put("w", Tensor.of(new float[] {1}, 1));
    g.nodes().add(new Node("p", "Identity", List.of("x"), List.of("captured"), Map.of()));
    g.nodes().add(new Node("if", "If", List.of("c"), List.of("y"),
        Map.of("then_branch", Attribute.of(body), "else_branch", Attribute.of(body))));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    assertEquals(0, DeadCodeElimination.run(g));
    assertEquals(2, g.nodes().size());
    assertTrue(g.initializers().isEmpty());
  }
}
