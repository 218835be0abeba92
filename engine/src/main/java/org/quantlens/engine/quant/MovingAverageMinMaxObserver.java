package org.quantlens.engine.quant;

/**
 * Exponential moving average of each batch's min and max, as PyTorch's
 * MovingAverageMinMaxObserver: the first batch sets the range, then {@code m += momentum * (b - m)}
 * per batch (PyTorch's default momentum, its {@code averaging_constant}, is 0.01).
 */
public final class MovingAverageMinMaxObserver implements Observer {
  private final double momentum;
  private double min;
  private double max;
  private int batches;

  public MovingAverageMinMaxObserver(double momentum) {
    if (!(momentum > 0 && momentum <= 1)) {
      throw new IllegalArgumentException("momentum must be in (0, 1], got " + momentum);
    }
    this.momentum = momentum;
  }

  @Override
  public void observe(float[] x, int n) {
    if (n == 0) {
      return;
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      lo = Math.min(lo, x[i]);
      hi = Math.max(hi, x[i]);
    }
    if (batches == 0) {
      min = lo;
      max = hi;
    } else {
      min += momentum * (lo - min);
      max += momentum * (hi - max);
    }
    batches++;
  }

  @Override
  public int batches() {
    return batches;
  }

  @Override
  public double[] range() {
    return batches == 0 ? new double[] {0, 0} : new double[] {min, max};
  }
}
