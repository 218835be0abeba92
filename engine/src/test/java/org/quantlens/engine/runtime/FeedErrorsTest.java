package org.quantlens.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.TrainingSession;

/**
 * A bad feed gets an error naming the input and what was expected, from the inference and the
 * training session alike: an unknown name, an initializer (which ONNX files may list as a graph
 * input, and which sessions fix when they are built), a missing input, a wrong type or shape.
 */
class FeedErrorsTest {
  private static Graph graph() {
    Graph g = new Graph("fc");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 3));
    g.outputs().add(new Value("y", DType.F32, -1, 2));
    g.nodes().add(new Node("fc", "Gemm", List.of("x", "w"), List.of("y"), Map.of()));
    g.initializers().put("w", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
    return g;
  }

  private static final Tensor X = Tensor.of(new float[] {1, 0, -1, 2, 1, 0}, 2, 3);

  private static String inference(Map<String, Tensor> feeds) {
    try (Session s = new Session(graph())) {
      return assertThrows(ShapeMismatchException.class, () -> s.run(feeds)).getMessage();
    }
  }

  private static String training(Map<String, Tensor> feeds) {
    try (TrainingSession s = new TrainingSession(graph(), new TrainingSession.Options())) {
      return assertThrows(ShapeMismatchException.class, () -> s.forward(feeds)).getMessage();
    }
  }

  @Test
  void eachBadFeedNamesTheInputAndWhatWasExpected() {
    Map<Map<String, Tensor>, String> cases = Map.of(
        Map.of("x", X, "z", X), "unknown input 'z'; the graph's inputs are [x]",
        Map.of("x", X, "w", X), "input 'w' is an initializer of the model, fixed when the session"
            + " is built; it cannot be fed; the graph's inputs are [x]",
        Map.of(), "missing input 'x' F32[?,3]",
        Map.of("x", Tensor.of(new long[] {1, 2, 3}, 1, 3)),
        "input 'x': expected F32[?,3], got I64[1, 3]",
        Map.of("x", Tensor.of(new float[4], 2, 2)), "input 'x': expected shape [?,3], got [2, 2]");
    cases.forEach((feeds, want) -> {
      assertEquals(want, inference(feeds), "inference session, feeds " + feeds.keySet());
      assertEquals(want, training(feeds), "training session, feeds " + feeds.keySet());
    });
  }
}
