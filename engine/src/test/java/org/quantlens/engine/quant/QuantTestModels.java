package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
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
    Tensor wf = gaussian(rnd, Math.sqrt(2.0 / 16), CLASSES, 16);
    // Zero-mean columns: pooled ReLU features share a large positive mean that would otherwise pick
    // the same class for every input.
    for (int j = 0; j < 16; j++) {
      float mean = 0;
      for (int c = 0; c < CLASSES; c++) {
        mean += wf.floats()[c * 16 + j] / CLASSES;
      }
      for (int c = 0; c < CLASSES; c++) {
        wf.floats()[c * 16 + j] -= mean;
      }
    }
    g.initializers().put("wf", wf);
    g.initializers().put("bf", gaussian(rnd, 0.01, CLASSES));
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

  /**
   * {@link #cnn} with the classifier bias set to {@code -W * mean(f)} over a few random images, so
   * the logits measure how the pooled features differ from their mean: the predicted class then
   * varies from image to image (random weights alone pick one class for almost everything).
   */
  static Graph centeredCnn(long seed, int opset) {
    Graph g = cnn(seed, opset);
    double[] mean = new double[16];
    int n = 0;
    Graph probe = g.copy();
    probe.outputs().clear();
    probe.outputs().add(new Value("f", DType.F32, -1, 16));
    try (org.quantlens.engine.runtime.Session s = new org.quantlens.engine.runtime.Session(probe)) {
      for (Map<String, Tensor> feed : images(seed + 1, 4, 25)) {
        float[] f = s.run(feed).get("f").floats();
        for (int i = 0; i < f.length; i++) {
          mean[i % 16] += f[i];
        }
        n += f.length / 16;
      }
    }
    float[] w = g.initializers().get("wf").floats();
    float[] b = new float[CLASSES];
    for (int c = 0; c < CLASSES; c++) {
      double dot = 0;
      for (int j = 0; j < 16; j++) {
        dot += w[c * 16 + j] * mean[j] / n;
      }
      b[c] = (float) -dot;
    }
    g.initializers().put("bf", Tensor.of(b, CLASSES));
    return g;
  }

  /**
   * {@code batches} batches of {@code batch} random images: per image and channel a random offset
   * and contrast over Gaussian noise, so the pooled features (and the predicted class) vary from
   * image to image.
   */
  static List<Map<String, Tensor>> images(long seed, int batches, int batch) {
    Random rnd = new Random(seed);
    List<Map<String, Tensor>> r = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      Tensor t = gaussian(rnd, 1.0, batch, 3, 16, 16);
      float[] d = t.floats();
      for (int img = 0; img < batch * 3; img++) {
        float offset = (float) rnd.nextGaussian();
        float contrast = 0.5f + rnd.nextFloat();
        for (int i = img * 256; i < (img + 1) * 256; i++) {
          d[i] = offset + contrast * d[i];
        }
      }
      r.add(Map.of("x", t));
    }
    return r;
  }

  /** How many inputs fall in each predicted class (to show the top-1 tests are not trivial). */
  static int[] classCounts(float[] logits, int[] counts) {
    for (int r = 0; r < logits.length / CLASSES; r++) {
      counts[argmax(logits, r, CLASSES)]++;
    }
    return counts;
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
}
