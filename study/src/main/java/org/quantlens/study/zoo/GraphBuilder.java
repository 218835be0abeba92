package org.quantlens.study.zoo;

import java.util.Arrays;
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
 * Builds a sequential model as an engine {@link Graph} (ONNX ops at opset 13), layer after layer,
 * with seeded Glorot-uniform weights and zero biases (Keras' defaults, which the paper's models
 * used). The batch dimension is symbolic.
 *
 * <pre>{@code
 * Graph g = new GraphBuilder("lenet5", seed).input("input", 1, 28, 28)
 *     .conv(6, 5, 1, 2).relu().maxPool(2).flatten().dense(10).build("logits");
 * }</pre>
 */
public final class GraphBuilder {
  private final Graph graph;
  private final SplittableRandom random;
  private String current;
  private int[] shape;
  private int layer;

  public GraphBuilder(String name, long seed) {
    this.graph = new Graph(name);
    graph.opsets().put("", 13);
    this.random = new SplittableRandom(seed);
  }

  /** The model input, float32 {@code [N, dims...]}. */
  public GraphBuilder input(String name, int... dims) {
    int[] s = new int[dims.length + 1];
    s[0] = -1;
    System.arraycopy(dims, 0, s, 1, dims.length);
    graph.inputs().add(new Value(name, DType.F32, s, new String[s.length]));
    current = name;
    shape = dims.clone();
    return this;
  }

  /** The shape of the current value without the batch dimension. */
  public int[] shape() {
    return shape.clone();
  }

  /** A 2-D convolution with square kernel, stride and symmetric padding, with bias. */
  public GraphBuilder conv(int filters, int kernel, int stride, int pad) {
    int c = shape[0];
    String w = param("conv", "weight", glorot(c * kernel * kernel, filters * kernel * kernel,
        filters, c, kernel, kernel));
    String b = param("conv", "bias", Tensor.zeros(DType.F32, filters));
    node("Conv", List.of(current, w, b), attrs("kernel_shape", new long[] {kernel, kernel},
        "strides", new long[] {stride, stride}, "pads", new long[] {pad, pad, pad, pad}));
    shape = new int[] {filters, (shape[1] + 2 * pad - kernel) / stride + 1,
        (shape[2] + 2 * pad - kernel) / stride + 1};
    return this;
  }

  public GraphBuilder relu() {
    node("Relu", List.of(current), Map.of());
    return this;
  }

  public GraphBuilder tanh() {
    node("Tanh", List.of(current), Map.of());
    return this;
  }

  /** Max pooling with a square window of {@code size}, stride {@code size}. */
  public GraphBuilder maxPool(int size) {
    node("MaxPool", List.of(current), attrs("kernel_shape", new long[] {size, size},
        "strides", new long[] {size, size}));
    shape = new int[] {shape[0], shape[1] / size, shape[2] / size};
    return this;
  }

  /** Average pooling with a square window of {@code size}, stride {@code size}. */
  public GraphBuilder averagePool(int size) {
    node("AveragePool", List.of(current), attrs("kernel_shape", new long[] {size, size},
        "strides", new long[] {size, size}));
    shape = new int[] {shape[0], shape[1] / size, shape[2] / size};
    return this;
  }

  /** {@code [N, ...] -> [N, product]}. */
  public GraphBuilder flatten() {
    node("Flatten", List.of(current), attrs("axis", 1L));
    shape = new int[] {Arrays.stream(shape).reduce(1, (a, b) -> a * b)};
    return this;
  }

  /** A fully connected layer: Gemm with weights {@code [units, in]} (transB), with bias. */
  public GraphBuilder dense(int units) {
    if (shape.length != 1) {
      throw new IllegalStateException("dense needs a flat input, got " + Arrays.toString(shape));
    }
    int in = shape[0];
    String w = param("dense", "weight", glorot(in, units, units, in));
    String b = param("dense", "bias", Tensor.zeros(DType.F32, units));
    node("Gemm", List.of(current, w, b), attrs("transB", 1L));
    shape = new int[] {units};
    return this;
  }

  /** Names the current value as the graph's output and returns the graph. */
  public Graph build(String outputName) {
    Node last = graph.nodes().get(graph.nodes().size() - 1);
    graph.nodes().set(graph.nodes().size() - 1, last.withIO(last.inputs(), List.of(outputName)));
    int[] s = new int[shape.length + 1];
    s[0] = -1;
    System.arraycopy(shape, 0, s, 1, shape.length);
    graph.outputs().add(new Value(outputName, DType.F32, s, new String[s.length]));
    return graph;
  }

  private String param(String kind, String what, Tensor t) {
    String name = kind + (layer + 1) + "." + what;
    graph.initializers().put(name, t);
    return name;
  }

  private void node(String op, List<String> inputs, Map<String, Attribute> attrs) {
    layer++;
    String out = op.toLowerCase() + layer;
    graph.nodes().add(new Node(op.toLowerCase() + layer, op, inputs, List.of(out), attrs));
    current = out;
  }

  private Tensor glorot(int fanIn, int fanOut, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    double a = Math.sqrt(6.0 / (fanIn + fanOut));
    float[] f = t.floats();
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) ((random.nextDouble() * 2 - 1) * a);
    }
    return t;
  }

  private static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      m.put((String) kv[i], v instanceof long[] ? Attribute.of((long[]) v) : Attribute.of((Long) v));
    }
    return m;
  }
}
