package org.quantlens.engine.ops;

import static org.quantlens.engine.ops.ShapeSupport.fail;
import static org.quantlens.engine.ops.ShapeSupport.longs;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.kernels.Copy;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/** Concat and Split (block copies along an axis), Expand and Tile (copies with zero strides). */
final class ShapeJoinOps {
  /** Below this many output elements a copy stays on the calling thread. */
  private static final int PARALLEL_MIN = 1 << 16;

  private ShapeJoinOps() {}

  static void register(OpRegistry r) {
    r.register("Concat", 1, ShapeJoinOps::concat);
    r.register("Concat", 4, ShapeJoinOps::concat);
    r.register("Concat", 11, ShapeJoinOps::concat);
    r.register("Split", 1, ShapeJoinOps::split);
    r.register("Split", 2, ShapeJoinOps::split);
    r.register("Split", 11, ShapeJoinOps::split);
    r.register("Split", 13, ShapeJoinOps::split);
    r.register("Split", 18, ShapeJoinOps::split);
    r.register("Expand", 8, ShapeJoinOps::expand);
    r.register("Tile", 1, ShapeJoinOps::tile);
    r.register("Tile", 6, ShapeJoinOps::tile);
  }

  // ---- Concat ------------------------------------------------------------------------------

  private static Operator concat(NodeContext ctx) {
    Node node = ctx.node();
    if (ctx.opset() >= 4 && !ctx.has("axis")) {
      throw ctx.error("attribute 'axis' is required");
    }
    long axisAttr = ctx.attrLong("axis", 1);
    return (in, ec) -> {
      Tensor first = in[0];
      int[] s = first.shape();
      int a = ShapeSupport.axis(node, axisAttr, s.length);
      int[] out = s.clone();
      out[a] = 0;
      for (Tensor t : in) {
        if (t.dtype() != first.dtype() || t.rank() != s.length) {
          throw fail(node, "inputs must share type and rank: " + first.dtype() + Arrays.toString(s)
              + " vs " + t.dtype() + Arrays.toString(t.shape()));
        }
        for (int d = 0; d < s.length; d++) {
          if (d != a && t.dim(d) != s[d]) {
            throw fail(node, "input shapes " + Arrays.toString(s) + " and "
                + Arrays.toString(t.shape()) + " differ outside axis " + a);
          }
        }
        out[a] = Math.addExact(out[a], t.dim(a));
      }
      Tensor y = ec.allocate(first.dtype(), out);
      int outer = ShapeSupport.product(s, 0, a);
      int inner = ShapeSupport.product(s, a + 1, s.length);
      int rowLen = out[a] * inner;
      int tasks = y.size() < PARALLEL_MIN ? 1 : Math.min(outer, ec.threads());
      if (tasks <= 1) {
        concatRows(in, a, inner, y.data(), rowLen, 0, outer);
      } else {
        ec.forRange(tasks, t -> concatRows(in, a, inner, y.data(), rowLen,
            (int) ((long) outer * t / tasks), (int) ((long) outer * (t + 1) / tasks)));
      }
      return ec.result(y);
    };
  }

  private static void concatRows(Tensor[] in, int a, int inner, Object dst, int rowLen, int from,
      int to) {
    for (int o = from; o < to; o++) {
      int off = o * rowLen;
      for (Tensor t : in) {
        int chunk = t.dim(a) * inner;
        System.arraycopy(t.data(), o * chunk, dst, off, chunk);
        off += chunk;
      }
    }
  }

  // ---- Split -------------------------------------------------------------------------------

  private static Operator split(NodeContext ctx) {
    Node node = ctx.node();
    long axisAttr = ctx.attrLong("axis", 0);
    long[] attrSplit = ctx.opset() < 13 ? ctx.attrLongs("split", null) : null;
    boolean inputSplit = ctx.opset() < 2 || ctx.opset() >= 13;
    int outputs = ctx.outputCount();
    if (ctx.opset() >= 18 && ctx.has("num_outputs") && ctx.attrLong("num_outputs", 0) != outputs) {
      throw ctx.error("num_outputs " + ctx.attrLong("num_outputs", 0) + " differs from the "
          + outputs + " outputs");
    }
    return (in, ec) -> {
      Tensor x = in[0];
      int[] s = x.shape();
      int a = ShapeSupport.axis(node, axisAttr, s.length);
      long[] spec = inputSplit && in.length > 1 && in[1] != null ? longs(node, in[1], "split")
          : attrSplit;
      int[] sizes = splitSizes(node, s[a], spec, outputs);
      int outer = ShapeSupport.product(s, 0, a);
      int inner = ShapeSupport.product(s, a + 1, s.length);
      Tensor[] out = new Tensor[outputs];
      int start = 0;
      for (int k = 0; k < outputs; k++) {
        int[] shape = s.clone();
        shape[a] = sizes[k];
        out[k] = ec.allocate(x.dtype(), shape);
        int chunk = sizes[k] * inner;
        for (int o = 0; o < outer; o++) {
          System.arraycopy(x.data(), (o * s[a] + start) * inner, out[k].data(), o * chunk, chunk);
        }
        start += sizes[k];
      }
      return out;
    };
  }

