package org.quantlens.engine.ops;

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

  /** Applies the activation to {@code x[from, to)} in place (scalar; SIMD kernels may do better). */
  public void apply(float[] x, int from, int to) {
    switch (kind) {
      case "":
        return;
      case "Relu":
        for (int i = from; i < to; i++) {
          x[i] = Math.max(x[i], 0f); // Math.max keeps NaN, as IEEE semantics want
        }
        return;
      case "Clip":
        for (int i = from; i < to; i++) {
          x[i] = Math.min(Math.max(x[i], min), max);
        }
        return;
      case "LeakyRelu":
        for (int i = from; i < to; i++) {
          x[i] = x[i] >= 0 ? x[i] : alpha * x[i];
        }
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
