package org.quantlens.study.analysis;

import java.util.Arrays;

/**
 * Scores a ranking: how well higher scores pick out the positives (disagreements).
 *
 * <p>Definitions, with P positives, N negatives, and "predicted positive" meaning score >= t:
 * <ul>
 *   <li><b>AUROC</b>: the Mann-Whitney statistic with mid-ranks for ties, i.e. the probability that
 *       a random positive scores above a random negative, counting a tie as one half.
 *   <li><b>AUPR</b>: average precision as a step-wise sum over the distinct score values t taken
 *       from high to low: sum of (R(t) - R(previous t)) * P(t), recall R and precision P at score
 *       >= t (no interpolation; the definition of scikit-learn's average_precision_score).
 *   <li><b>TNR at 95% TPR</b>: take the highest threshold t among the scores whose TPR (fraction of
 *       positives with score >= t) is at least 0.95; report the fraction of negatives with score
 *       < t. No interpolation between thresholds.
 * </ul>
 * Undefined cases give NaN in all three: no positives, no negatives (so n == 0 too), all scores
 * equal (the score carries no ranking), or any NaN score.
 *
 * <p>Cost: two primitive sorts, O(n log n); no boxing.
 */
public final class Ranking {
  private Ranking() {}

  /** AUROC, AUPR and TNR at 95% TPR of {@code scores} for the {@code positive} inputs. */
  public static ScoreQuality evaluate(double[] scores, boolean[] positive) {
    Sizes.same("positive labels", scores.length, positive.length);
    int p = 0;
    for (boolean b : positive) {
      if (b) {
        p++;
      }
    }
    double[] pos = new double[p];
    double[] neg = new double[scores.length - p];
    for (int i = 0, ip = 0, in = 0; i < scores.length; i++) {
      double s = scores[i];
      if (s != s) {
        return ScoreQuality.UNDEFINED;
      }
      s += 0.0; // -0.0 becomes 0.0: Arrays.sort orders -0.0 before 0.0, we treat them as a tie
      if (positive[i]) {
        pos[ip++] = s;
      } else {
        neg[in++] = s;
      }
    }
    return sortedEvaluate(pos, neg);
  }

  /** Sorts both arrays in place, then walks the distinct scores from high to low once. */
  private static ScoreQuality sortedEvaluate(double[] pos, double[] neg) {
    int np = pos.length;
    int nn = neg.length;
    if (np == 0 || nn == 0) {
      return ScoreQuality.UNDEFINED;
    }
    Arrays.sort(pos);
    Arrays.sort(neg);
    if (pos[0] == pos[np - 1] && neg[0] == neg[nn - 1] && pos[0] == neg[0]) {
      return ScoreQuality.UNDEFINED; // all scores equal
    }
    int i = np - 1; // next positive, from the top
    int j = nn - 1; // next negative, from the top
    long tp = 0;
    long fp = 0;
    double aucSum = 0; // sum over positives of (#negatives below + half the tied negatives)
    double apSum = 0; // sum over positives of the precision at their threshold; / np at the end
    double tnr = Double.NaN;
    while (i >= 0 || j >= 0) {
      double t = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
      long tiedPos = 0;
      while (i >= 0 && pos[i] == t) {
        tiedPos++;
        i--;
      }
      long tiedNeg = 0;
      while (j >= 0 && neg[j] == t) {
        tiedNeg++;
        j--;
      }
      tp += tiedPos;
      fp += tiedNeg;
      long negBelow = nn - fp;
      aucSum += tiedPos * (negBelow + 0.5 * tiedNeg);
      if (tiedPos > 0) {
        apSum += tiedPos * ((double) tp / (tp + fp));
      }
      if (tnr != tnr && tp * 20 >= 19L * np) { // TPR >= 0.95, exact in integers
        tnr = (double) negBelow / nn;
      }
    }
    return new ScoreQuality(aucSum / ((double) np * nn), apSum / np, tnr);
  }
}
