package org.quantlens.engine.ops;

import static org.quantlens.engine.ops.ShapeSupport.fail;
import static org.quantlens.engine.ops.ShapeSupport.longs;

import org.quantlens.engine.graph.Node;
import org.quantlens.engine.kernels.Copy;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Slice: attributes starts/ends/axes before opset 10, inputs (with steps) from 10. Indices follow
 * the ONNX rules: negatives count from the end, then starts clamp to [0, dim] ([0, dim-1] for
 * negative steps) and ends to [0, dim] ([-1, dim-1]), so INT64_MAX / INT64_MIN mean "to the end".
 */
final class SliceOps {
  private SliceOps() {}

  static void register(OpRegistry r) {
    r.register("Slice", 1, SliceOps::slice);
    r.register("Slice", 10, SliceOps::slice);
    r.register("Slice", 13, SliceOps::slice);
  }

  private static Operator slice(NodeContext ctx) {
    Node node = ctx.node();
    boolean attrs = ctx.opset() < 10;
    long[] aStarts = attrs ? ctx.attrLongs("starts", null) : null;
    long[] aEnds = attrs ? ctx.attrLongs("ends", null) : null;
    long[] aAxes = attrs ? ctx.attrLongs("axes", null) : null;
    if (attrs && (aStarts == null || aEnds == null)) {
      throw ctx.error("attributes 'starts' and 'ends' are required before opset 10");
    }
    return (in, ec) -> {
      Tensor x = in[0];
      long[] starts = attrs ? aStarts : longs(node, in[1], "starts");
      long[] ends = attrs ? aEnds : longs(node, in[2], "ends");
      long[] axes = attrs ? aAxes : in.length > 3 && in[3] != null ? longs(node, in[3], "axes") : null;
      long[] steps = !attrs && in.length > 4 && in[4] != null ? longs(node, in[4], "steps") : null;
      int[][] plan = plan(node, x.shape(), starts, ends, axes, steps);
      int[] shape = plan[0];
      int[] start = plan[1];
      int[] step = plan[2];
      int[] strides = Shapes.strides(x.shape());
      int offset = 0;
      int[] srcStrides = new int[shape.length];
      for (int d = 0; d < shape.length; d++) {
        offset += start[d] * strides[d];
        srcStrides[d] = step[d] * strides[d];
      }
      Tensor out = ec.allocate(x.dtype(), shape);
      Copy.strided(ec, x.data(), offset, shape, srcStrides, out.data(), 0);
      return ec.result(out);
    };
  }

  /**
   * Per dimension of the input: {output size, first index, step}. Exposed for shape inference.
   *
   * @param axes null for {@code 0..len(starts)-1}
   * @param steps null for all ones
   */
  static int[][] plan(Node node, int[] dims, long[] starts, long[] ends, long[] axes, long[] steps) {
    int r = dims.length;
    if (starts.length != ends.length || axes != null && axes.length != starts.length
        || steps != null && steps.length != starts.length) {
      throw fail(node, "starts, ends, axes and steps must have one length");
    }
    int[] shape = dims.clone();
    int[] start = new int[r];
    int[] step = new int[r];
    java.util.Arrays.fill(step, 1);
    long[] ax = axes;
    if (ax == null) {
      ax = new long[starts.length];
      for (int i = 0; i < ax.length; i++) {
        ax[i] = i;
      }
    }
    int[] a = ShapeSupport.axes(node, ax, r, "Slice");
    for (int i = 0; i < a.length; i++) {
      long dim = dims[a[i]];
      long st = steps == null ? 1 : steps[i];
      if (st == 0) {
        throw fail(node, "step must not be 0");
      }
      long s = starts[i] < 0 ? starts[i] + dim : starts[i];
      long e = ends[i] < 0 ? ends[i] + dim : ends[i];
      long count;
      if (st > 0) {
        s = clamp(s, 0, dim);
        e = clamp(e, 0, dim);
        count = e > s ? (e - s + st - 1) / st : 0;
      } else {
        s = clamp(s, 0, dim - 1);
        e = clamp(e, -1, dim - 1);
        count = s > e ? (s - e - st - 1) / -st : 0;
      }
      if (dim == 0) {
        count = 0;
        s = 0;
      }
      shape[a[i]] = (int) count;
      start[a[i]] = (int) s;
      step[a[i]] = (int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, st));
    }
    return new int[][] {shape, start, step};
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
