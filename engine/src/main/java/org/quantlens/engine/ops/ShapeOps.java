package org.quantlens.engine.ops;

import static org.quantlens.engine.ops.ShapeSupport.fail;
import static org.quantlens.engine.ops.ShapeSupport.longs;

import java.util.Arrays;
import java.util.List;
import org.quantlens.engine.UnsupportedOpException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Shape and data-movement operators. The reshaping ones (Reshape, Flatten, Squeeze, Unsqueeze,
 * Identity, inference Dropout) return views over their input's array; the others copy through the
 * {@code kernels.Copy} kernels. This class registers the whole family and holds the small ops;
 * larger ones live in {@link TransposeOps}, {@link SliceOps}, {@link GatherOps}, {@link PadOps},
 * {@link CastOps} and {@link ShapeJoinOps}.
 */
public final class ShapeOps implements OpFamily {
  /** The op family, ready to register into any {@link OpRegistry}. */
  public ShapeOps() {}

  @Override
  public void register(OpRegistry r) {
    r.register("Reshape", 1, ctx -> reshape(ctx, false));
    r.register("Reshape", 5, ctx -> reshape(ctx, true));
    r.register("Reshape", 14, ctx -> reshape(ctx, true));
    r.register("Flatten", 1, ShapeOps::flatten);
    r.register("Flatten", 11, ShapeOps::flatten);
    r.register("Squeeze", 1, ShapeOps::squeeze);
    r.register("Squeeze", 11, ShapeOps::squeeze);
    r.register("Squeeze", 13, ShapeOps::squeeze);
    r.register("Unsqueeze", 1, ShapeOps::unsqueeze);
    r.register("Unsqueeze", 11, ShapeOps::unsqueeze);
    r.register("Unsqueeze", 13, ShapeOps::unsqueeze);
    r.register("Shape", 1, ShapeOps::shape);
    r.register("Shape", 15, ShapeOps::shape);
    r.register("Size", 1, ctx -> (in, ec) -> ec.result(Tensor.of(new long[] {in[0].size()})));
    r.register("Identity", 1, ctx -> (in, ec) -> ec.result(in[0].reshape(in[0].shape())));
    r.register("Constant", 1, ShapeOps::constant);
    r.register("Constant", 12, ShapeOps::constant);
    r.register("ConstantOfShape", 9, ShapeOps::constantOfShape);
    r.register("Dropout", 1, ShapeDropout::create);
    r.register("Dropout", 7, ShapeDropout::create);
    r.register("Dropout", 10, ShapeDropout::create);
    r.register("Dropout", 12, ShapeDropout::create);
    r.register("Range", 11, ShapeOps::range);
    TransposeOps.register(r);
    SliceOps.register(r);
    GatherOps.register(r);
    PadOps.register(r);
    CastOps.register(r);
    ShapeJoinOps.register(r);
  }

  // ---- Reshape -----------------------------------------------------------------------------

  private static Operator reshape(NodeContext ctx, boolean shapeInput) {
    Node node = ctx.node();
    boolean allowZero = ctx.opset() >= 14 && ctx.attrLong("allowzero", 0) != 0;
    long[] fixed = shapeInput ? null : ctx.attrLongs("shape", null);
    if (!shapeInput && fixed == null) {
      throw ctx.error("attribute 'shape' is required before opset 5");
    }
    // the target for the last input shape, while the shape input is the node's constant
    Tensor constantShape = shapeInput ? ctx.constant(1) : null;
    ShapeKeyed<int[]> targets = new ShapeKeyed<>();
    ViewCache views = new ViewCache();
    return (in, ec) -> {
      boolean cacheable = !shapeInput || constantShape != null && in[1] == constantShape;
      int[] target = cacheable ? targets.get(in[0]) : null;
      if (target == null) {
        long[] spec = shapeInput ? longs(node, in[1], "shape") : fixed;
        target = reshapeTarget(node, in[0].shape(), spec, allowZero);
        if (cacheable) {
          targets.put(in[0], target);
        }
      }
      return ec.result(views.view(in[0], target));
    };
  }