  /**
   * Part sizes along the split axis: given ones must add up to {@code dim}; without them the
   * parts are equal, the last one smaller when {@code dim} does not divide (opset 18 rule).
   */
  static int[] splitSizes(Node node, int dim, long[] spec, int outputs) {
    int[] sizes = new int[outputs];
    if (spec != null) {
      long sum = 0;
      if (spec.length != outputs) {
        throw fail(node, "split " + Arrays.toString(spec) + " has " + spec.length
            + " parts for " + outputs + " outputs");
      }
      for (int k = 0; k < outputs; k++) {
        if (spec[k] < 0) {
          throw fail(node, "negative split size in " + Arrays.toString(spec));
        }
        sum += spec[k];
        sizes[k] = (int) Math.min(spec[k], Integer.MAX_VALUE);
      }
      if (sum != dim) {
        throw fail(node, "split " + Arrays.toString(spec) + " adds up to " + sum + ", not " + dim);
      }
      return sizes;
    }
    int part = (dim + outputs - 1) / outputs;
    int left = dim;
    for (int k = 0; k < outputs; k++) {
      sizes[k] = Math.min(part, left);
      left -= sizes[k];
    }
    return sizes;
  }

  // ---- Expand, Tile ------------------------------------------------------------------------

  private static Operator expand(NodeContext ctx) {
    Node node = ctx.node();
    return (in, ec) -> {
      Tensor x = in[0];
      int[] target = ShapeSupport.dims(node, longs(node, in[1], "shape"), "shape");
      int[] out;
      try {
        out = Shapes.broadcast(x.shape(), target);
      } catch (ShapeMismatchException e) {
        throw fail(node, e.getMessage());
      }
      Tensor y = ec.allocate(x.dtype(), out);
      Copy.strided(ec, x.data(), 0, out, Shapes.broadcastStrides(x.shape(), out), y.data(), 0);
      return ec.result(y);
    };
  }

  private static Operator tile(NodeContext ctx) {
    Node node = ctx.node();
    boolean v1 = ctx.opset() < 6;
    int arity = v1 ? 3 : 2;
    if (node.inputs().size() != arity) {
      throw ctx.error("Tile-" + (v1 ? 1 : 6) + " takes " + arity + " inputs, got " + node.inputs().size());
    }
    return (in, ec) -> {
      Tensor x = in[0];
      int[] s = x.shape();
      long[] reps;
      if (v1) { // Tile-1: a scalar count of tiles along one axis
        reps = new long[s.length];
        Arrays.fill(reps, 1);
        reps[ShapeSupport.axis(node, in[2].getLong(0), s.length)] = in[1].getLong(0);
      } else {
        reps = longs(node, in[1], "repeats");
      }
      if (reps.length != s.length) {
        throw fail(node, "repeats " + Arrays.toString(reps) + " must have one entry per dimension of "
            + Arrays.toString(s));
      }
      int[] r = ShapeSupport.dims(node, reps, "repeats");
      int[] out = new int[s.length];
      for (int d = 0; d < s.length; d++) {
        long o = (long) s[d] * r[d];
        if (o > Integer.MAX_VALUE) {
          throw fail(node, "repeats " + Arrays.toString(reps) + " make dimension " + d + " of "
              + Arrays.toString(s) + " too large (" + o + ")");
        }
        out[d] = (int) o;
      }
      Tensor y = ec.allocate(x.dtype(), out);
      // The output read as [r0, s0, r1, s1, ...] in C order, with stride 0 on the repeat axes.
      int[] strides = Shapes.strides(s);
      int[] viewShape = new int[2 * s.length];
      int[] viewStrides = new int[2 * s.length];
      for (int d = 0; d < s.length; d++) {
        viewShape[2 * d] = r[d];
        viewShape[2 * d + 1] = s[d];
        viewStrides[2 * d + 1] = strides[d];
      }
      Copy.strided(ec, x.data(), 0, viewShape, viewStrides, y.data(), 0);
      return ec.result(y);
    };
  }
}
