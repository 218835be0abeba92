package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** Small models built in code with seeded weights, and helpers shared by the quantization tests. */
final class QuantTestModels {
  private QuantTestModels() {}

  static final int CLASSES = 10;

  static Tensor gaussian(Random rnd, double std, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    float[] d = t.floats();
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) (rnd.nextGaussian() * std);
    }
    return t;
  }

  static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      m.put((String) kv[i], v instanceof long[] ? Attribute.of((long[]) v)
          : v instanceof Float ? Attribute.of((Float) v) : Attribute.of(((Number) v).longValue()));
    }
    return m;
  }

  /**
   * x[N,3,16,16] -> conv1 (8 ch, 3x3, pad 1) -> relu1 -> pool1 (2x2) -> conv2 (16 ch, 3x3, pad 1)
   * -> relu2 -> gap -> flatten -> fc (Gemm 16 -> 10, transB) = logits. He-initialised.
   */
  static Graph cnn(long seed, int opset) {
    Random rnd = new Random(seed);
    Graph g = new Graph("cnn");
    g.opsets().put("", opset);
    g.inputs().add(new Value("x", DType.F32, -1, 3, 16, 16));
    g.initializers().put("w1", gaussian(rnd, Math.sqrt(2.0 / 27), 8, 3, 3, 3));
    g.initializers().put("b1", gaussian(rnd, 0.1, 8));
    g.initializers().put("w2", gaussian(rnd, Math.sqrt(2.0 / 72), 16, 8, 3, 3));
    g.initializers().put("b2", gaussian(rnd, 0.1, 16));
    g.initializers().put("wf", gaussian(rnd, Math.sqrt(2.0 / 16), CLASSES, 16));
    g.initializers().put("bf", gaussian(rnd, 0.1, CLASSES));
    long[] k3 = {3, 3};
    long[] p1 = {1, 1, 1, 1};
    g.nodes().add(new Node("conv1", "Conv", List.of("x", "w1", "b1"), List.of("c1"),
        attrs("kernel_shape", k3, "pads", p1)));
    g.nodes().add(new Node("relu1", "Relu", List.of("c1"), List.of("r1"), Map.of()));
    g.nodes().add(new Node("pool1", "MaxPool", List.of("r1"), List.of("p1"),
        attrs("kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2})));
    g.nodes().add(new Node("conv2", "Conv", List.of("p1", "w2", "b2"), List.of("c2"),
        attrs("kernel_shape", k3, "pads", p1)));
    g.nodes().add(new Node("relu2", "Relu", List.of("c2"), List.of("r2"), Map.of()));
    g.nodes().add(new Node("gap", "GlobalAveragePool", List.of("r2"), List.of("g"), Map.of()));
    g.nodes().add(new Node("flatten", "Flatten", List.of("g"), List.of("f"), attrs("axis", 1)));
    g.nodes().add(new Node("fc", "Gemm", List.of("f", "wf", "bf"), List.of("logits"), attrs("transB", 1)));
    g.outputs().add(new Value("logits", DType.F32, -1, CLASSES));
    return g;
  }

  /** {@code batches} batches of {@code batch} Gaussian images. */
  static List<Map<String, Tensor>> images(long seed, int batches, int batch) {
    Random rnd = new Random(seed);
    List<Map<String, Tensor>> r = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      r.add(Map.of("x", gaussian(rnd, 1.0, batch, 3, 16, 16)));
    }
    return r;
  }

  static int argmax(float[] x, int row, int cols) {
    int best = 0;
    for (int j = 1; j < cols; j++) {
      if (x[row * cols + j] > x[row * cols + best]) {
        best = j;
      }
    }
    return best;
  }

  /** Ops of {@code g} the registry does not know (the float families land on their own branches). */
  static Set<String> unregistered(Graph g) {
    Set<String> missing = new TreeSet<>();
    for (Node n : g.nodes()) {
      if (!OpRegistry.standard().knows(n.domain(), n.opType())) {
        missing.add(n.opType());
      }
    }
    return missing;
  }
}
