package org.quantlens.engine.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quantlens.engine.graph.PassTestSupport.positive;
import static org.quantlens.engine.graph.PassTestSupport.random;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class PassesTest {
  /**
   * A PyTorch-style CNN head: Conv -> BN -> Relu -> x.view(x.size(0), -1) -> MatMul -> Add -> Relu,
   * plus a constant branch and a dead branch.
   */
  private static Graph cnn(int batch) {
    Random r = new Random(8);
    Graph g = new Graph("cnn");
    g.opsets().put("", 11); // Unsqueeze with an axes attribute, as PyTorch exported it
    g.inputs().add(new Value("x", DType.F32, batch, 2, 6, 6));
    g.initializers().put("w", random(r, 4, 2, 3, 3));
    g.initializers().put("b", random(r, 4));
    for (String p : new String[] {"scale", "beta", "mean"}) {
      g.initializers().put(p, random(r, 4));
    }
    g.initializers().put("var", positive(r, 4));
    g.initializers().put("fcw", random(r, 64, 5));
    g.initializers().put("fcb", random(r, 5));
    g.initializers().put("zero", Tensor.of(new long[] {0}));
    g.initializers().put("axes0", Tensor.of(new long[] {0}, 1));
    g.initializers().put("minus1", Tensor.of(new long[] {-1}, 1));
    g.nodes().add(new Node("conv", "Conv", List.of("x", "w", "b"), List.of("c"), Map.of()));
    g.nodes().add(new Node("bn", "BatchNormalization", List.of("c", "scale", "beta", "mean", "var"),
        List.of("n"), Map.of()));
    g.nodes().add(new Node("relu", "Relu", List.of("n"), List.of("a"), Map.of()));
    g.nodes().add(new Node("shape", "Shape", List.of("a"), List.of("s"), Map.of()));
    g.nodes().add(new Node("gather", "Gather", List.of("s", "zero"), List.of("b0"), Map.of()));
    g.nodes().add(new Node("unsq", "Unsqueeze", List.of("b0"), List.of("b1"),
        Map.of("axes", Attribute.of(new long[] {0}))));
    g.nodes().add(new Node("cat", "Concat", List.of("b1", "minus1"), List.of("t"), Map.of("axis", Attribute.of(0L))));
    g.nodes().add(new Node("view", "Reshape", List.of("a", "t"), List.of("f"), Map.of()));
    g.nodes().add(new Node("mm", "MatMul", List.of("f", "fcw"), List.of("m"), Map.of()));
    g.nodes().add(new Node("add", "Add", List.of("m", "fcb"), List.of("l"), Map.of()));
    g.nodes().add(new Node("relu2", "Relu", List.of("l"), List.of("y"), Map.of()));
    g.nodes().add(new Node("dead", "Transpose", List.of("fcw"), List.of("unused"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    return g;
  }

  private static List<String> ops(Graph g) {
    return g.nodes().stream().map(Node::opType).sorted().toList();
  }

  @Test
  void cnnHeadOptimisesToConvReshapeGemmAndComputesTheSame() {
    OpRegistry reg = PassTestSupport.registry();
    Tensor x = random(new Random(2), 3, 2, 6, 6);
    for (int batch : new int[] {3, -1}) {
      Graph g = cnn(batch);
      Tensor want = PassTestSupport.run(g, reg, Map.of("x", x)).get("y");
      Passes.optimize(g, reg);
      if (batch > 0) {
        assertEquals(List.of("Conv", "Gemm", "Reshape"), ops(g));
      } else {
        // the batch is read at run time; everything else folds or fuses all the same
        assertEquals(List.of("Concat", "Conv", "Gather", "Gemm", "Reshape", "Shape", "Unsqueeze"), ops(g));
      }
      for (Node n : g.nodes()) {
        if (n.opType().equals("Conv") || n.opType().equals("Gemm")) {
          assertEquals("Relu", n.attributes().get(FusedActivation.ATTR).asString(), n.opType());
        }
      }
      assertEquals(List.of(-1, 64), java.util.Arrays.stream(g.valueInfo().get("f").shape()).boxed()
          .map(d -> d == 3 ? -1 : d).toList(), "flattened shape is known up to the batch");
      // BN folding rounds the new weights once; the Gemm bias order may differ: float rounding.
      PassTestSupport.assertClose(want, PassTestSupport.run(g, reg, Map.of("x", x)).get("y"), 1e-5, 1e-5);
    }
  }
}
