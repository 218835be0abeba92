package org.quantlens.study.analysis;

/**
 * How well a score separates positives (disagreements) from negatives: AUROC, AUPR (average
 * precision) and TNR at 95% TPR; see {@link Ranking} for the exact definitions. Any of them is NaN
 * when undefined.
 */
public record ScoreQuality(double auroc, double aupr, double tnrAt95Tpr) {
  /** All three undefined. */
  public static final ScoreQuality UNDEFINED = new ScoreQuality(Double.NaN, Double.NaN, Double.NaN);
}
