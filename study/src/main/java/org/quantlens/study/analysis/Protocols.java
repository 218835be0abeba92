package org.quantlens.study.analysis;

import java.util.SplittableRandom;

/**
 * The two ways the study scores an uncertainty metric as a disagreement detector.
 *
 * <ul>
 *   <li>{@link #paper}: the protocol of Hu et al. (CAIN 2023, question 3). All disagreements plus
 *       an equal number of randomly chosen agreements; a one-feature logistic regression (see
 *       {@code LogisticFit}) trained on 90% of them; AUROC, AUPR and TNR at 95% TPR of its
 *       predictions on the held-out 10%.
 *   <li>{@link #direct}: the metric itself ranks all inputs ({@link Ranking#evaluate}).
 * </ul>
 */
public final class Protocols {
  /** Share of each class held out for scoring. */
  static final double TEST_FRACTION = 0.1;

  private Protocols() {}

  /**
   * The paper's protocol, deterministic for a seed.
   *
   * <p>Details where the paper leaves a choice: with k = min(#disagreements, #agreements), k of
   * each class are drawn at random (so all disagreements when they are the minority, as usual);
   * the split is stratified, max(1, round(0.1 k)) of each class held out, so the held-out part
   * always has both classes, which a plain 90/10 split may miss when disagreements are few. The
   * held-out inputs are ranked by the fitted log-odds (monotone in the predicted probability, but
   * without ties from saturation at 1.0).
   *
   * @return NaN in all three when k < 2 (no disagreements, no agreements, or too few to both train
   *     and test), when a selected score is NaN, or when the fitted model ranks all held-out inputs
   *     equally (e.g. a constant metric)
   */
  public static ScoreQuality paper(double[] scores, boolean[] positive, long seed) {
    Sizes.same("positive labels", scores.length, positive.length);
    int n = scores.length;
    int nPos = 0;
    for (boolean b : positive) {
      if (b) {
        nPos++;
      }
    }
    int k = Math.min(nPos, n - nPos);
    if (k < 2) {
      return ScoreQuality.UNDEFINED;
    }
    int[] pos = new int[nPos];
    int[] neg = new int[n - nPos];
    for (int i = 0, ip = 0, in = 0; i < n; i++) {
      if (positive[i]) {
        pos[ip++] = i;
      } else {
        neg[in++] = i;
      }
    }
    SplittableRandom random = new SplittableRandom(seed);
    choose(pos, k, random);
    choose(neg, k, random);
    int test = Math.max(1, (int) Math.round(TEST_FRACTION * k));
    int train = k - test;

    double[] trainX = new double[2 * train];
    boolean[] trainY = new boolean[2 * train];
    for (int t = 0; t < train; t++) {
      trainX[2 * t] = scores[pos[test + t]];
      trainY[2 * t] = true;
      trainX[2 * t + 1] = scores[neg[test + t]];
    }
    for (double v : trainX) {
      if (v != v) {
        return ScoreQuality.UNDEFINED;
      }
    }
    LogisticFit model = LogisticFit.fit(trainX, trainY, trainX.length);
    double[] testScore = new double[2 * test];
    boolean[] testY = new boolean[2 * test];
    for (int t = 0; t < test; t++) {
      testScore[2 * t] = model.logit(scores[pos[t]]);
      testY[2 * t] = true;
      testScore[2 * t + 1] = model.logit(scores[neg[t]]);
    }
    return Ranking.evaluate(testScore, testY);
  }

  /** The metric ranks all inputs directly; see {@link Ranking#evaluate}. */
  public static ScoreQuality direct(double[] scores, boolean[] positive) {
    return Ranking.evaluate(scores, positive);
  }

  /** Moves a uniformly random k-subset, in random order, to the front (partial Fisher-Yates). */
  private static void choose(int[] a, int k, SplittableRandom random) {
    for (int i = 0; i < k; i++) {
      int j = i + random.nextInt(a.length - i);
      int tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
  }
}
