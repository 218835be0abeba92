package org.quantlens.engine.train.grad;

import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Slice (attributes before opset 10, inputs with steps from 10): the gradient scatters back into
 * the sliced positions, zero elsewhere. Starts are resolved as the forward does (negatives from
 * the end, clamped to {@code [0, dim]}, or {@code [0, dim - 1]} for negative steps); the output
 * shape comes from the forward value.
 */
final class SliceGrad {
  private SliceGrad() {}

  static void register(GradRegistry r) {
    r.register("Slice", ShapeGrad.firstInputOnly(SliceGrad::slice));
  }

  private static void slice(GradContext g) {
    if (!g.needsGrad(0)) {
      return;
    }
    Tensor x = g.input(0);
    int[] xs = x.shape();
    int rank = xs.length;
    boolean attrs = g.node().opset() < 10;
    long[] starts = attrs ? g.node().attrLongs("starts", null) : g.input(1).toLongs();
    long[] axes = attrs ? g.node().attrLongs("axes", null)
        : g.input(3) != null ? g.input(3).toLongs() : null;
    long[] steps = !attrs && g.input(4) != null ? g.input(4).toLongs() : null;
    int[] start = new int[rank];
    int[] step = new int[rank];
    java.util.Arrays.fill(step, 1);
    for (int i = 0; i < starts.length; i++) {
      int a = (int) (axes == null ? i : axes[i] < 0 ? axes[i] + rank : axes[i]);
      long dim = xs[a];
      long st = steps == null ? 1 : steps[i];
      long s = starts[i] < 0 ? starts[i] + dim : starts[i];
      s = st > 0 ? Math.max(0, Math.min(dim, s)) : Math.max(0, Math.min(dim - 1, s));
      start[a] = dim == 0 ? 0 : (int) s;
      step[a] = (int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, st));
    }
    int[] ys = g.output(0).shape();
    int n = Shapes.size(ys);
    if (n == 0) {
      if (g.canOverwrite(0)) {
        java.util.Arrays.fill(g.overwriteGrad(0), 0, x.size(), 0f);
      }
      return;
    }
    int[] stride = Shapes.strides(xs);
    int[] st = new int[rank];
    int off = 0;
    for (int d = 0; d < rank; d++) {
      st[d] = step[d] * stride[d];
      off += start[d] * stride[d];
    }
    float[] dy = g.outputGrad(0);
    float[] dx = g.inputGrad(0);
    int[] idx = new int[rank];
    for (int i = 0; i < n; i++) {
      dx[off] += dy[i];
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < ys[d]) {
          off += st[d];
          break;
        }
        off -= st[d] * (ys[d] - 1);
        idx[d] = 0;
      }
    }
  }
}
