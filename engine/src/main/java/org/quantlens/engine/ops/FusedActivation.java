package org.quantlens.engine.ops;

import org.quantlens.engine.kernels.VectorMath;

/**
 * An activation folded into the op before it (Conv, Gemm, MatMul) by the fusion pass, carried as
 * node attributes {@code ql.activation} ("Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh") with
 * {@code ql.activation_min}/{@code ql.activation_max} (Clip) or {@code ql.activation_alpha}
 * (LeakyRelu). Ops apply it to their output tile while it is still in cache.
 */
public final class FusedActivation {
  /** Attribute naming the fused activation. */
  public static final String ATTR = "ql.activation";
  public static final String ATTR_MIN = "ql.activation_min";
  public static final String ATTR_MAX = "ql.activation_max";
  public static final String ATTR_ALPHA = "ql.activation_alpha";
  /** The activations the fusion pass may fold. */
  public static final java.util.Set<String> SUPPORTED =
      java.util.Set.of("Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh");

  /** No activation. */
  public static final FusedActivation NONE = new FusedActivation("", 0, 0, 0);

  private final String kind;
  private final float min;
  private final float max;
  private final float alpha;

  private FusedActivation(String kind, float min, float max, float alpha) {
    this.kind = kind;
    this.min = min;
    this.max = max;
    this.alpha = alpha;
  }

  /** The activation a node carries, or {@link #NONE}. */
  public static FusedActivation of(NodeContext ctx) {
    String kind = ctx.attrString(ATTR, "");
    if (kind.isEmpty()) {
      return NONE;
    }
    if (!SUPPORTED.contains(kind)) {
      throw ctx.error("unknown fused activation '" + kind + "'; expected one of " + SUPPORTED);
    }
    return new FusedActivation(kind, ctx.attrFloat(ATTR_MIN, Float.NEGATIVE_INFINITY),
        ctx.attrFloat(ATTR_MAX, Float.POSITIVE_INFINITY), ctx.attrFloat(ATTR_ALPHA, 0.01f));
  }

  public boolean isNone() {
    return kind.isEmpty();
  }

  /** Kind ("Relu", ...) or "" for none. */
  public String kind() {
    return kind;
  }

  public float min() {
    return min;
  }

  public float max() {
    return max;
  }

  public float alpha() {
    return alpha;
  }

  /**
   * Applies the activation to {@code x[from, to)} in place. Relu, Clip and LeakyRelu run the
   * element-wise kernel (the same operations as the scalar loops, so the same bits: the scalar Relu
   * after a batch-64 Gemm was 3% of the MLP); Sigmoid and Tanh stay in double precision.
   */
  public void apply(float[] x, int from, int to) {
    switch (kind) {
      case "":
        return;
      case "Relu":
        VectorMath.get().map(VectorMath.RELU, 0f, 0f, x, from, x, from, to - from);
        return;
      case "Clip":
        VectorMath.get().map(VectorMath.CLIP, min, max, x, from, x, from, to - from);
        return;
      case "LeakyRelu":
        VectorMath.get().map(VectorMath.LEAKY_RELU, alpha, 0f, x, from, x, from, to - from);
        return;
      case "Sigmoid":
        for (int i = from; i < to; i++) {
          x[i] = (float) (1.0 / (1.0 + Math.exp(-x[i])));
        }
        return;
      default: // Tanh
        for (int i = from; i < to; i++) {
          x[i] = (float) Math.tanh(x[i]);
        }
    }
  }
}
