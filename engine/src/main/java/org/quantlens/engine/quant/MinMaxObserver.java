package org.quantlens.engine.quant;

/** The smallest and largest value seen. */
public final class MinMaxObserver implements Observer {
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private int batches;

  /** An observer that has seen nothing yet. */
  public MinMaxObserver() {}

  @Override
  public void observe(float[] x, int n) {
    float lo = Float.POSITIVE_INFINITY;
    float hi = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      lo = Math.min(lo, x[i]);
      hi = Math.max(hi, x[i]);
    }
    if (n > 0) {
      min = Math.min(min, lo);
      max = Math.max(max, hi);
    }
    batches++;
  }

  @Override
  public int batches() {
    return batches;
  }

  @Override
  public double[] range() {
    return min > max ? new double[] {0, 0} : new double[] {min, max};
  }
}
