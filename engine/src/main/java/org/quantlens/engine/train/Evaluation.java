package org.quantlens.engine.train;

/** Loss and accuracy of a model on a dataset. */
public final class Evaluation {
  private final double loss;
  private final int correct;
  private final int count;

  Evaluation(double loss, int correct, int count) {
    this.loss = loss;
    this.correct = correct;
    this.count = count;
  }

  /** Mean loss per sample. */
  public double loss() {
    return loss;
  }

  public int correct() {
    return correct;
  }

  public int count() {
    return count;
  }

  /** {@code correct / count}, in [0, 1]. */
  public double accuracy() {
    return count == 0 ? Double.NaN : (double) correct / count;
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "loss %.4f, accuracy %.2f%% (%d/%d)", loss,
        100 * accuracy(), correct, count);
  }
}
