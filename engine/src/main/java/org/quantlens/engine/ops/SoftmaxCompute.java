package org.quantlens.engine.ops;

import org.quantlens.engine.kernels.VectorMath;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Softmax, LogSoftmax and Hardmax over a tensor seen as {@code [outer, len, inner]}: the
 * normalised axis has {@code len} elements {@code inner} apart. Numerically stable: the maximum
 * along the axis is subtracted before exponentiating. Float32 runs on {@link VectorMath}: one
 * contiguous row at a time when {@code inner == 1}, else lane-wise over blocks of the inner
 * dimension; both are parallel over disjoint outputs.
 */
final class SoftmaxCompute {
  static final int SOFTMAX = 0;
  static final int LOG_SOFTMAX = 1;
  static final int HARDMAX = 2;
  /** Inner-dimension block of one parallel task in the lane-wise case. */
  private static final int BLOCK = 1024;

  private SoftmaxCompute() {}

  /**
   * @param legacy opset < 13: the input is coerced to 2-D at {@code axis} and normalised over the
   *     flattened trailing dimensions; otherwise over the single dimension {@code axis}
   */
  static Tensor apply(int kind, Tensor x, int axis, boolean legacy, ExecContext ctx,
      String node) {
    int[] shape = x.shape();
    int rank = Math.max(1, shape.length);
    int a = Shapes.axis(axis, rank, node);
    int outer = 1;
    for (int i = 0; i < a && i < shape.length; i++) {
      outer *= shape[i];
    }
    int len = 1;
    int inner = 1;
    for (int i = a; i < shape.length; i++) {
      if (i == a || legacy) {
        len *= shape[i];
      } else {
        inner *= shape[i];
      }
    }
    if (!x.dtype().isFloating()) {
      throw ElementwiseData.badType(node, x.dtype());
    }
    if (x.dtype() == DType.F32) {
      Tensor y = ctx.allocate(DType.F32, shape); // one tensor, not a flat one re-wrapped
      if (x.size() > 0) {
        f32(kind, x.floats(), y.floats(), outer, len, inner, ctx);
      }
      return y;
    }
    double[] out = new double[x.size()];
    if (x.size() > 0) {
      generic(kind, ElementwiseData.doubles(x), out, outer, len, inner);
    }
    return ElementwiseData.fromDoubles(x.dtype(), out, shape);
  }

  private static void f32(int kind, float[] x, float[] out, int outer, int len, int inner,
      ExecContext ctx) {
    VectorMath vm = VectorMath.get();
    if (inner == 1) {
      ElementwiseData.chunks(ctx, outer, len * 4, (o0, o1) -> {
        for (int o = o0; o < o1; o++) {
          row(vm, kind, x, out, o * len, len);
        }
      });
      return;
    }
    int blocks = (inner + BLOCK - 1) / BLOCK;
    ElementwiseData.chunks(ctx, outer * blocks, Math.min(inner, BLOCK) * len * 4, (u0, u1) -> {
      float[] mx = new float[Math.min(inner, BLOCK)];
      float[] sum = new float[mx.length];
      float[] tmp = new float[mx.length];
      for (int u = u0; u < u1; u++) {
        int o = u / blocks;
        int j0 = (u % blocks) * BLOCK;
        int n = Math.min(BLOCK, inner - j0);
        columns(vm, kind, x, out, o * len * inner + j0, len, inner, n, mx, sum, tmp);
      }
    });
  }

  /** One contiguous row of {@code len} elements at {@code off}. */
  private static void row(VectorMath vm, int kind, float[] x, float[] out, int off, int len) {
    if (kind == HARDMAX) {
      int best = 0;
      for (int k = 1; k < len; k++) {
        if (x[off + k] > x[off + best]) {
          best = k;
        }
      }
      out[off + best] = 1f;
      return;
    }
    float m = vm.reduce(VectorMath.R_MAX, x, off, len);
    if (kind == SOFTMAX) {
      float s = vm.expShifted(x, off, m, out, off, len);
      vm.binaryScalarRight(VectorMath.DIV, out, off, s, out, off, len);
    } else {
      float logSum = (float) Math.log(vm.sumExp(x, off, m, len));
      vm.binaryScalarRight(VectorMath.SUB, x, off, m, out, off, len);
      vm.binaryScalarRight(VectorMath.SUB, out, off, logSum, out, off, len);
    }
  }

  /**
   * {@code n} neighbouring columns starting at {@code base}: element k of column j is at
   * {@code base + k * inner + j}. Works lane-wise across the columns.
   */
  private static void columns(VectorMath vm, int kind, float[] x, float[] out, int base, int len,
      int inner, int n, float[] mx, float[] sum, float[] tmp) {
    if (kind == HARDMAX) {
      for (int j = 0; j < n; j++) {
        int best = 0;
        for (int k = 1; k < len; k++) {
          if (x[base + k * inner + j] > x[base + best * inner + j]) {
            best = k;
          }
        }
        out[base + best * inner + j] = 1f;
      }
      return;
    }
    java.util.Arrays.fill(mx, 0, n, Float.NEGATIVE_INFINITY);
    java.util.Arrays.fill(sum, 0, n, 0f);
    for (int k = 0; k < len; k++) {
      vm.accumulate(VectorMath.R_MAX, x, base + k * inner, mx, 0, n);
    }
    for (int k = 0; k < len; k++) {
      int at = base + k * inner;
      vm.binary(VectorMath.SUB, x, at, mx, 0, out, at, n);
      if (kind == SOFTMAX) {
        vm.map(VectorMath.EXP, 0, 0, out, at, out, at, n);
        vm.accumulate(VectorMath.R_SUM, out, at, sum, 0, n);
      } else {
        vm.map(VectorMath.EXP, 0, 0, out, at, tmp, 0, n);
        vm.accumulate(VectorMath.R_SUM, tmp, 0, sum, 0, n);
      }
    }
    if (kind == LOG_SOFTMAX) {
      vm.map(VectorMath.LOG, 0, 0, sum, 0, sum, 0, n);
    }
    int op = kind == SOFTMAX ? VectorMath.DIV : VectorMath.SUB;
    for (int k = 0; k < len; k++) {
      int at = base + k * inner;
      vm.binary(op, out, at, sum, 0, out, at, n);
    }
  }

  /** Double precision, any layout: the float64 and float16 path. */
  private static void generic(int kind, double[] x, double[] out, int outer, int len, int inner) {
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < inner; j++) {
        int base = o * len * inner + j;
        int best = 0;
        double m = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < len; k++) {
          double v = x[base + k * inner];
          if (v > x[base + best * inner]) {
            best = k;
          }
          m = Math.max(m, v);
        }
        if (kind == HARDMAX) {
          out[base + best * inner] = 1;
          continue;
        }
        double s = 0;
        for (int k = 0; k < len; k++) {
          s += Math.exp(x[base + k * inner] - m);
        }
        double logSum = Math.log(s);
        for (int k = 0; k < len; k++) {
          int at = base + k * inner;
          out[at] = kind == SOFTMAX ? Math.exp(x[at] - m) / s : x[at] - m - logSum;
        }
      }
    }
  }
}
