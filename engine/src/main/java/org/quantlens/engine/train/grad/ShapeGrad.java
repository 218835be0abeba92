package org.quantlens.engine.train.grad;

import java.util.SplittableRandom;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Data-movement ops: views (Identity, Flatten, Reshape, Squeeze, Unsqueeze) pass the gradient
 * through unchanged; Transpose permutes it back; Concat splits it; Gather scatters it into the
 * table (an embedding's gradient); Dropout masks it with the mask its training forward drew.
 */
final class ShapeGrad {
  private ShapeGrad() {}

  static void register(GradRegistry r) {
    GradRule view = firstInputOnly(ShapeGrad::copy);
    r.register("Identity", view);
    r.register("Flatten", view);
    r.register("Reshape", view);
    r.register("Squeeze", view);
    r.register("Unsqueeze", view);
    r.register("Transpose", ShapeGrad::transpose);
    r.register("Concat", ShapeGrad::concat);
    r.register("Gather", firstInputOnly(ShapeGrad::gather));
    r.register("Dropout", new DropoutRule());
  }

  /** A rule for ops whose other inputs are shapes, axes or indices. */
  static GradRule firstInputOnly(java.util.function.Consumer<GradContext> body) {
    return new GradRule() {
      @Override
      public void backward(GradContext g) {
        body.accept(g);
      }

      @Override
      public boolean differentiable(int input) {
        return input == 0;
      }
    };
  }

  private static void copy(GradContext g) {
    if (!g.needsGrad(0)) {
      return;
    }
    float[] dy = g.outputGrad(0);
    int n = g.input(0).size();
    if (g.canOverwrite(0)) {
      System.arraycopy(dy, 0, g.overwriteGrad(0), 0, n);
      return;
    }
    float[] dx = g.inputGrad(0);
    ActivationGrad.chunks(g.exec(), n, (from, to) -> {
      for (int i = from; i < to; i++) {
        dx[i] += dy[i];
      }
    });
  }

  private static void transpose(GradContext g) {
    if (!g.needsGrad(0)) {
      return;
    }
    int[] xs = g.input(0).shape();
    int rank = xs.length;
    int[] perm = g.node().attrInts("perm", null);
    if (perm == null) {
      perm = new int[rank];
      for (int i = 0; i < rank; i++) {
        perm[i] = rank - 1 - i;
      }
    }
    int[] ys = g.output(0).shape();
    int[] xStride = Shapes.strides(xs);
    int[] st = new int[rank];
    for (int d = 0; d < rank; d++) {
      st[d] = xStride[perm[d]];
    }
    float[] dy = g.outputGrad(0);
    float[] dx = g.inputGrad(0);
    int n = g.output(0).size();
    int[] idx = new int[rank];
    int off = 0;
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

  private static void concat(GradContext g) {
    Tensor y = g.output(0);
    int[] ys = y.shape();
    int axis = Shapes.axis(g.node().attrInt("axis", 1), ys.length, g.graphNode().describe());
    int outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= ys[d];
    }
    int inner = 1;
    for (int d = axis + 1; d < ys.length; d++) {
      inner *= ys[d];
    }
    int rowLen = ys[axis] * inner;
    float[] dy = g.outputGrad(0);
    int at = 0;
    for (int i = 0; i < g.node().inputCount(); i++) {
      Tensor x = g.input(i);
      if (x == null) {
        continue;
      }
      int len = x.dim(axis) * inner;
      if (g.needsGrad(i)) {
        float[] dx = g.inputGrad(i);
        for (int o = 0; o < outer; o++) {
          int src = o * rowLen + at;
          int dst = o * len;
          for (int j = 0; j < len; j++) {
            dx[dst + j] += dy[src + j];
          }
        }
      }
      at += len;
    }
  }

  private static void gather(GradContext g) {
    if (!g.needsGrad(0)) {
      return;
    }
    Tensor x = g.input(0);
    Tensor ind = g.input(1);
    int[] s = x.shape();
    int a = Shapes.axis(g.node().attrInt("axis", 0), s.length, g.graphNode().describe());
    int n = s[a];
    int outer = 1;
    for (int d = 0; d < a; d++) {
      outer *= s[d];
    }
    int inner = 1;
    for (int d = a + 1; d < s.length; d++) {
      inner *= s[d];
    }
    int m = ind.size();
    float[] dy = g.outputGrad(0);
    float[] dx = g.inputGrad(0);
    // Serial in index order: repeated indices sum in a fixed order.
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < m; j++) {
        long v = ind.getLong(j);
        int k = (int) (v < 0 ? v + n : v);
        int dst = (o * n + k) * inner;
        int src = (o * m + j) * inner;
        for (int i = 0; i < inner; i++) {
          dx[dst + i] += dy[src + i];
        }
      }
    }
  }

  /**
   * Dropout in training mode draws a fresh mask each step from a seed the session derives from its
   * own seed, the step and the node (so a run is reproducible); kept elements are scaled by
   * {@code 1 / (1 - ratio)}. In evaluation mode the engine's Dropout (the identity) runs.
   */
  static final class DropoutRule implements GradRule {
    @Override
    public boolean differentiable(int input) {
      return input == 0;
    }

    @Override
    public TrainingForward trainingForward(NodeContext ctx) {
      boolean inputRatio = ctx.opset() >= 12;
      float attrRatio = inputRatio ? 0.5f : ctx.attrFloat("ratio", 0.5f);
      boolean boolMask = ctx.opset() >= 10;
      boolean wantMask = ctx.hasOutput(1);
      String node = ctx.node().describe();
      float[][] reuse = new float[1][0]; // the mask buffer, kept between steps
      return (in, seed, saved, ec) -> {
        Tensor x = in[0];
        float ratio = inputRatio && in.length > 1 && in[1] != null ? (float) in[1].getDouble(0)
            : attrRatio;
        if (!(ratio >= 0 && ratio < 1)) {
          throw new ShapeMismatchException(node + ": dropout ratio must be in [0, 1), got " + ratio);
        }
        if (x.dtype() != DType.F32) {
          throw new ShapeMismatchException(node + ": training dropout needs float32, got " + x.dtype());
        }
        int n = x.size();
        if (reuse[0].length < n) {
          reuse[0] = new float[n];
        }
        float[] scaleMask = reuse[0];
        float scale = 1f / (1f - ratio);
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] xs = x.floats();
        Tensor y = Tensor.zeros(DType.F32, x.shape());
        float[] ys = y.floats();
        for (int i = 0; i < n; i++) {
          float k = rnd.nextDouble() >= ratio ? scale : 0f;
          scaleMask[i] = k;
          ys[i] = xs[i] * k;
        }
        saved.accept(scaleMask);
        Tensor mask = null;
        if (wantMask) {
          mask = Tensor.zeros(boolMask ? DType.BOOL : DType.F32, x.shape());
          for (int i = 0; i < n; i++) {
            mask.setLong(i, scaleMask[i] != 0 ? 1 : 0);
          }
        }
        return new Tensor[] {y, mask};
      };
    }

    @Override
    public void backward(GradContext g) {
      if (!g.needsGrad(0)) {
        return;
      }
      float[] dy = g.outputGrad(0);
      float[] dx = g.inputGrad(0);
      int n = g.input(0).size();
      float[] mask = g.training() ? (float[]) g.saved() : null;
      for (int i = 0; i < n; i++) {
        dx[i] += mask == null ? dy[i] : dy[i] * mask[i];
      }
    }
  }
}
