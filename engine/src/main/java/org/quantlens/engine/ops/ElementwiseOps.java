package org.quantlens.engine.ops;

import static org.quantlens.engine.ops.ElementwiseBinary.ADD;
import static org.quantlens.engine.ops.ElementwiseBinary.AND;
import static org.quantlens.engine.ops.ElementwiseBinary.DIV;
import static org.quantlens.engine.ops.ElementwiseBinary.EQ;
import static org.quantlens.engine.ops.ElementwiseBinary.FMOD;
import static org.quantlens.engine.ops.ElementwiseBinary.GE;
import static org.quantlens.engine.ops.ElementwiseBinary.GT;
import static org.quantlens.engine.ops.ElementwiseBinary.LE;
import static org.quantlens.engine.ops.ElementwiseBinary.LT;
import static org.quantlens.engine.ops.ElementwiseBinary.MAX;
import static org.quantlens.engine.ops.ElementwiseBinary.MIN;
import static org.quantlens.engine.ops.ElementwiseBinary.MOD;
import static org.quantlens.engine.ops.ElementwiseBinary.MUL;
import static org.quantlens.engine.ops.ElementwiseBinary.OR;
import static org.quantlens.engine.ops.ElementwiseBinary.POW;
import static org.quantlens.engine.ops.ElementwiseBinary.PRELU;
import static org.quantlens.engine.ops.ElementwiseBinary.SHL;
import static org.quantlens.engine.ops.ElementwiseBinary.SHR;
import static org.quantlens.engine.ops.ElementwiseBinary.SUB;
import static org.quantlens.engine.ops.ElementwiseBinary.XOR;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.VectorMath;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Element-wise ops: arithmetic, comparison and logic with numpy broadcasting (and the opset < 7
 * {@code broadcast}/{@code axis} attributes), variadic Max/Min/Sum/Mean, Where, BitShift, and the
 * unary math functions. Registered versions are those where our semantics change.
 */
public final class ElementwiseOps implements OpFamily {
  /** The op family, ready to register into any {@link OpRegistry}. */
  public ElementwiseOps() {}

  @Override
  public void register(OpRegistry r) {
    binary(r, "Add", ADD, 1, 7);
    binary(r, "Sub", SUB, 1, 7);
    binary(r, "Mul", MUL, 1, 7);
    binary(r, "Div", DIV, 1, 7);
    binary(r, "Pow", POW, 1, 7);
    binary(r, "Equal", EQ, 1, 7);
    binary(r, "Less", LT, 1, 7);
    binary(r, "Greater", GT, 1, 7);
    binary(r, "LessOrEqual", LE, 12);
    binary(r, "GreaterOrEqual", GE, 12);
    binary(r, "And", AND, 1, 7);
    binary(r, "Or", OR, 1, 7);
    binary(r, "Xor", XOR, 1, 7);
    r.register("Mod", 10, ctx -> binaryOp(ctx, ctx.attrInt("fmod", 0) == 1 ? FMOD : MOD));
    r.register("BitShift", 11, ElementwiseOps::bitShift);
    for (int since : new int[] {1, 7}) {
      r.register("PRelu", since, ElementwiseOps::prelu);
    }
    for (int since : new int[] {1, 8}) { // same shapes before 8, broadcasting from 8
      r.register("Max", since, ctx -> variadic(ctx, MAX, false));
      r.register("Min", since, ctx -> variadic(ctx, MIN, false));
      r.register("Sum", since, ctx -> variadic(ctx, ADD, false));
      r.register("Mean", since, ctx -> variadic(ctx, ADD, true));
    }
    r.register("Where", 9, ElementwiseOps::where);
    r.register("Not", 1, ElementwiseOps::not);
    r.register("IsNaN", 9, ctx -> isNanOrInf(ctx, true, true, true));
    r.register("IsInf", 10, ctx -> isNanOrInf(ctx, false,
        ctx.attrInt("detect_negative", 1) != 0, ctx.attrInt("detect_positive", 1) != 0));
    unary(r, "Abs", VectorMath.ABS, 1);
    unary(r, "Neg", VectorMath.NEG, 1);
    unary(r, "Sqrt", VectorMath.SQRT, 1);
    unary(r, "Exp", VectorMath.EXP, 1);
    unary(r, "Log", VectorMath.LOG, 1);
    unary(r, "Reciprocal", VectorMath.RECIPROCAL, 1);
    unary(r, "Floor", VectorMath.FLOOR, 1);
    unary(r, "Ceil", VectorMath.CEIL, 1);
    unary(r, "Round", VectorMath.ROUND, 11);
    unary(r, "Sign", VectorMath.SIGN, 9);
    unary(r, "Erf", VectorMath.ERF, 9);
    unary(r, "Sin", VectorMath.SIN, 7);
    unary(r, "Cos", VectorMath.COS, 7);
    unary(r, "Tan", VectorMath.TAN, 7);
    unary(r, "Asin", VectorMath.ASIN, 7);
    unary(r, "Acos", VectorMath.ACOS, 7);
    unary(r, "Atan", VectorMath.ATAN, 7);
    unary(r, "Sinh", VectorMath.SINH, 9);
    unary(r, "Cosh", VectorMath.COSH, 9);
    unary(r, "Asinh", VectorMath.ASINH, 9);
    unary(r, "Acosh", VectorMath.ACOSH, 9);
    unary(r, "Atanh", VectorMath.ATANH, 9);
  }

