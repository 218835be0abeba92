package org.quantlens.study.analysis;

/**
 * Counts for one (model, variant, set): how many inputs, how many each model classified right,
 * and the disagreements (argmax float != argmax quantized) split by kind. The three kinds add up
 * to {@code disagreements}; "both wrong" means both wrong and with different predictions.
 */
public record DisagreementStats(int n, int correctFloat, int correctQuant, int disagreements,
    int floatRightQuantWrong, int floatWrongQuantRight, int bothWrong) {

  /** Accuracy of the float model; NaN when n == 0. */
  public double accFloat() {
    return n == 0 ? Double.NaN : (double) correctFloat / n;
  }

  /** Accuracy of the quantized model; NaN when n == 0. */
  public double accQuant() {
    return n == 0 ? Double.NaN : (double) correctQuant / n;
  }

  /** Disagreement rate; NaN when n == 0. */
  public double rate() {
    return n == 0 ? Double.NaN : (double) disagreements / n;
  }

  /** The 95% Wilson interval of the disagreement rate; (0, 1) when n == 0. */
  public Interval rateCi95() {
    return Wilson.interval95(disagreements, n);
  }
}
