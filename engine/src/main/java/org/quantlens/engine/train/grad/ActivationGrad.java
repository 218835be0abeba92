package org.quantlens.engine.train.grad;

import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Relu, LeakyRelu, Sigmoid, Tanh (from the output where it determines the derivative), Softmax and
 * LogSoftmax over one axis (opset 13+) or the flattened trailing axes (before 13).
 */
final class ActivationGrad {
  /** Elements per parallel task of the element-wise rules. */
  private static final int GRAIN = 1 << 15;

  private ActivationGrad() {}

  static void register(GradRegistry r) {
    r.register("Relu", g -> pointwise(g, 0, 0f));
    r.register("LeakyRelu", g -> pointwise(g, 1, g.node().attrFloat("alpha", 0.01f)));
    r.register("Sigmoid", g -> pointwise(g, 2, 0f));
    r.register("Tanh", g -> pointwise(g, 3, 0f));
    r.register("Softmax", g -> softmax(g, false));
    r.register("LogSoftmax", g -> softmax(g, true));
  }

  private static void pointwise(GradContext g, int kind, float alpha) {
    if (!g.needsGrad(0)) {
      return;
    }
    float[] dy = g.outputGrad(0);
    float[] x = g.input(0).floats();
    float[] y = g.output(0).floats();
    boolean add = !g.canOverwrite(0);
    float[] dx = add ? g.inputGrad(0) : g.overwriteGrad(0);
    int n = g.input(0).size();
    chunks(g.exec(), n, (from, to) -> {
      switch (kind) {
        case 0:
          for (int i = from; i < to; i++) {
            float d = y[i] > 0 ? dy[i] : 0f;
            dx[i] = add ? dx[i] + d : d;
          }
          break;
        case 1:
          for (int i = from; i < to; i++) {
            float d = x[i] > 0 ? dy[i] : alpha * dy[i];
            dx[i] = add ? dx[i] + d : d;
          }
          break;
        case 2:
          for (int i = from; i < to; i++) {
            float d = dy[i] * y[i] * (1f - y[i]);
            dx[i] = add ? dx[i] + d : d;
          }
          break;
        default:
          for (int i = from; i < to; i++) {
            float d = dy[i] * (1f - y[i] * y[i]);
            dx[i] = add ? dx[i] + d : d;
          }
      }
    });
  }

  /** Runs {@code body} over disjoint ranges of {@code [0, n)}; ranges do not depend on the thread count. */
  static void chunks(ExecContext ctx, int n, RangeBody body) {
    int tasks = (n + GRAIN - 1) / GRAIN;
    if (tasks <= 1) {
      body.run(0, n);
      return;
    }
    ctx.forRange(tasks, t -> body.run(t * GRAIN, Math.min(n, (t + 1) * GRAIN)));
  }

  /** A range of work. */
  @FunctionalInterface
  interface RangeBody {
    void run(int from, int to);
  }

  /**
   * Softmax: {@code dx = y * (dy - sum(dy * y))}; LogSoftmax: {@code dx = dy - exp(y) * sum(dy)},
   * sums along the normalised axis, in double.
   */
  private static void softmax(GradContext g, boolean log) {
    if (!g.needsGrad(0)) {
      return;
    }
    Tensor y = g.output(0);
    int[] shape = y.shape();
    boolean legacy = g.node().opset() < 13;
    int rank = Math.max(1, shape.length);
    int a = Shapes.axis(g.node().attrInt("axis", legacy ? 1 : -1), rank, g.graphNode().describe());
    int outer = 1;
    int len = 1;
    int inner = 1;
    for (int i = 0; i < shape.length; i++) {
      if (i < a) {
        outer *= shape[i];
      } else if (i == a || legacy) {
        len *= shape[i];
      } else {
        inner *= shape[i];
      }
    }
    float[] dy = g.outputGrad(0);
    float[] ys = y.floats();
    float[] dx = g.inputGrad(0);
    int fl = len;
    int fi = inner;
    int rows = outer * inner;
    int grain = Math.max(1, GRAIN / Math.max(1, len));
    int tasks = (rows + grain - 1) / grain;
    g.exec().forRange(tasks, t -> {
      for (int r = t * grain; r < Math.min(rows, (t + 1) * grain); r++) {
        int base = (r / fi) * fl * fi + r % fi;
        double s = 0;
        for (int j = 0; j < fl; j++) {
          int i = base + j * fi;
          s += log ? dy[i] : (double) dy[i] * ys[i];
        }
        for (int j = 0; j < fl; j++) {
          int i = base + j * fi;
          dx[i] += log ? (float) (dy[i] - Math.exp(ys[i]) * s) : (float) (ys[i] * (dy[i] - s));
        }
      }
    });
  }
}
