package org.quantlens.study.zoo;

import java.util.ArrayList;
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
 * Builds a model as an engine {@link Graph} of plain ONNX ops (opset 13), layer after layer, with
 * seeded initial weights; the same seed gives the same graph. The batch dimension is symbolic.
 *
 * <p>Initialisation follows Keras' defaults, which the paper's models used: Glorot-uniform
 * kernels and zero biases (or He-normal kernels after {@link #init(Init)}), embeddings uniform in
 * [-0.05, 0.05], recurrent kernels orthogonal, LSTM forget-gate bias 1, BatchNormalization scale 1,
 * shift 0, running mean 0 and variance 1.
 *
 * <p>The builder tracks the shape of the current value without the batch dimension. Recurrent
 * layers read a time-major sequence ({@code [steps, N, features]}, ONNX's default layout) made by
 * {@link #embedding} or {@link #rowSequence}; while the current value is a sequence,
 * {@link #shape()} is {@code [steps, features]}. Branches for residual blocks: {@link #tap()} the
 * current value, go on, {@link #resume} from a tap, and {@link #add} two branches.
 *
 * <pre>{@code
 * Graph g = new GraphBuilder("lenet5", seed).input("input", 1, 28, 28)
 *     .conv(6, 5, 1, 2).relu().maxPool(2).flatten().dense(10).build("logits");
 * }</pre>
 */
public final class GraphBuilder {
  /** Weight initialisation of conv and dense kernels. */
  public enum Init {
    /** Uniform in ±sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio 2010; Keras' default). */
    GLOROT_UNIFORM,
    /** Normal with standard deviation sqrt(2 / fan_in) (He et al. 2015; for ReLU networks). */
    HE_NORMAL
  }

  /** What the current value is, to check each layer gets what it needs. */
  private enum Kind { FLOAT, TOKENS, SEQUENCE }

  /** A value to branch from or join: its name, its shape without the batch dimension. */
  public static final class Tap {
    private final String name;
    private final int[] shape;
    private final Kind kind;

    private Tap(String name, int[] shape, Kind kind) {
      this.name = name;
      this.shape = shape.clone();
      this.kind = kind;
    }

    public int[] shape() {
      return shape.clone();
    }
  }

  private final Graph graph;
  private final SplittableRandom random;
  private String current;
  private int[] shape;
  private Kind kind = Kind.FLOAT;
  private Init init = Init.GLOROT_UNIFORM;
  private int layer;

  public GraphBuilder(String name, long seed) {
    this.graph = new Graph(name);
    graph.opsets().put("", 13);
    this.random = new SplittableRandom(seed);
  }

  /** The model input, float32 {@code [N, dims...]}. */
  public GraphBuilder input(String name, int... dims) {
    graph.inputs().add(batched(name, DType.F32, dims));
    current = name;
    shape = dims.clone();
    kind = Kind.FLOAT;
    return this;
  }

  /** The model input as token ids, int64 {@code [N, maxLen]}, for {@link #embedding}. */
  public GraphBuilder tokenInput(String name, int maxLen) {
    graph.inputs().add(batched(name, DType.I64, new int[] {maxLen}));
    current = name;
    shape = new int[] {maxLen};
    kind = Kind.TOKENS;
    return this;
  }

  /** The initialisation of the conv and dense kernels added from now on. */
  public GraphBuilder init(Init kernelInit) {
    this.init = kernelInit;
    return this;
  }

  /** The shape of the current value without the batch dimension. */
  public int[] shape() {
    return shape.clone();
  }

  /** A 2-D convolution with square kernel, stride and symmetric padding, with bias. */
  public GraphBuilder conv(int filters, int kernel, int stride, int pad) {
    return conv(filters, kernel, stride, pad, true);
  }

  /**
   * A 2-D convolution with square kernel, stride and symmetric padding; without bias when a
   * BatchNormalization follows (its shift makes the bias redundant).
   */
  public GraphBuilder conv(int filters, int kernel, int stride, int pad, boolean bias) {
    requireImage("conv");
    int c = shape[0];
    int oh = (shape[1] + 2 * pad - kernel) / stride + 1;
    int ow = (shape[2] + 2 * pad - kernel) / stride + 1;
    requirePositive("conv", oh, ow);
    List<String> in = new ArrayList<>(List.of(current,
        param("conv", "weight", kernel(c * kernel * kernel, filters * kernel * kernel,
            filters, c, kernel, kernel))));
    if (bias) {
      in.add(param("conv", "bias", Tensor.zeros(DType.F32, filters)));
    }
    node("Conv", in, attrs("kernel_shape", new long[] {kernel, kernel},
        "strides", new long[] {stride, stride}, "pads", new long[] {pad, pad, pad, pad}));
    shape = new int[] {filters, oh, ow};
    return this;
  }

  /**
   * BatchNormalization over the channels (axis 1) with epsilon 1e-5 and momentum 0.9 (ONNX's
   * defaults; PyTorch's too): scale 1, shift 0, running mean 0, running variance 1.
   */
  public GraphBuilder batchNorm() {
    requireFloat("batchNorm");
    int c = shape[0];
    float[] ones = new float[c];
    Arrays.fill(ones, 1f);
    String scale = param("bn", "scale", Tensor.of(ones.clone(), c));
    String bias = param("bn", "bias", Tensor.zeros(DType.F32, c));
    String mean = param("bn", "running_mean", Tensor.zeros(DType.F32, c));
    String var = param("bn", "running_var", Tensor.of(ones, c));
    node("BatchNormalization", List.of(current, scale, bias, mean, var),
        attrs("epsilon", 1e-5f, "momentum", 0.9f));
    return this;
  }

  public GraphBuilder relu() {
    requireFloat("relu");
    node("Relu", List.of(current), Map.of());
    return this;
  }

  public GraphBuilder tanh() {
    requireFloat("tanh");
    node("Tanh", List.of(current), Map.of());
    return this;
  }

  /** Max pooling with a square window of {@code size}, stride {@code size}. */
  public GraphBuilder maxPool(int size) {
    return maxPool(size, size, 0);
  }

  /** Max pooling with a square window, stride and symmetric padding (floor rounding). */
  public GraphBuilder maxPool(int size, int stride, int pad) {
    return pool("MaxPool", size, stride, pad);
  }

  /** Average pooling with a square window of {@code size}, stride {@code size}. */
  public GraphBuilder averagePool(int size) {
    return averagePool(size, size, 0);
  }

  /**
   * Average pooling with a square window, stride and symmetric padding (floor rounding; padded
   * cells are not counted, ONNX's default).
   */
  public GraphBuilder averagePool(int size, int stride, int pad) {
    return pool("AveragePool", size, stride, pad);
  }

  private GraphBuilder pool(String op, int size, int stride, int pad) {
    requireImage(op);
    int oh = (shape[1] + 2 * pad - size) / stride + 1;
    int ow = (shape[2] + 2 * pad - size) / stride + 1;
    requirePositive(op, oh, ow);
    Map<String, Attribute> a = attrs("kernel_shape", new long[] {size, size},
        "strides", new long[] {stride, stride});
    if (pad > 0) {
      a.put("pads", Attribute.of(new long[] {pad, pad, pad, pad}));
    }
    node(op, List.of(current), a);
    shape = new int[] {shape[0], oh, ow};
    return this;
  }

  /**
   * Dropout of {@code ratio} (inverted: training scales kept values by {@code 1 / (1 - ratio)});
   * the identity at inference. The ratio is a constant second input (opset 12+).
   */
  public GraphBuilder dropout(double ratio) {
    requireFloat("dropout");
    if (!(ratio >= 0 && ratio < 1)) {
      throw new IllegalArgumentException("dropout ratio must be in [0, 1), got " + ratio);
    }
    String r = param("dropout", "ratio", Tensor.scalar((float) ratio));
    node("Dropout", List.of(current, r), Map.of());
    return this;
  }

  /** {@code [N, C, H, W] -> [N, C, 1, 1]}: the mean of each channel. */
  public GraphBuilder globalAveragePool() {
    requireImage("globalAveragePool");
    node("GlobalAveragePool", List.of(current), Map.of());
    shape = new int[] {shape[0], 1, 1};
    return this;
  }

  /** {@code [N, ...] -> [N, product]}. */
  public GraphBuilder flatten() {
    requireFloat("flatten");
    node("Flatten", List.of(current), attrs("axis", 1L));
    shape = new int[] {Arrays.stream(shape).reduce(1, (a, b) -> a * b)};
    return this;
  }

  /** A fully connected layer: Gemm with weights {@code [units, in]} (transB), with bias. */
  public GraphBuilder dense(int units) {
    requireFloat("dense");
    if (shape.length != 1) {
      throw new IllegalStateException("dense needs a flat input, got " + Arrays.toString(shape));
    }
    int in = shape[0];
    String w = param("dense", "weight", kernel(in, units, units, in));
    String b = param("dense", "bias", Tensor.zeros(DType.F32, units));
    node("Gemm", List.of(current, w, b), attrs("transB", 1L));
    shape = new int[] {units};
    return this;
  }

  /** The current value, to branch from ({@link #resume}) or join ({@link #add}) later. */
  public Tap tap() {
    return new Tap(current, shape, kind);
  }

  /** Continues from {@code tap} (the other branch of a residual block). */
  public GraphBuilder resume(Tap tap) {
    current = tap.name;
    shape = tap.shape.clone();
    kind = tap.kind;
    return this;
  }

  /** The element-wise sum of the current value and {@code other} (a residual connection). */
  public GraphBuilder add(Tap other) {
    requireFloat("add");
    if (!Arrays.equals(shape, other.shape)) {
      throw new IllegalStateException("add needs equal shapes, got " + Arrays.toString(shape)
          + " and " + Arrays.toString(other.shape));
    }
    node("Add", List.of(current, other.name), Map.of());
    return this;
  }

  /**
   * Word embeddings of token ids {@code [N, L]}: the ids are transposed to time-major
   * {@code [L, N]} (cheaper than moving the embeddings) and Gather picks rows of a
   * {@code [vocab, dim]} table, giving the sequence {@code [L, N, dim]}.
   */
  public GraphBuilder embedding(int vocab, int dim) {
    if (kind != Kind.TOKENS) {
      throw new IllegalStateException("embedding needs token ids, the current value is " + kind);
    }
    int steps = shape[0];
    String table = param("embedding", "weight", uniform(0.05, vocab, dim));
    node("Transpose", List.of(current), attrs("perm", new long[] {1, 0}));
    node("Gather", List.of(table, current), attrs("axis", 0L));
    shape = new int[] {steps, dim};
    kind = Kind.SEQUENCE;
    return this;
  }

  /**
   * An image {@code [N, C, H, W]} as a sequence of its rows: {@code H} steps of {@code C * W}
   * features, time-major {@code [H, N, C * W]} (Transpose then Reshape).
   */
  public GraphBuilder rowSequence() {
    requireImage("rowSequence");
    int c = shape[0];
    int h = shape[1];
    int w = shape[2];
    node("Transpose", List.of(current), attrs("perm", new long[] {2, 0, 1, 3}));
    String target = param("reshape", "shape", Tensor.of(new long[] {h, -1, (long) c * w}, 3));
    node("Reshape", List.of(current, target), Map.of());
    shape = new int[] {h, c * w};
    kind = Kind.SEQUENCE;
    return this;
  }

  /**
   * A forward LSTM over the current sequence, keeping its last hidden state {@code [N, hidden]}
   * (Y_h, reshaped). ONNX layout: W {@code [1, 4 * hidden, in]}, R {@code [1, 4 * hidden,
   * hidden]}, B {@code [1, 8 * hidden]}, gates in order i, o, f, c. W is Glorot-uniform (fan-in
   * {@code in}, fan-out {@code 4 * hidden}), R orthogonal, B zero but for the input forget bias 1
   * (Keras' unit_forget_bias: remember by default until trained otherwise).
   */
  public GraphBuilder lstm(int hidden) {
    requireSequence("lstm");
    int in = shape[1];
    String w = param("lstm", "W", glorotUniform(in, 4 * hidden, 1, 4 * hidden, in));
    String r = param("lstm", "R", orthogonal(4 * hidden, hidden));
    Tensor bias = Tensor.zeros(DType.F32, 1, 8 * hidden);
    Arrays.fill(bias.floats(), 2 * hidden, 3 * hidden, 1f);
    String b = param("lstm", "B", bias);
    return recurrent("LSTM", List.of(current, w, r, b), hidden, attrs("hidden_size", (long) hidden));
  }

  /**
   * A forward GRU over the current sequence, keeping its last hidden state {@code [N, hidden]}.
   * ONNX layout: W {@code [1, 3 * hidden, in]}, R {@code [1, 3 * hidden, hidden]}, B
   * {@code [1, 6 * hidden]}, gates in order z, r, h; {@code linear_before_reset = 1} (the reset
   * gate scales R·h + Rb: Keras' reset_after = True default, PyTorch's and cuDNN's form). W is
   * Glorot-uniform (fan-in {@code in}, fan-out {@code 3 * hidden}), R orthogonal, B zero.
   */
  public GraphBuilder gru(int hidden) {
    requireSequence("gru");
    int in = shape[1];
    String w = param("gru", "W", glorotUniform(in, 3 * hidden, 1, 3 * hidden, in));
    String r = param("gru", "R", orthogonal(3 * hidden, hidden));
    String b = param("gru", "B", Tensor.zeros(DType.F32, 1, 6 * hidden));
    return recurrent("GRU", List.of(current, w, r, b), hidden,
        attrs("hidden_size", (long) hidden, "linear_before_reset", 1L));
  }

  private GraphBuilder recurrent(String op, List<String> in, int hidden, Map<String, Attribute> a) {
    layer++;
    String name = op.toLowerCase() + layer;
    String yh = name + ".Y_h";
    graph.nodes().add(new Node(name, op, in, List.of("", yh), a));
    current = yh;
    // Y_h is [1, N, hidden]: drop the directions axis.
    String target = param("reshape", "shape", Tensor.of(new long[] {-1, hidden}, 2));
    node("Reshape", List.of(current, target), Map.of());
    shape = new int[] {hidden};
    kind = Kind.FLOAT;
    return this;
  }

  /** Names the current value as the graph's output and returns the graph. */
  public Graph build(String outputName) {
    requireFloat("build");
    Node last = graph.nodes().get(graph.nodes().size() - 1);
    graph.nodes().set(graph.nodes().size() - 1, last.withIO(last.inputs(), List.of(outputName)));
    graph.outputs().add(batched(outputName, DType.F32, shape));
    return graph;
  }

  private static Value batched(String name, DType dtype, int[] dims) {
    int[] s = new int[dims.length + 1];
    s[0] = -1;
    System.arraycopy(dims, 0, s, 1, dims.length);
    return new Value(name, dtype, s, new String[s.length]);
  }

  private void requireFloat(String layerName) {
    if (kind != Kind.FLOAT) {
      throw new IllegalStateException(layerName + " needs a float tensor, the current value is "
          + (kind == Kind.TOKENS ? "token ids" : "a time-major sequence"));
    }
  }

  private void requireImage(String layerName) {
    requireFloat(layerName);
    if (shape.length != 3) {
      throw new IllegalStateException(layerName + " needs a [C, H, W] input, got "
          + Arrays.toString(shape));
    }
  }

  private void requireSequence(String layerName) {
    if (kind != Kind.SEQUENCE) {
      throw new IllegalStateException(layerName + " needs a sequence (embedding or rowSequence)");
    }
  }

  private void requirePositive(String layerName, int oh, int ow) {
    if (oh < 1 || ow < 1) {
      throw new IllegalStateException(layerName + " on " + Arrays.toString(shape)
          + " leaves no output (" + oh + " x " + ow + ")");
    }
  }

  private String param(String kindName, String what, Tensor t) {
    String name = kindName + (layer + 1) + "." + what;
    graph.initializers().put(name, t);
    return name;
  }

  private void node(String op, List<String> inputs, Map<String, Attribute> attrs) {
    layer++;
    String out = op.toLowerCase() + layer;
    graph.nodes().add(new Node(out, op, inputs, List.of(out), attrs));
    current = out;
  }

  private Tensor kernel(int fanIn, int fanOut, int... dims) {
    return init == Init.HE_NORMAL ? heNormal(fanIn, dims) : glorotUniform(fanIn, fanOut, dims);
  }

  private Tensor glorotUniform(int fanIn, int fanOut, int... dims) {
    return uniform(Math.sqrt(6.0 / (fanIn + fanOut)), dims);
  }

  private Tensor uniform(double limit, int... dims) {
    Tensor t = Tensor.zeros(DType.F32, dims);
    float[] f = t.floats();
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
    }
    return t;
  }

  private Tensor heNormal(int fanIn, int... dims) {
    Tensor t = Tensor.zeros(DType.F32, dims);
    float[] f = t.floats();
    double sd = Math.sqrt(2.0 / fanIn);
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (gaussian() * sd);
    }
    return t;
  }

  /**
   * A {@code [1, rows, cols]} matrix ({@code rows >= cols}) with orthonormal columns: modified
   * Gram-Schmidt on Gaussian columns, in double (the QR of a Gaussian matrix, as Saxe et al. 2014
   * and Keras' Orthogonal initializer). Then {@code R^T R = I}: the recurrence neither grows nor
   * shrinks the hidden state at the start of training.
   */
  private Tensor orthogonal(int rows, int cols) {
    double[][] q = new double[cols][rows];
    for (int j = 0; j < cols; j++) {
      for (int i = 0; i < rows; i++) {
        q[j][i] = gaussian();
      }
      for (int pass = 0; pass < 2; pass++) { // twice: keeps columns orthogonal in rounding
        for (int k = 0; k < j; k++) {
          double dot = 0;
          for (int i = 0; i < rows; i++) {
            dot += q[j][i] * q[k][i];
          }
          for (int i = 0; i < rows; i++) {
            q[j][i] -= dot * q[k][i];
          }
        }
      }
      double norm = 0;
      for (int i = 0; i < rows; i++) {
        norm += q[j][i] * q[j][i];
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < rows; i++) {
        q[j][i] /= norm;
      }
    }
    Tensor t = Tensor.zeros(DType.F32, 1, rows, cols);
    float[] f = t.floats();
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        f[i * cols + j] = (float) q[j][i];
      }
    }
    return t;
  }

  /** A standard normal draw (Box-Muller; the random source is seeded, so the result is too). */
  private double gaussian() {
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  private static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      Attribute a;
      if (v instanceof long[]) {
        a = Attribute.of((long[]) v);
      } else if (v instanceof Float) {
        a = Attribute.of((Float) v);
      } else {
        a = Attribute.of((Long) v);
      }
      m.put((String) kv[i], a);
    }
    return m;
  }
}
