package org.quantlens.study.examples;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxWriter;
import org.quantlens.study.data.DatasetRegistry;
import org.quantlens.study.data.Npy;
import org.quantlens.study.data.Split;

/**
 * Writes the bundled example {@code examples/tiny-cnn/}: a small CNN with seeded random weights
 * (it shows the engine and the command line at work; its predictions mean nothing) and four
 * Fashion-MNIST test images as its input. Run by {@code dev/make-example}; skipped otherwise.
 */
class MakeExampleModel {
  @Test
  void writeExample() throws Exception {
    String out = System.getProperty("quantlens.makeExample");
    Assumptions.assumeTrue(out != null, "generator: run dev/make-example");
    Path dir = Path.of(out);
    OnnxWriter.write(tinyCnn(new SplittableRandom(2026)), dir.resolve("model.onnx"));
    Tensor images = DatasetRegistry.standard().images("fashion-mnist-mini", Split.TEST).head(4).toModelInput();
    Npy.write(dir.resolve("input.npy"), images);
  }

  /** input [N,1,28,28] -> Conv(4,3x3) Relu MaxPool(2) Conv(8,3x3) Relu GlobalAveragePool Flatten Gemm(10) Softmax. */
  static Graph tinyCnn(SplittableRandom rnd) {
    Graph g = new Graph("tiny-cnn");
    g.opsets().put("", 17);
    g.inputs().add(new Value("input", DType.F32, new int[] {-1, 1, 28, 28}, new String[] {"N", null, null, null}));
    g.outputs().add(new Value("probabilities", DType.F32, new int[] {-1, 10}, new String[] {"N", null}));
    g.initializers().put("conv1.w", random(rnd, 1 / 3f, 4, 1, 3, 3));
    g.initializers().put("conv1.b", random(rnd, 0.1f, 4));
    g.initializers().put("conv2.w", random(rnd, 1 / 6f, 8, 4, 3, 3));
    g.initializers().put("conv2.b", random(rnd, 0.1f, 8));
    g.initializers().put("fc.w", random(rnd, 1 / 2.8f, 10, 8));
    g.initializers().put("fc.b", random(rnd, 0.1f, 10));
    Map<String, Attribute> k3 = Map.of("kernel_shape", Attribute.of(new long[] {3, 3}));
    g.nodes().add(new Node("conv1", "Conv", List.of("input", "conv1.w", "conv1.b"), List.of("c1"), k3));
    g.nodes().add(new Node("relu1", "Relu", List.of("c1"), List.of("r1"), Map.of()));
    g.nodes().add(new Node("pool1", "MaxPool", List.of("r1"), List.of("p1"), Map.of(
        "kernel_shape", Attribute.of(new long[] {2, 2}), "strides", Attribute.of(new long[] {2, 2}))));
    g.nodes().add(new Node("conv2", "Conv", List.of("p1", "conv2.w", "conv2.b"), List.of("c2"), k3));
    g.nodes().add(new Node("relu2", "Relu", List.of("c2"), List.of("r2"), Map.of()));
    g.nodes().add(new Node("gap", "GlobalAveragePool", List.of("r2"), List.of("g"), Map.of()));
    g.nodes().add(new Node("flatten", "Flatten", List.of("g"), List.of("f"), Map.of()));
    g.nodes().add(new Node("fc", "Gemm", List.of("f", "fc.w", "fc.b"), List.of("logits"),
        Map.of("transB", Attribute.of(1L))));
    g.nodes().add(new Node("softmax", "Softmax", List.of("logits"), List.of("probabilities"), Map.of()));
    return g;
  }

  private static Tensor random(SplittableRandom rnd, float scale, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    float[] v = t.floats();
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
    }
    return t;
  }
}