  /**
   * The output shape of Reshape: 0 copies the input dimension (unless {@code allowZero}), one -1
   * is inferred from the element count.
   */
  static int[] reshapeTarget(Node node, int[] in, long[] spec, boolean allowZero) {
    int[] out = new int[spec.length];
    int infer = -1;
    long known = 1;
    boolean zero = false;
    for (int i = 0; i < spec.length; i++) {
      long d = spec[i];
      if (d == -1) {
        if (infer >= 0) {
          throw fail(node, "shape " + Arrays.toString(spec) + " has more than one -1");
        }
        infer = i;
        continue;
      }
      if (d == 0 && !allowZero) {
        if (i >= in.length) {
          throw fail(node, "shape " + Arrays.toString(spec) + " copies dimension " + i
              + " (0) but the input has rank " + in.length);
        }
        d = in[i];
      }
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw fail(node, "invalid dimension " + spec[i] + " in shape " + Arrays.toString(spec));
      }
      zero |= d == 0;
      out[i] = (int) d;
      known *= d;
    }
    long size = Shapes.size(in);
    if (infer >= 0) {
      if (zero || known == 0 || size % known != 0) {
        throw fail(node, "cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(spec));
      }
      out[infer] = (int) (size / known);
    } else if (known != size) {
      throw fail(node, "cannot reshape " + Arrays.toString(in) + " (" + size + " elements) to "
          + Arrays.toString(spec));
    }
    return out;
  }

  // ---- Flatten, Squeeze, Unsqueeze ---------------------------------------------------------

  private static Operator flatten(NodeContext ctx) {
    Node node = ctx.node();
    long axisAttr = ctx.attrLong("axis", 1);
    ShapeKeyed<int[]> targets = new ShapeKeyed<>(); // the 2-D shape of the last input shape
    ViewCache views = new ViewCache();
    return (in, ec) -> {
      int[] target = targets.get(in[0]);
      if (target == null) {
        int[] s = in[0].shape();
        long a = axisAttr < 0 ? axisAttr + s.length : axisAttr;
        if (a < 0 || a > s.length) {
          throw fail(node, "axis " + axisAttr + " is out of range for rank " + s.length);
        }
        int k = (int) a;
        target = targets.put(in[0], new int[] {ShapeSupport.product(s, 0, k),
            ShapeSupport.product(s, k, s.length)});
      }
      return ec.result(views.view(in[0], target));
    };
  }

  /** Axes from the attribute (before opset 13) or the optional second input (from 13). */
  private static long[] axesArg(NodeContext ctx, Tensor[] in, long[] attr) {
    if (ctx.opset() < 13) {
      return attr;
    }
    return in.length > 1 && in[1] != null ? longs(ctx.node(), in[1], "axes") : null;
  }

  private static Operator squeeze(NodeContext ctx) {
    Node node = ctx.node();
    long[] attr = ctx.attrLongs("axes", null);
    return (in, ec) -> {
      int[] s = in[0].shape();
      long[] spec = axesArg(ctx, in, attr);
      boolean[] drop = new boolean[s.length];
      if (spec == null) {
        for (int i = 0; i < s.length; i++) {
          drop[i] = s[i] == 1;
        }
      } else {
        for (int a : ShapeSupport.axes(node, spec, s.length, "Squeeze")) {
          if (s[a] != 1) {
            throw fail(node, "cannot squeeze axis " + a + " of size " + s[a] + " in shape "
                + Arrays.toString(s));
          }
          drop[a] = true;
        }
      }
      return ec.result(in[0].reshape(squeezed(s, drop)));
    };
  }

  static int[] squeezed(int[] s, boolean[] drop) {
    int n = 0;
    for (boolean d : drop) {
      n += d ? 0 : 1;
    }
    int[] out = new int[n];
    for (int i = 0, j = 0; i < s.length; i++) {
      if (!drop[i]) {
        out[j++] = s[i];
      }
    }
    return out;
  }

  private static Operator unsqueeze(NodeContext ctx) {
    Node node = ctx.node();
    long[] attr = ctx.attrLongs("axes", null);
    if (ctx.opset() < 13 && attr == null) {
      throw ctx.error("attribute 'axes' is required before opset 13");
    }
    return (in, ec) -> {
      long[] spec = axesArg(ctx, in, attr);
      if (spec == null) {
        throw fail(node, "input 'axes' is required");
      }
      return ec.result(in[0].reshape(unsqueezed(node, in[0].shape(), spec)));
    };
  }

  static int[] unsqueezed(Node node, int[] s, long[] axes) {
    int rank = s.length + axes.length;
    boolean[] inserted = new boolean[rank];
    for (int a : ShapeSupport.axes(node, axes, rank, "Unsqueeze")) {
      inserted[a] = true;
    }
    int[] out = new int[rank];
    for (int i = 0, j = 0; i < rank; i++) {
      out[i] = inserted[i] ? 1 : s[j++];
    }
    return out;
  }

  // ---- Shape, Constant, ConstantOfShape, Dropout, Range --------------------------------------

