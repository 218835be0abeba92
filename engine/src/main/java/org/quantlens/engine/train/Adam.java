package org.quantlens.engine.train;

/**
 * Adam with bias correction: {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2},
 * {@code w -= lr * m^ / (sqrt(v^) + eps)}. Weight decay is either L2 added to the gradient (Adam)
 * or decoupled, {@code w -= lr * wd * w} before the step (AdamW, Loshchilov and Hutter).
 */
public final class Adam extends Optimizer {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final float weightDecay;
  private final boolean decoupled;

  /** Adam with the usual defaults: betas 0.9 and 0.999, eps 1e-8, no weight decay. */
  public Adam() {
    this(0.9, 0.999, 1e-8, 0, false);
  }

  /** AdamW with the usual betas and eps. */
  public static Adam adamW(double weightDecay) {
    return new Adam(0.9, 0.999, 1e-8, weightDecay, true);
  }

  public Adam(double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0 && weightDecay >= 0)) {
      throw new IllegalArgumentException("Adam needs betas in [0, 1), eps > 0, weight decay >= 0");
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = (float) weightDecay;
    this.decoupled = decoupled;
  }

  @Override
  protected float[][] newState(int size) {
    return new float[][] {new float[size], new float[size]};
  }

  @Override
  protected void update(float[] w, float[] g, int n, float[][] state, double lr, boolean decay, long t) {
    float[] m = state[0];
    float[] v = state[1];
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float c1 = (float) (1 - Math.pow(beta1, t));
    float c2 = (float) Math.sqrt(1 - Math.pow(beta2, t));
    // w -= lr * (m / c1) / (sqrt(v) / c2 + eps), with the corrections folded into the rate.
    float rate = (float) lr * c2 / c1;
    float epsHat = (float) eps * c2;
    float wd = decay ? weightDecay : 0f;
    float shrink = decoupled ? 1f - (float) lr * wd : 1f;
    float l2 = decoupled ? 0f : wd;
    for (int i = 0; i < n; i++) {
      float gi = g[i] + l2 * w[i];
      float mi = b1 * m[i] + (1 - b1) * gi;
      float vi = b2 * v[i] + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] * shrink - rate * mi / ((float) Math.sqrt(vi) + epsHat);
    }
  }
}