  private static void binary(OpRegistry r, String name, int op, int... since) {
    for (int v : since) {
      r.register(name, v, ctx -> binaryOp(ctx, op));
    }
  }

  private static void unary(OpRegistry r, String name, int op, int since) {
    r.register(name, since, ctx -> {
      String node = ctx.node().describe();
      return (in, ex) -> ex.result(ElementwiseUnary.map(op, 0, 0, in[0], ex, node));
    });
  }

  private static Operator binaryOp(NodeContext ctx, int op) {
    String node = ctx.node().describe();
    int axis = legacyAxis(ctx);
    ElementwiseBinary.Plans plans = new ElementwiseBinary.Plans();
    return (in, ex) -> {
      Tensor b = axis == Integer.MIN_VALUE ? in[1] : legacyAlign(in[0], in[1], axis, node);
      return ex.result(ElementwiseBinary.apply(op, in[0], b, ex, node, plans));
    };
  }

  /**
   * Before opset 7, {@code broadcast=1} with {@code axis} lines B's dimensions up with A's
   * starting at {@code axis} (not at the end, as numpy does); returns that axis, or MIN_VALUE when
   * numpy rules apply (no axis given means suffix matching, which is numpy's).
   */
  private static int legacyAxis(NodeContext ctx) {
    if (ctx.opset() >= 7 || ctx.attrInt("broadcast", 0) == 0 || !ctx.has("axis")) {
      return Integer.MIN_VALUE;
    }
    return ctx.attrInt("axis", 0);
  }

  /** B viewed with trailing 1s so numpy broadcasting puts its dimensions at {@code axis} of A. */
  static Tensor legacyAlign(Tensor a, Tensor b, int axis, String node) {
    int ax = axis < 0 ? axis + a.rank() : axis;
    if (ax < 0 || ax > a.rank() - b.rank()) { // not ax + rank: a huge axis would overflow
      throw new ShapeMismatchException(node + ": cannot broadcast " + Arrays.toString(b.shape())
          + " into " + Arrays.toString(a.shape()) + " at axis " + axis);
    }
    int[] s = new int[a.rank() - ax];
    Arrays.fill(s, 1);
    System.arraycopy(b.shape(), 0, s, 0, b.rank());
    return b.reshape(s);
  }

  /**
   * PRelu: slope broadcast to X (unidirectionally). Opset 6 and older exports (PyTorch) give one
   * slope per channel as a 1-D tensor of X's dimension 1, which is aligned with the channel axis.
   */
  private static Operator prelu(NodeContext ctx) {
    String node = ctx.node().describe();
    boolean legacy = ctx.opset() < 7;
    return (in, ex) -> {
      Tensor x = in[0];
      Tensor slope = in[1];
      if (legacy && slope.rank() == 1 && x.rank() > 2 && slope.size() == x.dim(1)) {
        slope = legacyAlign(x, slope, 1, node);
      }
      Tensor y = ElementwiseBinary.apply(PRELU, x, slope, ex, node);
      if (!Arrays.equals(y.shape(), x.shape())) {
        throw new ShapeMismatchException(node + ": slope " + Arrays.toString(slope.shape())
            + " does not broadcast to X " + Arrays.toString(x.shape()));
      }
      return ex.result(y);
    };
  }

  private static Operator bitShift(NodeContext ctx) {
    String dir = ctx.attrString("direction", "");
    if (!dir.equals("LEFT") && !dir.equals("RIGHT")) {
      throw ctx.error("direction must be LEFT or RIGHT, got '" + dir + "'");
    }
    return binaryOp(ctx, dir.equals("LEFT") ? SHL : SHR);
  }

  /** Max, Min, Sum, Mean over any number of broadcast inputs, folded left to right. */
  private static Operator variadic(NodeContext ctx, int op, boolean mean) {
    String node = ctx.node().describe();
    return (in, ex) -> {
      if (in.length == 0) {
        throw new ShapeMismatchException(node + ": needs at least one input");
      }
      Tensor acc = in.length == 1 ? in[0].copy() : ElementwiseBinary.apply(op, in[0], in[1], ex, node);
      for (int k = 2; k < in.length; k++) {
        acc = ElementwiseBinary.apply(op, acc, in[k], ex, node);
      }
      if (mean && in.length > 1) {
        Tensor n = ex.allocate(acc.dtype());
        n.setLong(0, in.length);
        acc = ElementwiseBinary.apply(DIV, acc, n, ex, node);
      }
      return ex.result(acc);
    };
  }

