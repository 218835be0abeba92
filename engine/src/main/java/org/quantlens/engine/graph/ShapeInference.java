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
  private static final int MAX_DATA = 64;

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

  private final Graph g;
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
  private long symbol(String value, int dim) {
    if (symbolValue.size() >= SYMBOLS_END - UNKNOWN - 1) {
      return UNKNOWN;
    }
    symbolValue.add(value);
    symbolDim.add(dim);
    return UNKNOWN + symbolValue.size();
  }

  /** For a symbolic element, {@code {value name, dimension}}; else null. */
  private Object[] symbolOf(long v) {
    if (v == UNKNOWN || !unknown(v)) {
      return null;
    }
    int id = (int) (v - UNKNOWN - 1);
    return new Object[] {symbolValue.get(id), symbolDim.get(id)};
  }

  private static long[] dataOf(Tensor t) {
    if ((t.dtype() != DType.I64 && t.dtype() != DType.I32) || t.rank() > 1 || t.size() > MAX_DATA) {
      return null;
    }
    return t.toLongs();
  }

  // ---- access helpers ------------------------------------------------------------------------

  private Info in(Node n, int i) {
    String name = n.input(i);
    return name.isEmpty() ? null : known.get(name);
  }

  private int[] shape(Node n, int i) {
    Info f = in(n, i);
    return f == null ? null : f.shape;
  }

  private DType type(Node n, int i) {
    Info f = in(n, i);
    return f == null ? null : f.dtype;
  }

  private long[] data(Node n, int i) {
    Info f = in(n, i);
    return f == null ? null : f.data;
  }

  /** Data of input {@code i} when every element is known, else null. */
  private long[] fullData(Node n, int i) {
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

  private static long attrLong(Node n, String k, long def) {
    Attribute a = n.attributes().get(k);
    return a == null || a.kind() != Attribute.Kind.INT ? def : a.asLong();
  }

  private static long[] attrLongs(Node n, String k) {
    Attribute a = n.attributes().get(k);
    return a == null || a.kind() != Attribute.Kind.INTS ? null : a.asLongs();
  }

  private static String attrString(Node n, String k, String def) {
    Attribute a = n.attributes().get(k);
    return a == null || a.kind() != Attribute.Kind.STRING ? def : a.asString();
  }

  private static Info[] one(DType t, int[] s) {
    return new Info[] {new Info(t, s)};
  }

  private static Info[] one(DType t, int[] s, long[] data) {
    return new Info[] {new Info(t, s, data)};
  }

  private static int[] unknownDims(int rank) {
    if (rank > Shapes.MAX_RANK) {
      throw new IllegalArgumentException("rank " + rank + " over " + Shapes.MAX_RANK);
    }
    int[] s = new int[rank];
    Arrays.fill(s, -1);
    return s;
  }

  private static int norm(long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new IllegalArgumentException("axis out of range");
    }
    return (int) a;
  }

  private static long product(int[] s) {
    long p = 1;
    for (int d : s) {
      if (d < 0) {
        return -1;
      }
      p *= d;
    }
    return p;
  }

  // ---- rules -------------------------------------------------------------------------------

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
      return broadcastOp(n, type(n, 0));
    }
    if (COMPARE.contains(op)) {
      return broadcastOp(n, DType.BOOL);
    }
    if (REDUCE.contains(op)) {
      return reduce(n);
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
      case "Where": return where(n);
      case "Cast": return cast(n);
      case "CastLike":
        return one(type(n, 1), shape(n, 0), castData(data(n, 0), type(n, 1)));
      case "Conv": case "ConvInteger": case "QLinearConv": return conv(n);
      case "ConvTranspose": return convTranspose(n);
      case "MaxPool": case "AveragePool": case "LpPool": return pool(n);
      case "GlobalAveragePool": case "GlobalMaxPool": case "GlobalLpPool": return globalPool(n);
      case "Gemm": return gemm(n);
      case "MatMul": case "MatMulInteger": case "QLinearMatMul": return matmul(n);
      case "ArgMax": case "ArgMin": return argReduce(n);
      case "BatchNormalization": return batchNorm(n);
      case "LayerNormalization": return layerNorm(n);
      case "LSTM": case "GRU": case "RNN": return recurrent(n);
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
      case "Shape": return shapeOp(n);
      case "Size": {
        long p = shape(n, 0) == null ? -1 : product(shape(n, 0));
        return one(DType.I64, new int[0], new long[] {p < 0 ? UNKNOWN : p});
      }
      case "Constant": return constantOp(n);
      case "ConstantOfShape": return constantOfShape(n);
      case "Reshape": return reshape(n);
      case "Flatten": return flatten(n);
      case "Transpose": return transpose(n);
      case "Squeeze": return squeeze(n);
      case "Unsqueeze": return unsqueeze(n);
      case "Concat": return concat(n);
      case "Gather": return gather(n);
      case "GatherElements": return one(type(n, 0), shape(n, 1));
      case "Slice": return slice(n);
      case "Split": return split(n);
      case "Pad": return pad(n);
      case "Expand": return expand(n);
      case "Tile": return tile(n);
      case "Range": return one(type(n, 0), new int[] {-1});
      case "NonZero": return one(DType.I64, shape(n, 0) == null ? null : new int[] {shape(n, 0).length, -1});
      case "DepthToSpace": case "SpaceToDepth": return depthSpace(n);
      default: return null;
    }
  }

  // ---- elementwise -------------------------------------------------------------------------

  /** Broadcast of shapes with unknown dimensions; null when a rank is unknown. */
  static int[] broadcast(int[] a, int[] b) {
    if (a == null || b == null) {
      return null;
    }
    int r = Math.max(a.length, b.length);
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      int da = i < r - a.length ? 1 : a[i - (r - a.length)];
      int db = i < r - b.length ? 1 : b[i - (r - b.length)];
      if (da == 1) {
        out[i] = db;
      } else if (db == 1) {
        out[i] = da;
      } else if (da < 0) {
        out[i] = db; // an unknown dimension must be 1 or db
      } else {
        out[i] = da;
      }
    }
    return out;
  }

  private Info[] broadcastOp(Node n, DType t) {
    int[] s = shape(n, 0);
    for (int i = 1; i < n.inputs().size(); i++) {
      s = broadcast(s, shape(n, i));
    }
    long[] d = n.inputs().size() == 2 ? arith(n.opType(), data(n, 0), data(n, 1)) : null;
    return one(t, s, d);
  }

  /** Integer arithmetic on partial data (PyTorch computes sizes with it). */
  private static long[] arith(String op, long[] a, long[] b) {
    if (a == null || b == null || (a.length != b.length && a.length != 1 && b.length != 1)) {
      return null;
    }
    int len = Math.max(a.length, b.length);
    long[] r = new long[len];
    for (int i = 0; i < len; i++) {
      long x = a[a.length == 1 ? 0 : i];
      long y = b[b.length == 1 ? 0 : i];
      if (unknown(x) || unknown(y)) {
        r[i] = UNKNOWN;
        continue;
      }
      switch (op) {
        case "Add": r[i] = x + y; break;
        case "Sub": r[i] = x - y; break;
        case "Mul": r[i] = x * y; break;
        case "Div": r[i] = y == 0 ? UNKNOWN : x / y; break;
        default: return null;
      }
    }
    return r;
  }

  private Info[] where(Node n) {
    return one(type(n, 1), broadcast(broadcast(shape(n, 0), shape(n, 1)), shape(n, 2)));
  }

  private Info[] cast(Node n) {
    Attribute to = n.attributes().get("to");
    DType t = null;
    if (to != null && to.kind() == Attribute.Kind.INT) {
      DType[] byCode = {null, DType.F32, DType.U8, DType.I8, DType.U16, DType.I16, DType.I32,
          DType.I64, null, DType.BOOL, DType.F16, DType.F64, DType.U32, DType.U64};
      long c = to.asLong();
      t = c > 0 && c < byCode.length ? byCode[(int) c] : null;
    }
    return one(t, shape(n, 0), castData(data(n, 0), t));
  }

  /** Partial data survives casts between the tracked integer types (values stay small). */
  private static long[] castData(long[] d, DType to) {
    if (d == null || to != DType.I64 && to != DType.I32) {
      return null;
    }
    for (long v : d) {
      if (to == DType.I32 && !unknown(v) && v != (int) v) {
        return null; // would wrap
      }
    }
    return d;
  }

  // ---- convolution, pooling, matrix products -------------------------------------------------

  /** One spatial output size; -1 when the input size is unknown. */
  static int windowOut(int in, int k, int stride, int dil, int pb, int pe, String autoPad, boolean ceil) {
    if (in < 0 || k < 0) {
      return -1;
    }
    int ek = (k - 1) * dil + 1;
    switch (autoPad) {
      case "SAME_UPPER": case "SAME_LOWER":
        return (in + stride - 1) / stride;
      case "VALID":
        return in < ek ? -1 : (in - ek) / stride + 1;
      default: {
        int span = in + pb + pe - ek;
        if (span < 0) {
          return -1;
        }
        if (!ceil) {
          return span / stride + 1;
        }
        int out = (span + stride - 1) / stride + 1;
        // Kernels disagree whether a last window starting in the end padding counts; stay unknown.
        return (out - 1) * stride >= in + pb ? -1 : out;
      }
    }
  }

  private int[] spatial(Node n, int[] x, int[] kernel, boolean ceil) {
    int nsp = x.length - 2;
    long[] strides = attrLongs(n, "strides");
    long[] dil = attrLongs(n, "dilations");
    long[] pads = attrLongs(n, "pads");
    String autoPad = attrString(n, "auto_pad", "NOTSET");
    int[] out = new int[nsp];
    for (int i = 0; i < nsp; i++) {
      out[i] = windowOut(x[i + 2], kernel[i], strides == null ? 1 : (int) strides[i],
          dil == null ? 1 : (int) dil[i], pads == null ? 0 : (int) pads[i],
          pads == null ? 0 : (int) pads[i + nsp], autoPad, ceil);
    }
    return out;
  }

  private Info[] conv(Node n) {
    boolean q = n.opType().equals("QLinearConv");
    int[] x = shape(n, 0);
    int[] w = shape(n, q ? 3 : 1);
    DType t = n.opType().equals("ConvInteger") ? DType.I32 : q ? type(n, 7) : type(n, 0);
    if (x == null) {
      return one(t, null);
    }
    long[] ks = attrLongs(n, "kernel_shape");
    int[] kernel = new int[x.length - 2];
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] = ks != null ? (int) ks[i] : w != null ? w[i + 2] : -1;
    }
    int[] out = new int[x.length];
    out[0] = x[0];
    out[1] = w == null ? -1 : w[0];
    System.arraycopy(spatial(n, x, kernel, false), 0, out, 2, kernel.length);
    return one(t, out);
  }

  private Info[] convTranspose(Node n) {
    int[] x = shape(n, 0);
    int[] w = shape(n, 1);
    if (x == null) {
      return one(type(n, 0), null);
    }
    int nsp = x.length - 2;
    long group = attrLong(n, "group", 1);
    int[] out = new int[x.length];
    out[0] = x[0];
    out[1] = w == null || w[1] < 0 ? -1 : (int) (w[1] * group);
    long[] outShape = attrLongs(n, "output_shape");
    long[] ks = attrLongs(n, "kernel_shape");
    long[] strides = attrLongs(n, "strides");
    long[] dil = attrLongs(n, "dilations");
    long[] pads = attrLongs(n, "pads");
    long[] opad = attrLongs(n, "output_padding");
    String autoPad = attrString(n, "auto_pad", "NOTSET");
    for (int i = 0; i < nsp; i++) {
      int s = strides == null ? 1 : (int) strides[i];
      int k = ks != null ? (int) ks[i] : w != null ? w[i + 2] : -1;
      if (outShape != null) {
        out[i + 2] = (int) outShape[outShape.length - nsp + i];
      } else if (x[i + 2] < 0 || k < 0) {
        out[i + 2] = -1;
      } else if (autoPad.startsWith("SAME")) {
        out[i + 2] = x[i + 2] * s;
      } else {
        int d = dil == null ? 1 : (int) dil[i];
        int p = pads == null || autoPad.equals("VALID") ? 0 : (int) (pads[i] + pads[i + nsp]);
        out[i + 2] = s * (x[i + 2] - 1) + (opad == null ? 0 : (int) opad[i]) + (k - 1) * d + 1 - p;
      }
    }
    return one(type(n, 0), out);
  }

  private Info[] pool(Node n) {
    int[] x = shape(n, 0);
    long[] ks = attrLongs(n, "kernel_shape");
    if (x == null || ks == null || ks.length != x.length - 2) {
      return new Info[] {new Info(type(n, 0), null), new Info(DType.I64, null)};
    }
    int[] kernel = new int[ks.length];
    for (int i = 0; i < ks.length; i++) {
      kernel[i] = (int) ks[i];
    }
    int[] out = new int[x.length];
    out[0] = x[0];
    out[1] = x[1];
    boolean ceil = attrLong(n, "ceil_mode", 0) != 0;
    System.arraycopy(spatial(n, x, kernel, ceil), 0, out, 2, kernel.length);
    return new Info[] {new Info(type(n, 0), out), new Info(DType.I64, out)};
  }

  private Info[] globalPool(Node n) {
    int[] x = shape(n, 0);
    if (x == null) {
      return one(type(n, 0), null);
    }
    int[] out = x.clone();
    for (int i = 2; i < out.length; i++) {
      out[i] = 1;
    }
    return one(type(n, 0), out);
  }

  private Info[] gemm(Node n) {
    int[] a = shape(n, 0);
    int[] b = shape(n, 1);
    int m = a == null || a.length != 2 ? -1 : attrLong(n, "transA", 0) != 0 ? a[1] : a[0];
    int nn = b == null || b.length != 2 ? -1 : attrLong(n, "transB", 0) != 0 ? b[0] : b[1];
    return one(type(n, 0), new int[] {m, nn});
  }

  private Info[] matmul(Node n) {
    boolean q = n.opType().equals("QLinearMatMul");
    int[] a = shape(n, 0);
    int[] b = shape(n, q ? 3 : 1);
    DType t = n.opType().equals("MatMulInteger") ? DType.I32 : q ? type(n, 7) : type(n, 0);
    return one(t, matmulShape(a, b));
  }

  /** numpy matmul: 1-D operands gain and then lose a dimension, batch dimensions broadcast. */
  static int[] matmulShape(int[] a, int[] b) {
    if (a == null || b == null || a.length == 0 || b.length == 0) {
      return null;
    }
    int[] aa = a.length == 1 ? new int[] {1, a[0]} : a;
    int[] bb = b.length == 1 ? new int[] {b[0], 1} : b;
    int[] batch = broadcast(Arrays.copyOf(aa, aa.length - 2), Arrays.copyOf(bb, bb.length - 2));
    int[] out = Arrays.copyOf(batch, batch.length + 2);
    out[batch.length] = aa[aa.length - 2];
    out[batch.length + 1] = bb[bb.length - 1];
    if (a.length == 1 && b.length == 1) {
      return new int[0];
    }
    if (a.length == 1) {
      return remove(out, out.length - 2);
    }
    if (b.length == 1) {
      return remove(out, out.length - 1);
    }
    return out;
  }

  private static int[] remove(int[] s, int i) {
    int[] r = new int[s.length - 1];
    System.arraycopy(s, 0, r, 0, i);
    System.arraycopy(s, i + 1, r, i, s.length - i - 1);
    return r;
  }

  // ---- reductions, normalisation, recurrent --------------------------------------------------

  private Info[] reduce(Node n) {
    int[] x = shape(n, 0);
    boolean keep = attrLong(n, "keepdims", 1) != 0;
    boolean axesInput = g.opset("") >= (n.opType().equals("ReduceSum") ? 13 : 18);
    long[] axes = axesInput ? (n.input(1).isEmpty() ? new long[0] : fullData(n, 1)) : attrLongs(n, "axes");
    boolean unknownAxes = axesInput && !n.input(1).isEmpty() && axes == null;
    if (x == null) {
      return one(type(n, 0), null);
    }
    if (unknownAxes) {
      return one(type(n, 0), keep ? unknownDims(x.length) : null);
    }
    if (axes == null || axes.length == 0) {
      if (axesInput && attrLong(n, "noop_with_empty_axes", 0) != 0) {
        return one(type(n, 0), x);
      }
      axes = new long[x.length];
      for (int i = 0; i < x.length; i++) {
        axes[i] = i;
      }
    }
    boolean[] red = new boolean[x.length];
    for (long a : axes) {
      red[norm(a, x.length)] = true;
    }
    return one(type(n, 0), reduced(x, red, keep));
  }

  private static int[] reduced(int[] x, boolean[] red, boolean keep) {
    int[] out = new int[x.length];
    int k = 0;
    for (int i = 0; i < x.length; i++) {
      if (!red[i]) {
        out[k++] = x[i];
      } else if (keep) {
        out[k++] = 1;
      }
    }
    return Arrays.copyOf(out, k);
  }

  private Info[] argReduce(Node n) {
    int[] x = shape(n, 0);
    if (x == null) {
      return one(DType.I64, null);
    }
    boolean[] red = new boolean[x.length];
    red[norm(attrLong(n, "axis", 0), x.length)] = true;
    return one(DType.I64, reduced(x, red, attrLong(n, "keepdims", 1) != 0));
  }

  private Info[] batchNorm(Node n) {
    int[] x = shape(n, 0);
    int[] c = new int[] {x == null || x.length < 2 ? -1 : x[1]};
    DType t = type(n, 0);
    return new Info[] {new Info(t, x), new Info(t, c), new Info(t, c), new Info(t, c), new Info(t, c)};
  }

  private Info[] layerNorm(Node n) {
    int[] x = shape(n, 0);
    if (x == null) {
      return one(type(n, 0), null);
    }
    int axis = norm(attrLong(n, "axis", -1), x.length);
    int[] stat = x.clone();
    for (int i = axis; i < stat.length; i++) {
      stat[i] = 1;
    }
    return new Info[] {new Info(type(n, 0), x), new Info(DType.F32, stat), new Info(DType.F32, stat)};
  }

  private Info[] recurrent(Node n) {
    int[] x = shape(n, 0);
    DType t = type(n, 0);
    long hidden = attrLong(n, "hidden_size", -1);
    int dirs = attrString(n, "direction", "forward").equals("bidirectional") ? 2 : 1;
    if (x == null || x.length != 3) {
      return new Info[] {new Info(t, null), new Info(t, null), new Info(t, null)};
    }
    int h = (int) hidden;
    boolean batchFirst = attrLong(n, "layout", 0) != 0;
    int seq = batchFirst ? x[1] : x[0];
    int batch = batchFirst ? x[0] : x[1];
    int[] y = batchFirst ? new int[] {batch, seq, dirs, h} : new int[] {seq, dirs, batch, h};
    int[] yh = batchFirst ? new int[] {batch, dirs, h} : new int[] {dirs, batch, h};
    return new Info[] {new Info(t, y), new Info(t, yh), new Info(t, yh)};
  }

  // ---- shape ops -----------------------------------------------------------------------------

  private Info[] shapeOp(Node n) {
    int[] x = shape(n, 0);
    if (x == null) {
      return one(DType.I64, new int[] {-1});
    }
    int from = 0;
    int to = x.length;
    if (g.opset("") >= 15) {
      long st = attrLong(n, "start", 0);
      long en = n.attributes().containsKey("end") ? attrLong(n, "end", 0) : x.length;
      st = Math.max(0, Math.min(x.length, st < 0 ? st + x.length : st));
      en = Math.max(0, Math.min(x.length, en < 0 ? en + x.length : en));
      from = (int) st;
      to = (int) Math.max(st, en);
    }
    long[] d = new long[to - from];
    for (int i = 0; i < d.length; i++) {
      d[i] = x[from + i] < 0 ? symbol(n.input(0), from + i) : x[from + i];
    }
    return one(DType.I64, new int[] {d.length}, d);
  }

  private Info[] constantOp(Node n) {
    Map<String, Attribute> a = n.attributes();
    if (a.containsKey("value")) {
      Tensor t = a.get("value").asTensor();
      return one(t.dtype(), t.shape(), dataOf(t));
    }
    if (a.containsKey("value_float")) {
      return one(DType.F32, new int[0]);
    }
    if (a.containsKey("value_floats")) {
      return one(DType.F32, new int[] {a.get("value_floats").asFloats().length});
    }
    if (a.containsKey("value_int")) {
      return one(DType.I64, new int[0], new long[] {a.get("value_int").asLong()});
    }
    if (a.containsKey("value_ints")) {
      long[] v = a.get("value_ints").asLongs();
      return one(DType.I64, new int[] {v.length}, v.length <= MAX_DATA ? v : null);
    }
    return null;
  }

  private Info[] constantOfShape(Node n) {
    Attribute v = n.attributes().get("value");
    DType t = v == null ? DType.F32 : v.asTensor().dtype();
    long[] d = data(n, 0);
    if (d != null) {
      return one(t, toDims(d));
    }
    int[] s = shape(n, 0);
    return one(t, s == null || s.length != 1 || s[0] < 0 ? null : unknownDims(s[0]));
  }

  private static int[] toDims(long[] d) {
    int[] s = new int[d.length];
    for (int i = 0; i < d.length; i++) {
      s[i] = d[i] == UNKNOWN || d[i] < 0 || d[i] > Integer.MAX_VALUE ? -1 : (int) d[i];
    }
    return s;
  }

  private Info[] reshape(Node n) {
    int[] x = shape(n, 0);
    long[] spec = g.opset("") < 5 ? attrLongs(n, "shape") : data(n, 1);
    boolean allowZero = attrLong(n, "allowzero", 0) != 0;
    if (spec == null) {
      int[] s = shape(n, 1);
      return one(type(n, 0), s == null || s.length != 1 || s[0] < 0 ? null : unknownDims(s[0]));
    }
    int[] out = new int[spec.length];
    boolean[] used = x == null ? null : new boolean[x.length];
    int infer = -1;
    long known = 1;
    for (int i = 0; i < spec.length; i++) {
      long v = spec[i];
      if (v == 0 && !allowZero) {
        v = x == null || i >= x.length ? UNKNOWN : x[i] < 0 ? symbol(n.input(0), i) : x[i];
      }
      Object[] sym = symbolOf(v);
      if (v == -1) {
        infer = i;
        out[i] = -1;
      } else if (sym != null && used != null && sym[0].equals(n.input(0)) && !used[(int) sym[1]]) {
        out[i] = -1; // the same unknown dimension of the input: cancels out of the element count
        used[(int) sym[1]] = true;
      } else if (unknown(v) || v < 0) {
        out[i] = -1;
        known = -1;
      } else {
        out[i] = (int) v;
        known = known < 0 ? -1 : known * v;
      }
    }
    long size = 1;
    for (int i = 0; x != null && i < x.length; i++) {
      size = used[i] || size < 0 ? size : x[i] < 0 ? -1 : size * x[i];
    }
    if (infer >= 0 && known > 0 && x != null && size >= 0) {
      out[infer] = (int) (size / known);
    }
    long[] d = data(n, 0);
    return one(type(n, 0), out, d != null && out.length <= 1 ? d : null);
  }

  private Info[] flatten(Node n) {
    int[] x = shape(n, 0);
    if (x == null) {
      return one(type(n, 0), new int[] {-1, -1});
    }
    long a = attrLong(n, "axis", 1);
    int k = (int) Math.max(0, Math.min(x.length, a < 0 ? a + x.length : a)); // the op reports a bad axis
    long p = product(Arrays.copyOfRange(x, 0, k));
    long q = product(Arrays.copyOfRange(x, k, x.length));
    return one(type(n, 0), new int[] {(int) p, (int) q});
  }

  private Info[] transpose(Node n) {
    int[] x = shape(n, 0);
    if (x == null) {
      return one(type(n, 0), null);
    }
    long[] perm = attrLongs(n, "perm");
    int[] out = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[perm == null ? x.length - 1 - i : (int) perm[i]];
    }
    return one(type(n, 0), out);
  }

  /** Axes of Squeeze/Unsqueeze: attribute before 13, input from 13 (null when unknown). */
  private long[] axesArg(Node n) {
    if (g.opset("") < 13) {
      return attrLongs(n, "axes");
    }
    return n.input(1).isEmpty() ? null : fullData(n, 1);
  }

  private Info[] squeeze(Node n) {
    int[] x = shape(n, 0);
    long[] axes = axesArg(n);
    boolean given = g.opset("") < 13 ? axes != null : !n.input(1).isEmpty();
    if (x == null || given && axes == null) {
      return one(type(n, 0), null, null);
    }
    boolean[] drop = new boolean[x.length];
    if (axes == null) {
      for (int i = 0; i < x.length; i++) {
        if (x[i] < 0) {
          return one(type(n, 0), null); // might or might not be 1
        }
        drop[i] = x[i] == 1;
      }
    } else {
      for (long a : axes) {
        drop[norm(a, x.length)] = true;
      }
    }
    int[] out = reduced(x, drop, false);
    return one(type(n, 0), out, data(n, 0));
  }

  private Info[] unsqueeze(Node n) {
    int[] x = shape(n, 0);
    long[] axes = axesArg(n);
    if (x == null || axes == null) {
      return one(type(n, 0), null);
    }
    int rank = x.length + axes.length;
    boolean[] ins = new boolean[rank];
    for (long a : axes) {
      ins[norm(a, rank)] = true;
    }
    int[] out = new int[rank];
    for (int i = 0, j = 0; i < rank; i++) {
      out[i] = ins[i] ? 1 : x[j++];
    }
    long[] d = data(n, 0);
    return one(type(n, 0), out, out.length <= 1 ? d : null);
  }

  private Info[] concat(Node n) {
    int k = n.inputs().size();
    int[] first = shape(n, 0);
    if (first == null) {
      return one(type(n, 0), null);
    }
    int a = norm(attrLong(n, "axis", 1), first.length);
    int[] out = first.clone();
    boolean allData = first.length == 1;
    long total = 0;
    for (int i = 0; i < k; i++) {
      int[] s = shape(n, i);
      if (s == null || s.length != first.length) {
        int[] u = unknownDims(first.length);
        return one(type(n, 0), u);
      }
      for (int d = 0; d < s.length; d++) {
        if (d != a && out[d] < 0) {
          out[d] = s[d];
        }
      }
      total = total < 0 || s[a] < 0 ? -1 : total + s[a];
      allData &= data(n, i) != null;
    }
    out[a] = (int) total;
    long[] d = null;
    if (allData) {
      d = new long[0];
      for (int i = 0; i < k; i++) {
        long[] di = data(n, i);
        d = Arrays.copyOf(d, d.length + di.length);
        System.arraycopy(di, 0, d, d.length - di.length, di.length);
      }
    }
    return one(type(n, 0), out, d);
  }

  private Info[] gather(Node n) {
    int[] x = shape(n, 0);
    int[] q = shape(n, 1);
    if (x == null || q == null) {
      return one(type(n, 0), null);
    }
    int a = norm(attrLong(n, "axis", 0), x.length);
    int[] out = new int[x.length - 1 + q.length];
    System.arraycopy(x, 0, out, 0, a);
    System.arraycopy(q, 0, out, a, q.length);
    System.arraycopy(x, a + 1, out, a + q.length, x.length - a - 1);
    long[] d = data(n, 0);
    long[] idx = d != null && x.length == 1 ? fullData(n, 1) : null;
    long[] gd = null;
    if (idx != null) {
      gd = new long[idx.length];
      for (int i = 0; i < idx.length; i++) {
        long j = idx[i] < 0 ? idx[i] + d.length : idx[i];
        gd[i] = j >= 0 && j < d.length ? d[(int) j] : UNKNOWN;
      }
    }
    return one(type(n, 0), out, gd);
  }

  private Info[] slice(Node n) {
    int[] x = shape(n, 0);
    boolean attrs = g.opset("") < 10;
    long[] starts = attrs ? attrLongs(n, "starts") : fullData(n, 1);
    long[] ends = attrs ? attrLongs(n, "ends") : fullData(n, 2);
    long[] axes = attrs ? attrLongs(n, "axes") : n.input(3).isEmpty() ? null : fullData(n, 3);
    long[] steps = attrs || n.input(4).isEmpty() ? null : fullData(n, 4);
    boolean missing = starts == null || ends == null || !attrs && !n.input(3).isEmpty() && axes == null
        || !attrs && !n.input(4).isEmpty() && steps == null;
    if (x == null) {
      return one(type(n, 0), null);
    }
    if (missing) {
      return one(type(n, 0), unknownDims(x.length));
    }
    int[] out = x.clone();
    long[] ax = axes;
    if (ax == null) {
      ax = new long[starts.length];
      for (int i = 0; i < ax.length; i++) {
        ax[i] = i;
      }
    }
    int[][] plan = new int[x.length][];
    for (int i = 0; i < ax.length; i++) {
      int a = norm(ax[i], x.length);
      long dim = x[a];
      long st = steps == null ? 1 : steps[i];
      if (dim < 0 || st == 0) {
        out[a] = -1;
        continue;
      }
      long s = starts[i] < 0 ? starts[i] + dim : starts[i];
      long e = ends[i] < 0 ? ends[i] + dim : ends[i];
      long count;
      if (st > 0) {
        s = Math.max(0, Math.min(dim, s));
        e = Math.max(0, Math.min(dim, e));
        count = e > s ? (e - s + st - 1) / st : 0;
      } else {
        s = Math.max(0, Math.min(dim - 1, s));
        e = Math.max(-1, Math.min(dim - 1, e));
        count = s > e ? (s - e - st - 1) / -st : 0;
      }
      out[a] = (int) count;
      plan[a] = new int[] {(int) s, (int) Math.max(-Integer.MAX_VALUE, Math.min(Integer.MAX_VALUE, st))};
    }
    long[] d = data(n, 0);
    long[] sd = null;
    if (d != null && x.length == 1 && out[0] >= 0) {
      int s = plan[0] == null ? 0 : plan[0][0];
      int st = plan[0] == null ? 1 : plan[0][1];
      sd = new long[out[0]];
      for (int i = 0; i < sd.length; i++) {
        sd[i] = d[s + i * st];
      }
    }
    return one(type(n, 0), out, sd);
  }

  private Info[] split(Node n) {
    int[] x = shape(n, 0);
    int outs = n.outputs().size();
    Info[] r = new Info[outs];
    if (x == null) {
      Arrays.fill(r, new Info(type(n, 0), null));
      return r;
    }
    int a = norm(attrLong(n, "axis", 0), x.length);
    long[] spec = g.opset("") >= 13 || g.opset("") < 2 && !n.input(1).isEmpty()
        ? (n.input(1).isEmpty() ? null : fullData(n, 1)) : attrLongs(n, "split");
    boolean unknown = spec == null && (g.opset("") >= 13 && !n.input(1).isEmpty() || x[a] < 0);
    for (int k = 0; k < outs; k++) {
      int[] s = x.clone();
      if (unknown) {
        s[a] = -1;
      } else if (spec != null) {
        s[a] = (int) spec[k];
      } else {
        int part = (x[a] + outs - 1) / outs;
        s[a] = Math.max(0, Math.min(part, x[a] - part * k));
      }
      r[k] = new Info(type(n, 0), s);
    }
    return r;
  }

  private Info[] pad(Node n) {
    int[] x = shape(n, 0);
    boolean attrs = g.opset("") < 11;
    long[] pads = attrs ? attrLongs(n, g.opset("") < 2 ? "paddings" : "pads") : fullData(n, 1);
    long[] axes = attrs || n.input(3).isEmpty() ? null : fullData(n, 3);
    if (x == null) {
      return one(type(n, 0), null);
    }
    if (pads == null || !attrs && !n.input(3).isEmpty() && axes == null) {
      return one(type(n, 0), unknownDims(x.length));
    }
    int k = axes == null ? x.length : axes.length;
    int[] out = x.clone();
    for (int i = 0; i < k; i++) {
      int a = axes == null ? i : norm(axes[i], x.length);
      out[a] = x[a] < 0 ? -1 : (int) (x[a] + pads[i] + pads[i + k]);
    }
    return one(type(n, 0), out);
  }

  private Info[] expand(Node n) {
    int[] x = shape(n, 0);
    long[] d = data(n, 1);
    if (d == null) {
      return one(type(n, 0), null);
    }
    int[] target = toDims(d);
    if (x == null) {
      return one(type(n, 0), null);
    }
    // Unlike plain broadcasting, an unknown target entry may be 1 and keep x's dimension.
    int r = Math.max(x.length, target.length);
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      int dx = i < r - x.length ? 1 : x[i - (r - x.length)];
      int dt = i < r - target.length ? 1 : target[i - (r - target.length)];
      out[i] = dt == 1 ? dx : dx == 1 ? dt : dt < 0 ? (dx > 1 ? dx : -1) : dt;
    }
    return one(type(n, 0), out);
  }

  private Info[] tile(Node n) {
    int[] x = shape(n, 0);
    long[] reps = g.opset("") >= 6 ? fullData(n, 1) : null;
    if (x == null) {
      return one(type(n, 0), null);
    }
    if (reps == null || reps.length != x.length) {
      return one(type(n, 0), unknownDims(x.length));
    }
    int[] out = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] < 0 ? -1 : (int) (x[i] * reps[i]);
    }
    return one(type(n, 0), out);
  }

  private Info[] depthSpace(Node n) {
    int[] x = shape(n, 0);
    int b = (int) attrLong(n, "blocksize", 1);
    if (x == null || x.length != 4) {
      return one(type(n, 0), null);
    }
    boolean d2s = n.opType().equals("DepthToSpace");
    int c = x[1] < 0 ? -1 : d2s ? x[1] / (b * b) : x[1] * b * b;
    int h = x[2] < 0 ? -1 : d2s ? x[2] * b : x[2] / b;
    int w = x[3] < 0 ? -1 : d2s ? x[3] * b : x[3] / b;
    return one(type(n, 0), new int[] {x[0], c, h, w});
  }
}
