package org.quantlens.engine.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One activation function of an ONNX recurrent op (LSTM, GRU, RNN): a kind and its alpha/beta. The
 * names, formulas and defaults are those of the ONNX RNN documentation; defaults of alpha and beta
 * are those of the ONNX operator of the same name (LeakyRelu 0.01, HardSigmoid 0.2/0.5, Elu 1,
 * ThresholdedRelu 1, Affine 1/0; ScaledTanh, which has no ONNX default, 1/1).
 */
public final class RnnActivation {
  /** The activation kinds, in the order of the ONNX documentation. */
  public enum Kind {
    RELU("Relu", false, false, 0, 0),
    TANH("Tanh", false, false, 0, 0),
    SIGMOID("Sigmoid", false, false, 0, 0),
    AFFINE("Affine", true, true, 1f, 0f),
    LEAKY_RELU("LeakyRelu", true, false, 0.01f, 0),
    THRESHOLDED_RELU("ThresholdedRelu", true, false, 1f, 0),
    SCALED_TANH("ScaledTanh", true, true, 1f, 1f),
    HARD_SIGMOID("HardSigmoid", true, true, 0.2f, 0.5f),
    ELU("Elu", true, false, 1f, 0),
    SOFTSIGN("Softsign", false, false, 0, 0),
    SOFTPLUS("Softplus", false, false, 0, 0);

    private final String onnxName;
    private final boolean usesAlpha;
    private final boolean usesBeta;
    private final float defaultAlpha;
    private final float defaultBeta;

    Kind(String onnxName, boolean usesAlpha, boolean usesBeta, float defaultAlpha,
        float defaultBeta) {
      this.onnxName = onnxName;
      this.usesAlpha = usesAlpha;
      this.usesBeta = usesBeta;
      this.defaultAlpha = defaultAlpha;
      this.defaultBeta = defaultBeta;
    }

    /** The name ONNX uses in the {@code activations} attribute. */
    public String onnxName() {
      return onnxName;
    }

    /** The kind named {@code name} (case-insensitive), or null. */
    public static Kind byName(String name) {
      String n = name.toLowerCase(Locale.ROOT);
      for (Kind k : values()) {
        if (k.onnxName.toLowerCase(Locale.ROOT).equals(n)) {
          return k;
        }
      }
      return null;
    }
  }

  public static final RnnActivation SIGMOID = new RnnActivation(Kind.SIGMOID, 0, 0);
  public static final RnnActivation TANH = new RnnActivation(Kind.TANH, 0, 0);

  private final Kind kind;
  private final float alpha;
  private final float beta;

  public RnnActivation(Kind kind, float alpha, float beta) {
    this.kind = kind;
    this.alpha = alpha;
    this.beta = beta;
  }

  public Kind kind() {
    return kind;
  }

  public float alpha() {
    return alpha;
  }

  public float beta() {
    return beta;
  }

  /**
   * Parses an {@code activations} list with its {@code activation_alpha}/{@code activation_beta}
   * lists. As in ONNX Runtime, the alpha and beta lists are consumed in order by the functions that
   * use them (a Tanh takes none, a HardSigmoid one of each); a function finding its list exhausted
   * takes the default.
   *
   * @throws IllegalArgumentException naming an unknown function
   */
  public static List<RnnActivation> parseList(List<String> names, float[] alphas, float[] betas) {
    List<RnnActivation> out = new ArrayList<>(names.size());
    int ai = 0;
    int bi = 0;
    for (String name : names) {
      Kind k = Kind.byName(name);
      if (k == null) {
        throw new IllegalArgumentException("unknown activation '" + name + "'; expected one of "
            + java.util.Arrays.stream(Kind.values()).map(Kind::onnxName).toList());
      }
      float a = k.defaultAlpha;
      float b = k.defaultBeta;
      if (k.usesAlpha && alphas != null && ai < alphas.length) {
        a = alphas[ai++];
      }
      if (k.usesBeta && betas != null && bi < betas.length) {
        b = betas[bi++];
      }
      out.add(new RnnActivation(k, a, b));
    }
    return out;
  }

  /** This activation at {@code x} (transcendental functions computed in double, rounded once). */
  public float apply(float x) {
    switch (kind) {
      case SIGMOID: return sigmoid(x);
      case TANH: return tanh(x);
      case RELU: return Math.max(x, 0f);
      case AFFINE: return alpha * x + beta;
      case LEAKY_RELU: return x >= 0 ? x : alpha * x;
      case THRESHOLDED_RELU: return x >= alpha ? x : 0f;
      case SCALED_TANH: return (float) (alpha * Math.tanh((double) beta * x));
      case HARD_SIGMOID: return Math.min(Math.max(alpha * x + beta, 0f), 1f);
      case ELU: return x >= 0 ? x : (float) (alpha * Math.expm1(x));
      case SOFTSIGN: return x / (1 + Math.abs(x));
      case SOFTPLUS: return softplus(x);
      default: throw new AssertionError(kind);
    }
  }

  /** Logistic sigmoid; exact to float rounding (computed in double). */
  public static float sigmoid(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
  }

  /**
   * Hyperbolic tangent through the (intrinsic) Math.exp in double: the rewriting
   * (e^2x - 1)/(e^2x + 1) loses at most 1e-12 relatively for |x| >= 1e-4, and below that the
   * series x - x^3/3 is exact to double rounding; both far under float precision.
   */
  public static float tanh(float x) {
    double ax = Math.abs((double) x);
    if (ax < 1e-4) {
      return (float) (x - (double) x * x * x / 3);
    }
    if (ax > 10) {
      return Math.copySign(1f, x);
    }
    double e = Math.exp(2 * ax);
    return (float) Math.copySign((e - 1) / (e + 1), x);
  }

  private static float softplus(float x) {
    double d = x;
    // log(1 + e^x) without overflow: x + log1p(e^-x) for positive x
    return (float) (d > 0 ? d + Math.log1p(Math.exp(-d)) : Math.log1p(Math.exp(d)));
  }

  /** Applies this activation to {@code a[off, off + n)} in place. */
  public void applyInPlace(float[] a, int off, int n) {
    for (int i = off; i < off + n; i++) {
      a[i] = apply(a[i]);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RnnActivation && ((RnnActivation) o).kind == kind
        && Float.compare(((RnnActivation) o).alpha, alpha) == 0
        && Float.compare(((RnnActivation) o).beta, beta) == 0;
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + Float.hashCode(alpha) * 17 + Float.hashCode(beta);
  }

  @Override
  public String toString() {
    return kind.onnxName + (kind.usesAlpha || kind.usesBeta ? "(" + alpha + ", " + beta + ")" : "");
  }
}
