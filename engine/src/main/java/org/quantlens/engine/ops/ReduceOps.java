package org.quantlens.engine.ops;

import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Reductions over any set of axes with {@code keepdims}: ReduceSum (axes as an input from opset
 * 13, with {@code noop_with_empty_axes}), ReduceMean, ReduceMax, ReduceMin, ReduceProd,
 * ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp, ReduceSumSquare (axes as an input from
 * opset 18), and ArgMax/ArgMin ({@code select_last_index} from opset 12).
 */
public final class ReduceOps implements OpFamily {
  /** The op family, ready to register into any {@link OpRegistry}. */
  public ReduceOps() {}

  @Override
  public void register(OpRegistry r) {
    reduce(r, "ReduceSum", ReduceCompute.SUM, 13);
    reduce(r, "ReduceMean", ReduceCompute.MEAN, 18);
    reduce(r, "ReduceMax", ReduceCompute.MAX, 18);
    reduce(r, "ReduceMin", ReduceCompute.MIN, 18);
    reduce(r, "ReduceProd", ReduceCompute.PROD, 18);
    reduce(r, "ReduceL1", ReduceCompute.L1, 18);
    reduce(r, "ReduceL2", ReduceCompute.L2, 18);
    reduce(r, "ReduceLogSum", ReduceCompute.LOG_SUM, 18);
    reduce(r, "ReduceLogSumExp", ReduceCompute.LOG_SUM_EXP, 18);
    reduce(r, "ReduceSumSquare", ReduceCompute.SUM_SQUARE, 18);
    for (int since : new int[] {1, 12}) {
      r.register("ArgMax", since, ctx -> arg(ctx, true));
      r.register("ArgMin", since, ctx -> arg(ctx, false));
    }
  }

  /** Registers the attribute form from opset 1 and the input form from {@code inputSince}. */
  private static void reduce(OpRegistry r, String name, int kind, int inputSince) {
    r.register(name, 1, ctx -> {
      int[] axes = ctx.attrInts("axes", new int[0]);
      return reduceOp(ctx, kind, axes, false);
    });
    r.register(name, inputSince, ctx -> {
      Tensor constAxes = ctx.inputCount() > 1 && ctx.hasInput(1) ? ctx.constant(1) : null;
      return reduceOp(ctx, kind, constAxes == null ? null : constAxes.toInts(), true);
    });
  }

  /**
   * @param axes the axes when known at load, else null (read from input 1 at run time)
   * @param inputForm opset where axes are an input and noop_with_empty_axes exists
   */
  private static Operator reduceOp(NodeContext ctx, int kind, int[] axes, boolean inputForm) {
    String node = ctx.node().describe();
    boolean keepdims = ctx.attrInt("keepdims", 1) != 0;
    boolean noop = inputForm && ctx.attrInt("noop_with_empty_axes", 0) != 0;
    return (in, ex) -> {
      Tensor x = in[0];
      int[] ax = axes != null ? axes
          : in.length > 1 && in[1] != null ? in[1].toInts() : new int[0];
      if (ax.length == 0 && noop) {
        return ex.result(x.copy());
      }
      ReducePlan p = ReducePlan.of(x.shape(), ax, keepdims, node);
      return ex.result(ReduceCompute.apply(kind, x, p, ex, node));
    };
  }

  private static Operator arg(NodeContext ctx, boolean max) {
    String node = ctx.node().describe();
    int axis = ctx.attrInt("axis", 0);
    boolean keepdims = ctx.attrInt("keepdims", 1) != 0;
    boolean last = ctx.attrInt("select_last_index", 0) != 0;
    return (in, ex) -> ex.result(argReduce(in[0], axis, keepdims, max, last, node));
  }

  /**
   * Index of the largest (smallest) element along {@code axis}, as int64. NaN counts as the
   * extreme (numpy's rule); ties go to the first index, or the last with {@code last}.
   */
  static Tensor argReduce(Tensor x, int axis, boolean keepdims, boolean max, boolean last,
      String node) {
    int[] shape = x.shape();
    int a = Shapes.axis(axis, shape.length, node);
    int len = shape[a];
    int outer = 1;
    for (int i = 0; i < a; i++) {
      outer *= shape[i];
    }
    int inner = Shapes.size(shape) / Math.max(1, outer * len);
    if (len == 0) {
      throw new ShapeMismatchException(node + ": cannot take the arg" + (max ? "max" : "min")
          + " of an empty axis " + axis + " of " + java.util.Arrays.toString(shape));
    }
    int[] outShape = ReducePlan.of(shape, new int[] {a}, keepdims, node).outShape;
    long[] out = new long[outer * inner];
    DType t = x.dtype();
    if (t == DType.F32) { // the common case (class scores): no conversion
      float[] v = x.floats();
      for (int o = 0; o < outer; o++) {
        for (int j = 0; j < inner; j++) {
          int base = o * len * inner + j;
          int best = 0;
          float bv = v[base];
          for (int k = 1; k < len; k++) {
            float c = v[base + k * inner];
            boolean better = bv != bv ? last && c != c // NaN is the extreme
                : c != c || (max ? c > bv : c < bv) || (last && c == bv);
            if (better) {
              best = k;
              bv = c;
            }
          }
          out[o * inner + j] = best;
        }
      }
    } else if (t.isFloating()) {
      double[] v = ElementwiseData.doubles(x);
      for (int o = 0; o < outer; o++) {
        for (int j = 0; j < inner; j++) {
          int base = o * len * inner + j;
          int best = 0;
          double bv = v[base];
          for (int k = 1; k < len; k++) {
            double c = v[base + k * inner];
            boolean better = Double.isNaN(bv) ? last && Double.isNaN(c)
                : Double.isNaN(c) || (max ? c > bv : c < bv) || (last && c == bv);
            if (better) {
              best = k;
              bv = c;
            }
          }
          out[o * inner + j] = best;
        }
      }
    } else {
      boolean u64 = ElementwiseData.u64(t);
      long[] v = ElementwiseData.longs(x);
      for (int o = 0; o < outer; o++) {
        for (int j = 0; j < inner; j++) {
          int base = o * len * inner + j;
          int best = 0;
          long bv = v[base];
          for (int k = 1; k < len; k++) {
            long c = v[base + k * inner];
            int cmp = u64 ? Long.compareUnsigned(c, bv) : Long.compare(c, bv);
            if ((max ? cmp > 0 : cmp < 0) || (last && cmp == 0)) {
              best = k;
              bv = c;
            }
          }
          out[o * inner + j] = best;
        }
      }
    }
    return Tensor.of(out, outShape);
  }
}
