package org.quantlens.engine.train;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** Small graphs for the training tests, with seeded uniform (Glorot) initial weights. */
final class TestModels {
  private TestModels() {}

  static Tensor glorot(Random r, int fanIn, int fanOut, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    double a = Math.sqrt(6.0 / (fanIn + fanOut));
    for (int i = 0; i < t.size(); i++) {
      t.floats()[i] = (float) ((r.nextDouble() * 2 - 1) * a);
    }
    return t;
  }

  /** x[N, in] -> Gemm -> act -> (Dropout) -> Gemm -> logits[N, out]. */
  static Graph mlp(int in, int hidden, int out, String act, float dropout, long seed) {
    Random r = new Random(seed);
    Graph g = new Graph("mlp");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, in));
    g.initializers().put("w1", glorot(r, in, hidden, hidden, in));
    g.initializers().put("b1", Tensor.zeros(DType.F32, hidden));
    g.initializers().put("w2", glorot(r, hidden, out, hidden, out));
    g.initializers().put("b2", Tensor.zeros(DType.F32, out));
    g.nodes().add(new Node("fc1", "Gemm", List.of("x", "w1", "b1"), List.of("h"),
        Map.of("transB", Attribute.of(1L))));
    g.nodes().add(new Node("act", act, List.of("h"), List.of("a"), Map.of()));
    String last = "a";
    if (dropout > 0) {
      g.initializers().put("ratio", Tensor.scalar(dropout));
      g.nodes().add(new Node("drop", "Dropout", List.of("a", "ratio"), List.of("d"), Map.of()));
      last = "d";
    }
    g.nodes().add(new Node("fc2", "Gemm", List.of(last, "w2", "b2"), List.of("logits"), Map.of()));
    g.outputs().add(new Value("logits", DType.F32, -1, out));
    return g;
  }

  /** x[N,1,8,8] -> Conv 3x3 (4) -> BatchNorm -> Relu -> MaxPool 2 -> Flatten -> Gemm -> logits[N, classes]. */
  static Graph convNet(int classes, long seed) {
    Random r = new Random(seed);
    Graph g = new Graph("convnet");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 1, 8, 8));
    g.initializers().put("cw", glorot(r, 9, 36, 4, 1, 3, 3));
    g.initializers().put("cb", Tensor.zeros(DType.F32, 4));
    g.initializers().put("gamma", Tensor.of(new float[] {1, 1, 1, 1}, 4));
    g.initializers().put("beta", Tensor.zeros(DType.F32, 4));
    g.initializers().put("mean", Tensor.zeros(DType.F32, 4));
    g.initializers().put("var", Tensor.of(new float[] {1, 1, 1, 1}, 4));
    g.initializers().put("fw", glorot(r, 64, classes, 64, classes));
    g.initializers().put("fb", Tensor.zeros(DType.F32, classes));
    g.nodes().add(new Node("conv", "Conv", List.of("x", "cw", "cb"), List.of("c"),
        Map.of("pads", Attribute.of(new long[] {1, 1, 1, 1}))));
    g.nodes().add(new Node("bn", "BatchNormalization", List.of("c", "gamma", "beta", "mean", "var"),
        List.of("n"), Map.of()));
    g.nodes().add(new Node("relu", "Relu", List.of("n"), List.of("a"), Map.of()));
    g.nodes().add(new Node("pool", "MaxPool", List.of("a"), List.of("p"),
        Map.of("kernel_shape", Attribute.of(new long[] {2, 2}), "strides", Attribute.of(new long[] {2, 2}))));
    g.nodes().add(new Node("flat", "Flatten", List.of("p"), List.of("f"), Map.of()));
    g.nodes().add(new Node("fc", "Gemm", List.of("f", "fw", "fb"), List.of("logits"), Map.of()));
    g.outputs().add(new Value("logits", DType.F32, -1, classes));
    return g;
  }

  /** Random images whose class is the quadrant holding the brightest 2x2 block. */
  static Dataset quadrants(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 64];
    long[] y = new long[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 64; j++) {
        x[i * 64 + j] = (float) (r.nextDouble() * 0.3);
      }
      int q = r.nextInt(4);
      int oy = (q / 2) * 4 + r.nextInt(3);
      int ox = (q % 2) * 4 + r.nextInt(3);
      for (int dy = 0; dy < 2; dy++) {
        for (int dx = 0; dx < 2; dx++) {
          x[i * 64 + (oy + dy) * 8 + ox + dx] = 1f;
        }
      }
      y[i] = q;
    }
    return Dataset.of(Tensor.of(x, n, 1, 8, 8), Tensor.of(y, n));
  }
}
