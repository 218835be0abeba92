package org.quantlens.engine.graph;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Static types and shapes of a graph's values: fills {@link Graph#valueInfo()} with the element
 * type and shape (-1 for an unknown dimension, null for an unknown rank) of every node output it
 * can, by per-op rules for the common ops. Unknown ops, or rules that meet something unexpected,
 * leave their outputs unknown: inference never fails. What the graph already declares (the
 * model's value_info, graph outputs) fills dimensions inference cannot know.
 *
 * <p>Besides shapes it tracks the values of small integer tensors as far as they are known
 * ("partial data": a Shape of {@code [N,3,4,4]} with N unknown is {@code [?,3,4,4]}), so the
 * shape arithmetic PyTorch exports ({@code Shape -> Gather -> Unsqueeze -> Concat -> Reshape})
 * yields static shapes, and {@link ConstantFolding} can replace the parts that are fully known.
 */
public final class ShapeInference {
  /** An unknown element of partial data. */
  static final long UNKNOWN = Long.MIN_VALUE;
  /**
   * Elements from {@code UNKNOWN + 1} up to here are unknown too, but name where they came from:
   * dimension {@code d} of value {@code v} as read by a Shape op (see {@link #symbol}). Reshape
   * uses that to infer {@code x.view(x.size(0), -1)} as {@code [N, rest]} with N unknown.
   */
  private static final long SYMBOLS_END = Long.MIN_VALUE + (1 << 20);
  /** Largest integer tensor whose values are tracked. */
  static final int MAX_DATA = 64;

  /** What is known of one value. */
  static final class Info {
    final DType dtype;
    final int[] shape;
    final long[] data;

    Info(DType dtype, int[] shape, long[] data) {
      this.dtype = dtype;
      this.shape = shape;
      this.data = data;
    }

    Info(DType dtype, int[] shape) {
      this(dtype, shape, null);
    }
  }

  final Graph g;
  private final Map<String, Info> known = new HashMap<>();
  private final Map<String, Value> declared = new HashMap<>();
  private final java.util.List<String> symbolValue = new java.util.ArrayList<>();
  private final java.util.List<Integer> symbolDim = new java.util.ArrayList<>();

  /** Seeds what is known from the graph's inputs, initializers and declared value types. */
  public ShapeInference(Graph g) {
    this.g = g;
    for (Value v : g.outputs()) {
      declared.put(v.name(), v);
    }
    declared.putAll(g.valueInfo());
    for (Value v : g.valueInfo().values()) {
      known.put(v.name(), new Info(v.dtype(), v.shape()));
    }
    for (Value v : g.inputs()) {
      known.put(v.name(), new Info(v.dtype(), v.shape()));
    }
    g.initializers().forEach(this::constant);
  }

  /** Infers every node of {@code g} in topological order and returns {@code g}. */
  public static Graph run(Graph g) {
    ShapeInference si = new ShapeInference(g);
    for (Node n : g.topologicalOrder()) {
      si.infer(n);
    }
    return g;
  }

  /** Records that {@code name} now holds the constant {@code t}. */
  void constant(String name, Tensor t) {
    known.put(name, new Info(t.dtype(), t.shape(), dataOf(t)));
  }

  /** What is known of {@code name}, or null. */
  Info info(String name) {
    return known.get(name);
  }

  /** The value of {@code name} when it is an integer tensor whose every element is known. */
  Tensor knownTensor(String name) {
    Info i = known.get(name);
    if (i == null || i.data == null || i.shape == null || (i.dtype != DType.I64 && i.dtype != DType.I32)) {
      return null;
    }
    for (long v : i.data) {
      if (unknown(v)) {
        return null;
      }
    }
    Tensor t = Tensor.zeros(i.dtype, i.shape);
    if (t.size() != i.data.length) {
      return null;
    }
    for (int k = 0; k < i.data.length; k++) {
      t.setLong(k, i.data[k]);
    }
    return t;
  }

  /** Infers the outputs of {@code n} from what is known of its inputs and records them. */
  public void infer(Node n) {
    Info[] out;
    try {
      out = n.domain().isEmpty() ? rule(n) : null;
    } catch (RuntimeException e) {
      out = null; // a rule met an unexpected model: leave the outputs unknown
    }
    for (int i = 0; i < n.outputs().size(); i++) {
      String name = n.outputs().get(i);
      if (!name.isEmpty()) {
        record(name, out == null || i >= out.length ? null : out[i]);
      }
    }
  }

  private void record(String name, Info inferred) {
    Value decl = declared.get(name);
    Info merged = merge(decl, inferred);
    if (merged == null || merged.dtype == null && merged.shape == null) {
      return;
    }
    known.put(name, merged);
    Value v = new Value(name, merged.dtype, merged.shape, decl == null ? null : decl.dimNames());
    g.valueInfo().put(name, v);
    for (int i = 0; i < g.outputs().size(); i++) {
      if (g.outputs().get(i).name().equals(name)) {
        g.outputs().set(i, v);
      }
    }
  }

  /** Inferred facts win; declared ones fill what inference does not know. */
  private static Info merge(Value decl, Info inf) {
    if (decl == null) {
      return inf;
    }
    if (inf == null) {
      return new Info(decl.dtype(), decl.shape());
    }
    DType t = inf.dtype != null ? inf.dtype : decl.dtype();
    int[] ds = decl.shape();
    int[] s = inf.shape;
    if (s == null) {
      s = ds;
    } else if (ds != null && ds.length == s.length) {
      s = s.clone();
      for (int i = 0; i < s.length; i++) {
        if (s[i] < 0) {
          s[i] = ds[i];
        }
      }
    }
    return new Info(t, s, inf.data);
  }

  /** True for an unknown element of partial data (plain or symbolic). */
  static boolean unknown(long v) {
    return v <= SYMBOLS_END;
  }

  /** The symbolic element for dimension {@code dim} of value {@code value}. */
  long symbol(String value, int dim) {
    if (symbolValue.size() >= SYMBOLS_END - UNKNOWN - 1) {
      return UNKNOWN;
    }
    symbolValue.add(value);
    symbolDim.add(dim);
    return UNKNOWN + symbolValue.size();
  }

  /** For a symbolic element, {@code {value name, dimension}}; else null. */
  Object[] symbolOf(long v) {
    if (v == UNKNOWN || !unknown(v)) {
      return null;
    }
    int id = (int) (v - UNKNOWN - 1);
    return new Object[] {symbolValue.get(id), symbolDim.get(id)};
  }

  static long[] dataOf(Tensor t) {
    if ((t.dtype() != DType.I64 && t.dtype() != DType.I32) || t.rank() > 1 || t.size() > MAX_DATA) {
      return null;
    }
    return t.toLongs();
  }

  // ---- access helpers ------------------------------------------------------------------------

  Info in(Node n, int i) {
    String name = n.input(i);
    return name.isEmpty() ? null : known.get(name);
  }

  int[] shape(Node n, int i) {
    Info f = in(n, i);
    return f == null ? null : f.shape;
  }

  DType type(Node n, int i) {
    Info f = in(n, i);
    return f == null ? null : f.dtype;
  }

  long[] data(Node n, int i) {
    Info f = in(n, i);
    return f == null ? null : f.data;
  }

  /** Data of input {@code i} when every element is known, else null. */
  long[] fullData(Node n, int i) {
    Tensor c = g.initializers().get(n.input(i));
    if (c != null && (c.dtype() == DType.I64 || c.dtype() == DType.I32)) {
      return c.toLongs(); // exact, even for values such as INT64_MIN
    }
    long[] d = data(n, i);
    if (d == null) {
      return null;
    }
    for (long v : d) {
      if (unknown(v)) {
        return null;
      }
    }
    return d;
  }

  static long attrLong(Node n, String k, long def) {
    Attribute a = n.attributes().get(k);
    return a == null || a.kind() != Attribute.Kind.INT ? def : a.asLong();
  }

  static long[] attrLongs(Node n, String k) {
    Attribute a = n.attributes().get(k);
    return a == null || a.kind() != Attribute.Kind.INTS ? null : a.asLongs();
  }

  static String attrString(Node n, String k, String def) {
    Attribute a = n.attributes().get(k);
    return a == null || a.kind() != Attribute.Kind.STRING ? def : a.asString();
  }

  static Info[] one(DType t, int[] s) {
    return new Info[] {new Info(t, s)};
  }

  static Info[] one(DType t, int[] s, long[] data) {
    return new Info[] {new Info(t, s, data)};
  }

  static int[] unknownDims(int rank) {
    if (rank > Shapes.MAX_RANK) {
      throw new IllegalArgumentException("rank " + rank + " over " + Shapes.MAX_RANK);
    }
    int[] s = new int[rank];
    Arrays.fill(s, -1);
    return s;
  }

  static int norm(long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new IllegalArgumentException("axis out of range");
    }
    return (int) a;
  }

  static long product(int[] s) {
    long p = 1;
    for (int d : s) {
      if (d < 0) {
        return -1;
      }
      p *= d;
    }
    return p;
  }

  // ---- rule dispatch: the rules live in one *Shapes class per op family ---------------------

  private static final Set<String> SAME = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp",
      "Log", "Abs", "Neg", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Clip", "Elu", "Selu",
      "Celu", "Softplus", "Softsign", "HardSigmoid", "HardSwish", "Erf", "Sign", "Sin", "Cos",
      "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Gelu", "Mish",
      "ThresholdedRelu", "Softmax", "LogSoftmax", "Hardmax", "Shrink", "LRN", "CumSum", "Trilu",
      "InstanceNormalization", "MeanVarianceNormalization", "LpNormalization", "BitwiseNot");
  private static final Set<String> BROADCAST = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max",
      "Min", "Sum", "Mean", "Mod", "BitShift", "PRelu", "BitwiseAnd", "BitwiseOr", "BitwiseXor");
  private static final Set<String> COMPARE = Set.of("Equal", "Less", "Greater", "LessOrEqual",
      "GreaterOrEqual", "And", "Or", "Xor");
  private static final Set<String> REDUCE = Set.of("ReduceSum", "ReduceMean", "ReduceMax",
      "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
      "ReduceSumSquare");

  private Info[] rule(Node n) {
    String op = n.opType();
    if (SAME.contains(op)) {
      return one(type(n, 0), shape(n, 0));
    }
    if (BROADCAST.contains(op)) {
      return ElementwiseShapes.broadcastOp(this, n, type(n, 0));
    }
    if (COMPARE.contains(op)) {
      return ElementwiseShapes.broadcastOp(this, n, DType.BOOL);
    }
    if (REDUCE.contains(op)) {
      return ReduceNormShapes.reduce(this, n);
    }
    switch (op) {
      case "Not": case "IsNaN": case "IsInf":
        return one(DType.BOOL, shape(n, 0));
      case "Identity":
        return one(type(n, 0), shape(n, 0), data(n, 0));
      case "Dropout": {
        DType mask = g.opset("") >= 10 ? DType.BOOL : type(n, 0);
        return new Info[] {new Info(type(n, 0), shape(n, 0), data(n, 0)), new Info(mask, shape(n, 0))};
      }
      case "Where": return ElementwiseShapes.where(this, n);
      case "Cast": return ElementwiseShapes.cast(this, n);
      case "CastLike":
        return one(type(n, 1), shape(n, 0), ElementwiseShapes.castData(data(n, 0), type(n, 1)));
      case "Conv": case "ConvInteger": case "QLinearConv": return ConvPoolShapes.conv(this, n);
      case "ConvTranspose": return ConvPoolShapes.convTranspose(this, n);
      case "MaxPool": case "AveragePool": case "LpPool": return ConvPoolShapes.pool(this, n);
      case "GlobalAveragePool": case "GlobalMaxPool": case "GlobalLpPool": return ConvPoolShapes.globalPool(this, n);
      case "Gemm": return MatMulShapes.gemm(this, n);
      case "MatMul": case "MatMulInteger": case "QLinearMatMul": return MatMulShapes.matmul(this, n);
      case "ArgMax": case "ArgMin": return ReduceNormShapes.argReduce(this, n);
      case "BatchNormalization": return ReduceNormShapes.batchNorm(this, n);
      case "LayerNormalization": return ReduceNormShapes.layerNorm(this, n);
      case "LSTM": case "GRU": case "RNN": return ReduceNormShapes.recurrent(this, n);
      case "QuantizeLinear":
        return one(n.input(2).isEmpty() ? DType.U8 : type(n, 2), shape(n, 0));
      case "DequantizeLinear":
        return one(g.opset("") >= 19 && type(n, 1) != null ? type(n, 1) : DType.F32, shape(n, 0));
      case "DynamicQuantizeLinear":
        return new Info[] {new Info(DType.U8, shape(n, 0)), new Info(DType.F32, new int[0]),
            new Info(DType.U8, new int[0])};
      default:
        return shapeRule(n);
    }
  }

  /** The shape and data-movement ops. */
  private Info[] shapeRule(Node n) {
    switch (n.opType()) {
      case "Shape": return ShapeOpShapes.shapeOp(this, n);
      case "Size": {
        long p = shape(n, 0) == null ? -1 : product(shape(n, 0));
        return one(DType.I64, new int[0], new long[] {p < 0 ? UNKNOWN : p});
      }
      case "Constant": return ShapeOpShapes.constantOp(this, n);
      case "ConstantOfShape": return ShapeOpShapes.constantOfShape(this, n);
      case "Reshape": return ShapeOpShapes.reshape(this, n);
      case "Flatten": return ShapeOpShapes.flatten(this, n);
      case "Transpose": return LayoutShapes.transpose(this, n);
      case "Squeeze": return LayoutShapes.squeeze(this, n);
      case "Unsqueeze": return LayoutShapes.unsqueeze(this, n);
      case "Concat": return LayoutShapes.concat(this, n);
      case "Gather": return LayoutShapes.gather(this, n);
      case "GatherElements": return one(type(n, 0), shape(n, 1));
      case "Slice": return LayoutShapes.slice(this, n);
      case "Split": return LayoutShapes.split(this, n);
      case "Pad": return LayoutShapes.pad(this, n);
      case "Expand": return LayoutShapes.expand(this, n);
      case "Tile": return LayoutShapes.tile(this, n);
      case "Range": return one(type(n, 0), new int[] {-1});
      case "NonZero": return one(DType.I64, shape(n, 0) == null ? null : new int[] {shape(n, 0).length, -1});
      case "DepthToSpace": case "SpaceToDepth": return LayoutShapes.depthSpace(this, n);
      default: return null;
    }
  }
}
