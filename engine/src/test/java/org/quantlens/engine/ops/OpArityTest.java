package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ModelLoadException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** The per-op input/output count table is complete and refuses malformed nodes before they run. */
class OpArityTest {
  @Test
  void everyRegisteredOpVersionHasAnArity() {
    List<String> missing = new ArrayList<>();
    for (OpRegistry.OpSpec s : OpRegistry.standard().specs()) {
      if (s.arity() == null) {
        missing.add(s.toString());
      }
    }
    assertEquals(List.of(), missing);
  }

  @Test
  void spotChecksAgainstTheOnnxSpec() {
    // hand-copied from onnx docs/Operators.md: Conv 2-3 inputs, LSTM 3-8 inputs and 0-3 outputs,
    // Clip-1 one input, Clip-11 1-3 inputs, Split-13 1-2 inputs and 1..inf outputs, Constant none
    OpArity conv = OpArity.of("", "Conv", 11);
    assertArrayEquals(new int[] {2, 3, 1, 1}, counts(conv));
    assertArrayEquals(new int[] {3, 8, 0, 3}, counts(OpArity.of("", "LSTM", 14)));
    assertArrayEquals(new int[] {1, 1, 1, 1}, counts(OpArity.of("", "Clip", 6)));
    assertArrayEquals(new int[] {1, 3, 1, 1}, counts(OpArity.of("", "Clip", 13)));
    assertArrayEquals(new int[] {1, 2, 1, Integer.MAX_VALUE}, counts(OpArity.of("", "Split", 18)));
    assertArrayEquals(new int[] {1, 1, 1, Integer.MAX_VALUE}, counts(OpArity.of("", "Split", 11)));
    assertArrayEquals(new int[] {0, 0, 1, 1}, counts(OpArity.of("", "Constant", 12)));
    assertArrayEquals(new int[] {2, 2, 1, 1}, counts(OpArity.of("", "Unsqueeze", 13)));
    assertArrayEquals(new int[] {1, 1, 1, 1}, counts(OpArity.of("", "Unsqueeze", 11)));
  }

  private static int[] counts(OpArity a) {
    assertNotNull(a);
    return new int[] {a.minInputs(), a.maxInputs(), a.minOutputs(), a.maxOutputs()};
  }

  @Test
  void aConvWithOneInputIsRefusedAtSessionBuildNamingNodeOpAndCounts() {
    Graph g = graph(new Node("c1", "Conv", List.of("x"), List.of("y"), Map.of()));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> new Session(g).close());
    assertTrue(e.getMessage().contains("'c1' (Conv)") && e.getMessage().contains("2 to 3 inputs, got 1"),
        e.getMessage());
  }

  @Test
  void aRequiredInputGivenAsEmptyIsRefusedNamingItsPosition() {
    Graph g = graph(new Node("c2", "Conv", List.of("x", ""), List.of("y"), Map.of()));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> new Session(g).close());
    assertTrue(e.getMessage().contains("'c2' (Conv): input 1 is required"), e.getMessage());
  }

  @Test
  void tooManyInputsOrOutputsAreRefused() {
    Graph extraIn = graph(new Node("r", "Relu", List.of("x", "x"), List.of("y"), Map.of()));
    assertTrue(assertThrows(ModelLoadException.class, () -> new Session(extraIn).close()).getMessage()
        .contains("takes 1 input, got 2"));
    Graph extraOut = graph(new Node("r", "Relu", List.of("x"), List.of("y", "z"), Map.of()));
    assertTrue(assertThrows(ModelLoadException.class, () -> new Session(extraOut).close()).getMessage()
        .contains("takes 1 output, got 2"));
    Graph noOut = graph(new Node("r", "Relu", List.of("x"), List.of(), Map.of()));
    assertThrows(ModelLoadException.class, () -> new Session(noOut).close());
  }

  @Test
  void theArityFollowsTheOpsetVersion() {
    // Unsqueeze takes axes as an attribute up to opset 12 and as a required input from 13
    Graph g = graph(new Node("u", "Unsqueeze", List.of("x"), List.of("y"), Map.of()));
    g.opsets().put("", 13);
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> new Session(g).close());
    assertTrue(e.getMessage().contains("takes 2 inputs, got 1"), e.getMessage());
  }

  @Test
  void omittedOptionalInputsAndVariadicInputsStillRun() {
    // Clip-11 with min omitted as "" and a max of 1: y = min(x, 1)
    Graph clip = graph(new Node("clip", "Clip", List.of("x", "", "hi"), List.of("y"), Map.of()));
    clip.initializers().put("hi", Tensor.scalar(1f));
    try (Session s = new Session(clip)) {
      float[] y = s.run(Map.of("x", Tensor.of(new float[] {-3f, 0.5f, 2f, 7f}, 1, 4))).get("y").floats();
      assertArrayEquals(new float[] {-3f, 0.5f, 1f, 1f}, y);
    }
    Graph sum = graph(new Node("sum", "Sum", List.of("x", "x", "x"), List.of("y"), Map.of()));
    try (Session s = new Session(sum)) {
      float[] y = s.run(Map.of("x", Tensor.of(new float[] {1f, -2f, 0.25f, 4f}, 1, 4))).get("y").floats();
      assertArrayEquals(new float[] {3f, -6f, 0.75f, 12f}, y);
    }
  }

  /** One node reading graph input x (F32 1x4) and writing graph output y, at opset 17. */
  private static Graph graph(Node node) {
    Graph g = new Graph("arity");
    g.opsets().put("", 17);
    g.inputs().add(new Value("x", DType.F32, 1, 4));
    g.nodes().add(node);
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    return g;
  }
}
