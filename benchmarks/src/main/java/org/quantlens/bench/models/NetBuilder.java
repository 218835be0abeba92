package org.quantlens.bench.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Builds benchmark graphs layer by layer, the way a PyTorch export lays them out (Conv with bias,
 * BatchNormalization, Gemm with transB=1, LSTM/GRU in ONNX gate order), with seeded random weights
 * (He-uniform scale): speed does not depend on trained values, and both engines load the same
 * file. Every method returns the name of the value it produced.
 */
public final class NetBuilder {
  /** The opset the graphs declare (ORT 1.23 and our registry both support it). */
  public static final int OPSET = 17;

  private final Graph g;
  private final SplittableRandom rng;
  private int counter;

  public NetBuilder(String name, long seed) {
    g = new Graph(name);
    g.opsets().put("", OPSET);
    rng = new SplittableRandom(seed);
  }

  /** A float input whose first dimension is the symbolic batch {@code N}. */
  public String input(String name, DType type, int... dimsAfterBatch) {
    int[] shape = new int[dimsAfterBatch.length + 1];
    String[] names = new String[shape.length];
    shape[0] = -1;
    names[0] = "N";
    System.arraycopy(dimsAfterBatch, 0, shape, 1, dimsAfterBatch.length);
    g.inputs().add(new Value(name, type, shape, names));
    return name;
  }

  /** A float sequence input {@code [steps, N, features]} (ONNX RNN layout: batch second). */
  public String sequenceInput(String name, int steps, int features) {
    g.inputs().add(new Value(name, DType.F32, new int[] {steps, -1, features},
        new String[] {null, "N", null}));
    return name;
  }

  /** Declares {@code value} a graph output (type float, shape left to inference). */
  public Graph output(String value) {
    g.outputs().add(new Value(value, DType.F32, (int[]) null, null));
    return g;
  }

  public String conv(String x, int inC, int outC, int k, int stride, int pad) {
    String w = weight("conv_w", inC * k * k, outC, inC, k, k);
    String b = weight("conv_b", inC * k * k, outC);
    return node("Conv", List.of(x, w, b), Map.of(
        "kernel_shape", Attribute.of(new long[] {k, k}),
        "strides", Attribute.of(new long[] {stride, stride}),
        "pads", Attribute.of(new long[] {pad, pad, pad, pad})));
  }

  /** Inference-mode batch normalization with random statistics near identity. */
  public String batchNorm(String x, int c) {
    String scale = constant("bn_scale", positive(c, 0.5f, 1.5f), c);
    String bias = constant("bn_bias", uniform(c, 0.1f), c);
    String mean = constant("bn_mean", uniform(c, 0.1f), c);
    String var = constant("bn_var", positive(c, 0.5f, 1.5f), c);
    return node("BatchNormalization", List.of(x, scale, bias, mean, var),
        Map.of("epsilon", Attribute.of(1e-5f)));
  }

  public String relu(String x) {
    return node("Relu", List.of(x), Map.of());
  }

  public String sigmoid(String x) {
    return node("Sigmoid", List.of(x), Map.of());
  }

  public String add(String a, String b) {
    return node("Add", List.of(a, b), Map.of());
  }

  public String maxPool(String x, int k, int stride, int pad) {
    return pool("MaxPool", x, k, stride, pad);
  }

  public String avgPool(String x, int k, int stride, int pad) {
    return pool("AveragePool", x, k, stride, pad);
  }

  public String globalAvgPool(String x) {
    return node("GlobalAveragePool", List.of(x), Map.of());
  }

  public String flatten(String x) {
    return node("Flatten", List.of(x), Map.of("axis", Attribute.of(1L)));
  }

  /** {@code x[N, in] -> [N, out]}: Gemm with weights stored {@code [out, in]} (transB=1) and bias. */
  public String dense(String x, int in, int out) {
    String w = weight("fc_w", in, out, in);
    String b = weight("fc_b", in, out);
    return node("Gemm", List.of(x, w, b), Map.of("transB", Attribute.of(1L)));
  }

  public String reshape(String x, long... shape) {
    String s = constant("shape", Tensor.of(shape, shape.length));
    return node("Reshape", List.of(x, s), Map.of());
  }

  public String transpose(String x, long... perm) {
    return node("Transpose", List.of(x), Map.of("perm", Attribute.of(perm)));
  }

  /** Embedding lookup: int64 ids {@code [N, T]} to {@code [N, T, dim]}. */
  public String embedding(String ids, int vocab, int dim) {
    String table = constant("embedding", uniform(vocab * dim, 1f), vocab, dim);
    return node("Gather", List.of(table, ids), Map.of("axis", Attribute.of(0L)));
  }

  /**
   * One-direction LSTM over {@code x[T, N, in]}; returns the last hidden state {@code [1, N, h]}
   * (Y and Y_c are not requested).
   */
  public String lstm(String x, int in, int h) {
    return recurrent("LSTM", 4, 8, x, in, h, Map.of("hidden_size", Attribute.of((long) h)));
  }

  /** One-direction GRU (linear_before_reset=1, as PyTorch exports it); returns Y_h {@code [1, N, h]}. */
  public String gru(String x, int in, int h) {
    return recurrent("GRU", 3, 6, x, in, h, Map.of("hidden_size", Attribute.of((long) h),
        "linear_before_reset", Attribute.of(1L)));
  }

  private String recurrent(String op, int gates, int biases, String x, int in, int h,
      Map<String, Attribute> attrs) {
    String w = weight(op.toLowerCase() + "_w", in, 1, gates * h, in);
    String r = weight(op.toLowerCase() + "_r", h, 1, gates * h, h);
    String b = weight(op.toLowerCase() + "_b", h, 1, biases * h);
    String yh = fresh(op.toLowerCase() + "_h");
    g.nodes().add(new Node(fresh(op), op, List.of(x, w, r, b), List.of("", yh), attrs));
    return yh;
  }

  private String pool(String op, String x, int k, int stride, int pad) {
    return node(op, List.of(x), Map.of(
        "kernel_shape", Attribute.of(new long[] {k, k}),
        "strides", Attribute.of(new long[] {stride, stride}),
        "pads", Attribute.of(new long[] {pad, pad, pad, pad})));
  }

  private String node(String op, List<String> inputs, Map<String, Attribute> attrs) {
    String out = fresh(op.toLowerCase());
    g.nodes().add(new Node(fresh(op), op, inputs, List.of(out), new LinkedHashMap<>(attrs)));
    return out;
  }

  /** A weight initializer, uniform in +-sqrt(6 / fanIn). */
  private String weight(String base, int fanIn, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return constant(base, uniform(n, (float) Math.sqrt(6.0 / Math.max(1, fanIn))), shape);
  }

  private String constant(String base, float[] data, int... shape) {
    return constant(base, Tensor.of(data, shape));
  }

  private String constant(String base, Tensor t) {
    String name = fresh(base);
    g.initializers().put(name, t);
    return name;
  }

  private float[] uniform(int n, float bound) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    return a;
  }

  private float[] positive(int n, float lo, float hi) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (lo + rng.nextDouble() * (hi - lo));
    }
    return a;
  }

  private String fresh(String base) {
    return base + "_" + (counter++);
  }

  /** The distinct op types of a graph, in first-use order. */
  public static List<String> opTypes(Graph graph) {
    List<String> ops = new ArrayList<>();
    for (Node n : graph.nodes()) {
      if (!ops.contains(n.opType())) {
        ops.add(n.opType());
      }
    }
    return ops;
  }
}
