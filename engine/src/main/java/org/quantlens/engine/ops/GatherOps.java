package org.quantlens.engine.ops;

import static org.quantlens.engine.ops.ShapeSupport.fail;

import java.util.Arrays;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.kernels.Copy;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Gather (whole slices along an axis; an embedding lookup), GatherElements (per element) and
 * com.quantlens.QuantizedGather (a lookup in an 8-bit table, {@link QuantGatherOp}).
 */
final class GatherOps {
  private GatherOps() {}

  static void register(OpRegistry r) {
    r.register("Gather", 1, GatherOps::gather);
    r.register("Gather", 11, GatherOps::gather);
    r.register("GatherElements", 11, GatherOps::gatherElements);
    r.register(OpRegistry.QUANTLENS_DOMAIN, "QuantizedGather", 1, QuantGatherOp::create);
  }

  /** Indices as ints in [0, n): negatives count from the end; anything else out of range fails. */
  static int[] indices(Node node, Tensor t, int n) {
    return indices(node, t, n, new int[t.size()]);
  }

  /** {@link #indices(Node, Tensor, int)} written into {@code r} (at least {@code t.size()} long). */
  static int[] indices(Node node, Tensor t, int n, int[] r) {
    if (t.dtype() != DType.I64 && t.dtype() != DType.I32) {
      throw fail(node, "indices must be int32 or int64, got " + t.dtype());
    }
    for (int i = 0, size = t.size(); i < size; i++) {
      long v = t.dtype() == DType.I64 ? t.longs()[i] : t.ints()[i];
      long k = v < 0 ? v + n : v;
      if (k < 0 || k >= n) {
        throw fail(node, "index " + v + " is out of range for a dimension of size " + n);
      }
      r[i] = (int) k;
    }
    return r;
  }

  private static Operator gather(NodeContext ctx) {
    Node node = ctx.node();
    long axisAttr = ctx.attrLong("axis", 0);
    // {output shape, {axis, n, outer, inner}, indices shape} of the last data shape, valid while
    // the indices keep their shape too: no shape arrays per call
    ShapeKeyed<int[][]> plans = new ShapeKeyed<>();
    return (in, ec) -> {
      Tensor x = in[0];
      int[][] plan = plans.get(x);
      if (plan != null && !in[1].hasShape(plan[2])) {
        plan = null;
      }
      if (plan == null) {
        int[] s = x.shape();
        int a = ShapeSupport.axis(node, axisAttr, s.length);
        int[] q = in[1].shape();
        int[] shape = new int[s.length - 1 + q.length];
        System.arraycopy(s, 0, shape, 0, a);
        System.arraycopy(q, 0, shape, a, q.length);
        System.arraycopy(s, a + 1, shape, a + q.length, s.length - a - 1);
        plan = plans.put(x, new int[][] {shape, {a, s[a], ShapeSupport.product(s, 0, a),
            ShapeSupport.product(s, a + 1, s.length)}, q});
      }
      int n = plan[1][1];
      // the converted indices live in a recycled session buffer, released below
      // (shaped like the indices: allocate(type, like) needs no shape array per call)
      Tensor idxBuf = ec.allocate(DType.I32, in[1]);
      int[] idx = indices(node, in[1], n, idxBuf.ints());
      Tensor out = ec.allocate(x.dtype(), plan[0]);
      int outer = plan[1][2];
      int inner = plan[1][3];
      int m = in[1].size();
      Object src = x.data();
      Object dst = out.data();
      for (int o = 0; o < outer; o++) {
        if (inner == 1) {
          Copy.gather(src, o * n, idx, 0, dst, o * m, m);
          continue;
        }
        for (int j = 0; j < m; j++) {
          System.arraycopy(src, (o * n + idx[j]) * inner, dst, (o * m + j) * inner, inner);
        }
      }
      ec.release(idxBuf);
      return ec.result(out);
    };
  }

  private static Operator gatherElements(NodeContext ctx) {
    Node node = ctx.node();
    long axisAttr = ctx.attrLong("axis", 0);
    return (in, ec) -> {
      Tensor x = in[0];
      int[] s = x.shape();
      int[] q = in[1].shape();
      int a = ShapeSupport.axis(node, axisAttr, s.length);
      if (q.length != s.length) {
        throw fail(node, "indices " + Arrays.toString(q) + " must have the rank of data "
            + Arrays.toString(s));
      }
      for (int d = 0; d < s.length; d++) {
        if (d != a && q[d] > s[d]) {
          throw fail(node, "indices " + Arrays.toString(q) + " exceed data " + Arrays.toString(s)
              + " in dimension " + d);
        }
      }
      int[] idx = indices(node, in[1], s[a]);
      int[] xs = Shapes.strides(s);
      int total = idx.length;
      // Turn each index into a flat source position: walk the index tensor in C order while
      // tracking the data offset of every coordinate except the gathered axis.
      int[] pos = new int[q.length];
      int base = 0;
      for (int i = 0; i < total; i++) {
        idx[i] = base + idx[i] * xs[a];
        for (int d = q.length - 1; d >= 0; d--) {
          if (++pos[d] < q[d]) {
            base += d == a ? 0 : xs[d];
            break;
          }
          base -= d == a ? 0 : (q[d] - 1) * xs[d];
          pos[d] = 0;
        }
      }
      Tensor out = ec.allocate(x.dtype(), q);
      Copy.gather(x.data(), 0, idx, 0, out.data(), 0, total);
      return ec.result(out);
    };
  }
}
