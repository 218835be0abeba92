package org.quantlens.engine.ops;

import org.quantlens.engine.kernels.VectorMath;
import org.quantlens.engine.kernels.VectorMathScalar;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Unary maps (math functions and activations): float32 on {@link VectorMath} in parallel chunks,
 * float64/float16 through the double-precision definitions, integers for the few ops defined on
 * them (Abs, Neg, Sign, Relu).
 */
final class ElementwiseUnary {
  private ElementwiseUnary() {}

  /** Relative cost per element, so cheap maps only go parallel on bigger tensors. */
  private static int cost(int op) {
    switch (op) {
      case VectorMath.ABS: case VectorMath.NEG: case VectorMath.RELU: case VectorMath.CLIP:
      case VectorMath.LEAKY_RELU: case VectorMath.SQUARE: case VectorMath.HARD_SIGMOID:
      case VectorMath.HARD_SWISH: case VectorMath.THRESHOLDED_RELU:
        return 1;
      case VectorMath.EXP: case VectorMath.SIGMOID: case VectorMath.TANH: case VectorMath.ERF:
      case VectorMath.ELU: case VectorMath.SELU: case VectorMath.CELU: case VectorMath.SQRT:
      case VectorMath.RECIPROCAL: case VectorMath.SOFTSIGN:
        return 4;
      default:
        return 16;
    }
  }

  /** True for the maps ONNX defines on integer tensors. */
  static boolean integerOp(int op) {
    return op == VectorMath.ABS || op == VectorMath.NEG || op == VectorMath.SIGN
        || op == VectorMath.RELU;
  }

  /** {@code f(x)} as a new tensor of x's type. */
  static Tensor map(int op, float alpha, float beta, Tensor x, ExecContext ctx, String node) {
    DType t = x.dtype();
    int n = x.size();
    if (t == DType.F32) {
      float[] in = x.floats();
      Tensor y = ctx.allocateUninitialized(DType.F32, x); // every element written below
      float[] out = y.floats();
      VectorMath vm = VectorMath.get();
      if (ElementwiseData.serial(ctx, n, cost(op))) {
        vm.map(op, alpha, beta, in, 0, out, 0, n);
      } else {
        ElementwiseData.chunks(ctx, n, cost(op),
            (from, to) -> vm.map(op, alpha, beta, in, from, out, from, to - from));
      }
      return y;
    }
    if (t.isFloating()) {
      double[] in = ElementwiseData.doubles(x);
      double[] out = new double[n];
      for (int i = 0; i < n; i++) {
        out[i] = VectorMathScalar.apply(op, alpha, beta, in[i]);
      }
      return ElementwiseData.fromDoubles(t, out, x.shape());
    }
    if (!t.isInteger() || !integerOp(op)) {
      throw ElementwiseData.badType(node, t);
    }
    long[] in = ElementwiseData.longs(x);
    long[] out = new long[n];
    boolean unsigned = !t.isSigned();
    for (int i = 0; i < n; i++) {
      long v = in[i];
      switch (op) {
        case VectorMath.ABS: out[i] = unsigned ? v : Math.abs(v); break;
        case VectorMath.NEG: out[i] = -v; break;
        case VectorMath.SIGN: out[i] = unsigned ? (v != 0 ? 1 : 0) : Long.signum(v); break;
        default: out[i] = unsigned || v > 0 ? v : 0; // RELU
      }
    }
    return ElementwiseData.fromLongs(t, out, x.shape());
  }
}
