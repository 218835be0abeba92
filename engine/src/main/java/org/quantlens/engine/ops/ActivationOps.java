package org.quantlens.engine.ops;

import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.VectorMath;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Activations (Relu, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Elu, Selu, Celu, Softplus,
 * Softsign, ThresholdedRelu), Clip (attributes before opset 11, optional inputs from 11, integer
 * types from 12) and Softmax, LogSoftmax, Hardmax (before opset 13: coerced to 2-D at
 * {@code axis}, default 1; from 13: one axis, default -1).
 */
public final class ActivationOps implements OpFamily {
  /** Selu's default alpha and gamma (ONNX's float values). */
  private static final float SELU_ALPHA = 1.67326319217681884765625f;
  private static final float SELU_GAMMA = 1.05070102214813232421875f;

  /** The op family, ready to register into any {@link OpRegistry}. */
  public ActivationOps() {}

  @Override
  public void register(OpRegistry r) {
    map(r, "Relu", 1, VectorMath.RELU, null, 0, null, 0);
    map(r, "LeakyRelu", 1, VectorMath.LEAKY_RELU, "alpha", 0.01f, null, 0);
    map(r, "Sigmoid", 1, VectorMath.SIGMOID, null, 0, null, 0);
    map(r, "Tanh", 1, VectorMath.TANH, null, 0, null, 0);
    map(r, "HardSigmoid", 1, VectorMath.HARD_SIGMOID, "alpha", 0.2f, "beta", 0.5f);
    map(r, "HardSwish", 14, VectorMath.HARD_SWISH, null, 0, null, 0);
    map(r, "Elu", 1, VectorMath.ELU, "alpha", 1f, null, 0);
    map(r, "Selu", 1, VectorMath.SELU, "alpha", SELU_ALPHA, "gamma", SELU_GAMMA);
    map(r, "Celu", 12, VectorMath.CELU, "alpha", 1f, null, 0);
    map(r, "Softplus", 1, VectorMath.SOFTPLUS, null, 0, null, 0);
    map(r, "Softsign", 1, VectorMath.SOFTSIGN, null, 0, null, 0);
    map(r, "ThresholdedRelu", 10, VectorMath.THRESHOLDED_RELU, "alpha", 1f, null, 0);
    r.register("Clip", 1, ActivationOps::clipAttributes);
    r.register("Clip", 11, ActivationOps::clipInputs);
    softmax(r, "Softmax", SoftmaxCompute.SOFTMAX);
    softmax(r, "LogSoftmax", SoftmaxCompute.LOG_SOFTMAX);
    softmax(r, "Hardmax", SoftmaxCompute.HARDMAX);
  }

  private static void map(OpRegistry r, String name, int since, int op, String a1, float d1,
      String a2, float d2) {
    r.register(name, since, ctx -> {
      String node = ctx.node().describe();
      float alpha = a1 == null ? 0 : ctx.attrFloat(a1, d1);
      float beta = a2 == null ? 0 : ctx.attrFloat(a2, d2);
      if (op == VectorMath.CELU && alpha == 0) {
        throw ctx.error("alpha must not be 0");
      }
      return (in, ex) -> ex.result(ElementwiseUnary.map(op, alpha, beta, in[0], ex, node));
    });
  }

  private static void softmax(OpRegistry r, String name, int kind) {
    r.register(name, 1, ctx -> softmaxOp(ctx, kind, ctx.attrInt("axis", 1), true));
    r.register(name, 13, ctx -> softmaxOp(ctx, kind, ctx.attrInt("axis", -1), false));
  }

  private static Operator softmaxOp(NodeContext ctx, int kind, int axis, boolean legacy) {
    String node = ctx.node().describe();
    return (in, ex) -> ex.result(SoftmaxCompute.apply(kind, in[0], axis, legacy, ex, node));
  }

  /** Clip-1 and Clip-6: bounds are float attributes, defaulting to the float range. */
  private static Operator clipAttributes(NodeContext ctx) {
    String node = ctx.node().describe();
    float lo = ctx.attrFloat("min", -Float.MAX_VALUE);
    float hi = ctx.attrFloat("max", Float.MAX_VALUE);
    return (in, ex) -> ex.result(clip(in[0], lo, hi, null, null, ex, node));
  }

  /** Clip-11 and later: bounds are optional scalar inputs 1 and 2; absent means unbounded. */
  private static Operator clipInputs(NodeContext ctx) {
    String node = ctx.node().describe();
    return (in, ex) -> {
      Tensor lo = in.length > 1 ? in[1] : null;
      Tensor hi = in.length > 2 ? in[2] : null;
      for (Tensor b : new Tensor[] {lo, hi}) {
        if (b != null && (b.size() != 1 || b.dtype() != in[0].dtype())) {
          throw new ShapeMismatchException(node + ": min and max must be scalars of the input type "
              + in[0].dtype() + ", got " + b.dtype() + java.util.Arrays.toString(b.shape()));
        }
      }
      return ex.result(clip(in[0], Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, lo, hi,
          ex, node));
    };
  }

  /** Clips to [lo, hi], taking the bounds from the tensors when given: min(max(x, lo), hi). */
  private static Tensor clip(Tensor x, float lo, float hi, Tensor loT, Tensor hiT,
      ExecContext ex, String node) {
    DType t = x.dtype();
    if (t.isFloating()) {
      float l = loT == null ? lo : (float) loT.getDouble(0);
      float h = hiT == null ? hi : (float) hiT.getDouble(0);
      if (t == DType.F64) { // keep double bounds exact
        double dl = loT == null ? lo : loT.getDouble(0);
        double dh = hiT == null ? hi : hiT.getDouble(0);
        double[] v = x.doubles();
        double[] out = new double[x.size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = Math.min(Math.max(v[i], dl), dh);
        }
        return Tensor.wrap(DType.F64, out, x.shape());
      }
      return ElementwiseUnary.map(VectorMath.CLIP, l, h, x, ex, node);
    }
    if (!t.isInteger()) {
      throw ElementwiseData.badType(node, t);
    }
    boolean u64 = ElementwiseData.u64(t);
    long[] v = ElementwiseData.longs(x);
    long[] out = new long[x.size()];
    for (int i = 0; i < out.length; i++) {
      long y = v[i];
      if (loT != null) {
        long l = loT.getLong(0);
        y = (u64 ? Long.compareUnsigned(y, l) : Long.compare(y, l)) < 0 ? l : y;
      }
      if (hiT != null) {
        long h = hiT.getLong(0);
        y = (u64 ? Long.compareUnsigned(y, h) : Long.compare(y, h)) > 0 ? h : y;
      }
      out[i] = y;
    }
    return ElementwiseData.fromLongs(t, out, x.shape());
  }
}
