package org.quantlens.engine.train;

/**
 * Stochastic gradient descent, PyTorch's formulation: {@code g += wd * w};
 * with momentum {@code v = mu * v + g}, step along {@code v} (or {@code g + mu * v} for Nesterov);
 * {@code w -= lr * step}.
 */
public final class Sgd extends Optimizer {
  private final float momentum;
  private final boolean nesterov;
  private final float weightDecay;

  /** Plain SGD. */
  public Sgd() {
    this(0, false, 0);
  }

  /**
   * @param momentum in [0, 1)
   * @param nesterov Nesterov momentum (needs momentum > 0)
   * @param weightDecay L2 coefficient added to the gradient
   */
  public Sgd(double momentum, boolean nesterov, double weightDecay) {
    if (!(momentum >= 0 && momentum < 1) || weightDecay < 0 || nesterov && momentum == 0) {
      throw new IllegalArgumentException("SGD needs momentum in [0, 1) (positive for Nesterov) and"
          + " weight decay >= 0, got " + momentum + ", " + weightDecay);
    }
    this.momentum = (float) momentum;
    this.nesterov = nesterov;
    this.weightDecay = (float) weightDecay;
  }

  @Override
  protected float[][] newState(int size) {
    return momentum == 0 ? new float[0][] : new float[][] {new float[size]};
  }

  @Override
  protected void update(float[] w, float[] g, int n, float[][] state, double lr, boolean decay, long t) {
    float rate = (float) lr;
    float wd = decay ? weightDecay : 0f;
    if (momentum == 0) {
      for (int i = 0; i < n; i++) {
        w[i] -= rate * (g[i] + wd * w[i]);
      }
      return;
    }
    float[] v = state[0];
    float mu = momentum;
    for (int i = 0; i < n; i++) {
      float gi = g[i] + wd * w[i];
      // PyTorch starts the buffer at the first gradient; a zero buffer gives the same first step.
      float vi = mu * v[i] + gi;
      v[i] = vi;
      w[i] -= rate * (nesterov ? gi + mu * vi : vi);
    }
  }
}