  private static Operator shape(NodeContext ctx) {
    long start = ctx.opset() >= 15 ? ctx.attrLong("start", 0) : 0;
    Long end = ctx.opset() >= 15 && ctx.has("end") ? ctx.attrLong("end", 0) : null;
    return (in, ec) -> {
      int[] s = in[0].shape();
      int[] range = shapeRange(s.length, start, end);
      long[] out = new long[range[1] - range[0]];
      for (int i = 0; i < out.length; i++) {
        out[i] = s[range[0] + i];
      }
      return ec.result(Tensor.of(out, out.length));
    };
  }

  /** The [from, to) dimension range Shape-15 selects: negatives count from the end, clamped. */
  static int[] shapeRange(int rank, long start, Long end) {
    long a = start < 0 ? start + rank : start;
    long b = end == null ? rank : end < 0 ? end + rank : end;
    a = Math.max(0, Math.min(rank, a));
    b = Math.max(0, Math.min(rank, b));
    return new int[] {(int) a, (int) Math.max(a, b)};
  }

  private static Operator constant(NodeContext ctx) {
    Tensor t = constantValue(ctx);
    return (in, ec) -> ec.result(t.copy());
  }

  /** The tensor a Constant node holds, from whichever value attribute it sets. */
  static Tensor constantValue(NodeContext ctx) {
    Attribute a;
    if ((a = ctx.attr("value")) != null) {
      return a.asTensor();
    }
    if ((a = ctx.attr("value_float")) != null) {
      return Tensor.scalar(a.asFloat());
    }
    if ((a = ctx.attr("value_floats")) != null) {
      float[] f = a.asFloats();
      return Tensor.of(f, f.length);
    }
    if ((a = ctx.attr("value_int")) != null) {
      return Tensor.of(new long[] {a.asLong()});
    }
    if ((a = ctx.attr("value_ints")) != null) {
      long[] l = a.asLongs();
      return Tensor.of(l, l.length);
    }
    for (String k : List.of("value_string", "value_strings", "sparse_value")) {
      if (ctx.has(k)) {
        throw new UnsupportedOpException(ctx.node().describe() + ": Constant with '" + k
            + "' is not supported (no string or sparse tensors)");
      }
    }
    throw ctx.error("Constant needs one of value, value_float(s), value_int(s)");
  }

  private static Operator constantOfShape(NodeContext ctx) {
    Node node = ctx.node();
    Tensor value = ctx.attrTensor("value");
    if (value != null && value.size() != 1) {
      throw ctx.error("'value' must hold one element, got " + value.size());
    }
    DType dtype = value == null ? DType.F32 : value.dtype();
    Object fill = ShapeSupport.scalarArray(value, dtype);
    return (in, ec) -> {
      int[] shape = ShapeSupport.dims(node, longs(node, in[0], "shape"), "shape");
      Tensor out = ec.allocate(dtype, shape);
      if (value != null) {
        org.quantlens.engine.kernels.Copy.fill(out.data(), 0, out.size(), fill);
      }
      return ec.result(out);
    };
  }

  private static Operator range(NodeContext ctx) {
    Node node = ctx.node();
    return (in, ec) -> {
      DType t = in[0].dtype();
      if (in[1].dtype() != t || in[2].dtype() != t) {
        throw fail(node, "start, limit and delta must have one type, got " + t + ", "
            + in[1].dtype() + ", " + in[2].dtype());
      }
      if (t.isFloating()) {
        double start = in[0].getDouble(0);
        double delta = in[2].getDouble(0);
        if (delta == 0) {
          throw fail(node, "delta must not be 0");
        }
        double n = Math.ceil((in[1].getDouble(0) - start) / delta);
        Tensor out = ec.allocate(t, count(node, n));
        for (int i = 0; i < out.size(); i++) {
          out.setDouble(i, start + i * delta);
        }
        return ec.result(out);
      }
      long start = in[0].getLong(0);
      long delta = in[2].getLong(0);
      if (delta == 0) {
        throw fail(node, "delta must not be 0");
      }
      long span = in[1].getLong(0) - start;
      long n = span / delta + (span % delta != 0 && (span < 0) == (delta < 0) ? 1 : 0);
      Tensor out = ec.allocate(t, count(node, n));
      for (int i = 0; i < out.size(); i++) {
        out.setLong(i, start + i * delta);
      }
      return ec.result(out);
    };
  }

  private static int count(Node node, double n) {
    if (!(n <= Shapes.MAX_ELEMENTS)) {
      throw fail(node, "Range would have " + n + " elements");
    }
    return (int) Math.max(0, n);
  }
}
