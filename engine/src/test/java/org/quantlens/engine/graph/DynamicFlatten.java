package org.quantlens.engine.graph;

import java.util.List;
import java.util.Map;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * PyTorch's {@code x.view(x.size(0), -1)} as exported to ONNX: Shape -> Gather(0) -> Unsqueeze ->
 * Concat with [-1] -> Reshape, on an input of shape [batch, 3, 4, 4].
 */
final class DynamicFlatten {
  private DynamicFlatten() {}

  /** @param batch the declared batch size, or -1 for a symbolic one */
  static Graph graph(int batch) {
    Graph g = new Graph("flatten");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, new int[] {batch, 3, 4, 4},
        new String[] {batch < 0 ? "N" : null, null, null, null}));
    g.initializers().put("zero", Tensor.of(new long[] {0}));
    g.initializers().put("axes0", Tensor.of(new long[] {0}, 1));
    g.initializers().put("minus1", Tensor.of(new long[] {-1}, 1));
    g.nodes().add(new Node("shape", "Shape", List.of("x"), List.of("s"), Map.of()));
    g.nodes().add(new Node("gather", "Gather", List.of("s", "zero"), List.of("n"),
        Map.of("axis", Attribute.of(0L))));
    g.nodes().add(new Node("unsq", "Unsqueeze", List.of("n", "axes0"), List.of("n1"), Map.of()));
    g.nodes().add(new Node("concat", "Concat", List.of("n1", "minus1"), List.of("target"),
        Map.of("axis", Attribute.of(0L))));
    g.nodes().add(new Node("reshape", "Reshape", List.of("x", "target"), List.of("flat"), Map.of()));
    g.outputs().add(new Value("flat", DType.F32, (int[]) null, null));
    return g;
  }
}