  private static Operator not(NodeContext ctx) {
    String node = ctx.node().describe();
    return (in, ex) -> {
      Tensor x = in[0];
      if (x.dtype() != DType.BOOL) {
        throw ElementwiseData.badType(node, x.dtype());
      }
      byte[] v = x.bytes();
      byte[] out = new byte[x.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = (byte) (v[i] == 0 ? 1 : 0);
      }
      return ex.result(Tensor.wrap(DType.BOOL, out, x.shape()));
    };
  }

  /** IsNaN (nan = true) or IsInf with its detect_negative / detect_positive choices. */
  private static Operator isNanOrInf(NodeContext ctx, boolean nan, boolean neg, boolean pos) {
    String node = ctx.node().describe();
    return (in, ex) -> {
      Tensor x = in[0];
      if (!x.dtype().isFloating()) {
        throw ElementwiseData.badType(node, x.dtype());
      }
      double[] v = ElementwiseData.doubles(x);
      byte[] out = new byte[x.size()];
      for (int i = 0; i < out.length; i++) {
        double d = v[i];
        boolean hit = nan ? Double.isNaN(d)
            : (neg && d == Double.NEGATIVE_INFINITY) || (pos && d == Double.POSITIVE_INFINITY);
        out[i] = (byte) (hit ? 1 : 0);
      }
      return ex.result(Tensor.wrap(DType.BOOL, out, x.shape()));
    };
  }

  /** Where(cond, X, Y): X where cond, else Y, all three broadcast. */
  private static Operator where(NodeContext ctx) {
    String node = ctx.node().describe();
    return (in, ex) -> {
      Tensor c = in[0];
      Tensor x = in[1];
      Tensor y = in[2];
      if (c.dtype() != DType.BOOL) {
        throw new ShapeMismatchException(node + ": condition must be BOOL, got " + c.dtype());
      }
      if (x.dtype() != y.dtype()) {
        throw new ShapeMismatchException(node + ": X and Y have different types, " + x.dtype()
            + " and " + y.dtype());
      }
      BroadcastPlan p = BroadcastPlan.of(node, c.shape(), x.shape(), y.shape());
      byte[] cb = c.bytes();
      if (x.dtype() == DType.F32) {
        float[] out = ex.allocate(DType.F32, p.size).floats();
        select(p, cb, x.floats(), y.floats(), out);
        return ex.result(Tensor.of(out, p.outShape));
      }
      long[] out = new long[p.size];
      selectBits(p, cb, bits(x), bits(y), out);
      return ex.result(fromBits(x.dtype(), out, p.outShape));
    };
  }

  private static void select(BroadcastPlan p, byte[] c, float[] x, float[] y, float[] out) {
    int sc = p.innerStride(0);
    int sx = p.innerStride(1);
    int sy = p.innerStride(2);
    BroadcastPlan.Cursor cur = p.cursor();
    for (int r = 0, o = 0; r < p.rows; r++, o += p.inner) {
      int co = cur.off[0];
      int xo = cur.off[1];
      int yo = cur.off[2];
      for (int i = 0; i < p.inner; i++) {
        out[o + i] = c[co + i * sc] != 0 ? x[xo + i * sx] : y[yo + i * sy];
      }
      cur.next();
    }
  }

  private static void selectBits(BroadcastPlan p, byte[] c, long[] x, long[] y, long[] out) {
    int sc = p.innerStride(0);
    int sx = p.innerStride(1);
    int sy = p.innerStride(2);
    BroadcastPlan.Cursor cur = p.cursor();
    for (int r = 0, o = 0; r < p.rows; r++, o += p.inner) {
      int co = cur.off[0];
      int xo = cur.off[1];
      int yo = cur.off[2];
      for (int i = 0; i < p.inner; i++) {
        out[o + i] = c[co + i * sc] != 0 ? x[xo + i * sx] : y[yo + i * sy];
      }
      cur.next();
    }
  }

  /** Any tensor's elements as raw bits in longs (for pure selection, which never does math). */
  private static long[] bits(Tensor t) {
    int n = t.size();
    long[] l = new long[n];
    switch (t.dtype()) {
      case F64: {
        double[] d = t.doubles();
        for (int i = 0; i < n; i++) {
          l[i] = Double.doubleToRawLongBits(d[i]);
        }
        return l;
      }
      case F16: {
        short[] h = t.shorts();
        for (int i = 0; i < n; i++) {
          l[i] = h[i];
        }
        return l;
      }
      default:
        return ElementwiseData.longs(t);
    }
  }

  private static Tensor fromBits(DType type, long[] v, int[] shape) {
    if (type == DType.F64) {
      double[] d = new double[v.length];
      for (int i = 0; i < v.length; i++) {
        d[i] = Double.longBitsToDouble(v[i]);
      }
      return Tensor.wrap(DType.F64, d, shape);
    }
    if (type == DType.F16) {
      short[] h = new short[v.length];
      for (int i = 0; i < v.length; i++) {
        h[i] = (short) v[i];
      }
      return Tensor.wrap(DType.F16, h, shape);
    }
    return ElementwiseData.fromLongs(type, v, shape);
  }
}
