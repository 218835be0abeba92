package org.quantlens.study.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RankingTest {
  private static final double TOL = 1e-12;

  @Test
  void distinctScoresWorkedByHand() {
    // Descending: 0.9 P, 0.8 N, 0.7 P, 0.6 N, 0.5 N.
    // AUROC: 0.9 beats 3 negatives, 0.7 beats 2 -> 5/6.
    // AP: at 0.9 recall 1/2 precision 1 -> 1/2; at 0.7 recall +1/2 precision 2/3 -> 1/3; sum 5/6.
    // TNR@95: TPR reaches 1 only at t = 0.7; negatives below 0.7: 0.6, 0.5 -> 2/3.
    ScoreQuality q = Ranking.evaluate(new double[] {0.9, 0.8, 0.7, 0.6, 0.5},
        new boolean[] {true, false, true, false, false});
    assertEquals(5.0 / 6, q.auroc(), TOL);
    assertEquals(5.0 / 6, q.aupr(), TOL);
    assertEquals(2.0 / 3, q.tnrAt95Tpr(), TOL);
  }

  @Test
  void tiesCountOneHalfViaMidRanks() {
    // Scores 0.9 P, 0.5 P, 0.5 N, 0.5 N, 0.1 P, 0.1 N.
    // Ascending mid-ranks: 0.1 -> 1.5, 0.5 -> 4, 0.9 -> 6. Positive rank sum 6 + 4 + 1.5 = 11.5;
    // U = 11.5 - 3*4/2 = 5.5; AUROC = 5.5 / 9.
    // AP: t=0.9 tp1 fp0 -> 1/3 * 1; t=0.5 tp2 fp2 -> 1/3 * 1/2; t=0.1 tp3 fp3 -> 1/3 * 1/2; sum 2/3.
    // TNR@95: all 3 positives only at t = 0.1; no negative below 0.1 -> 0.
    ScoreQuality q = Ranking.evaluate(new double[] {0.9, 0.5, 0.5, 0.5, 0.1, 0.1},
        new boolean[] {true, true, false, false, true, false});
    assertEquals(5.5 / 9, q.auroc(), TOL);
    assertEquals(2.0 / 3, q.aupr(), TOL);
    assertEquals(0.0, q.tnrAt95Tpr(), TOL);
  }

  @Test
  void tnrThresholdStopsAtExactlyNinetyFivePercentTpr() {
    // 20 positives scored 11..30, 11 negatives scored 1..10 and 11.5.
    // t = 12 keeps 19/20 = 0.95 of positives, enough; all 11 negatives are below 12 -> TNR 1
    // (going on to t = 11 for 100% TPR would give 10/11).
    // AUROC: 20*10 pairs against 1..10, plus 19 positives above 11.5 -> 219/220.
    // AP: 19 positives at precision 1 -> 19/20; then 11.5 N; then 11 P at precision 20/21 -> 1/21.
    double[] s = new double[31];
    boolean[] pos = new boolean[31];
    for (int k = 1; k <= 20; k++) {
      s[k - 1] = k + 10;
      pos[k - 1] = true;
    }
    for (int k = 1; k <= 10; k++) {
      s[19 + k] = k;
    }
    s[30] = 11.5;
    ScoreQuality q = Ranking.evaluate(s, pos);
    assertEquals(1.0, q.tnrAt95Tpr(), TOL);
    assertEquals(219.0 / 220, q.auroc(), TOL);
    assertEquals(19.0 / 20 + 1.0 / 21, q.aupr(), TOL);
  }

  @Test
  void negativeZeroTiesWithPositiveZero() {
    // Positive -0.0 ties the negative 0.0 (1/2) and loses to 1.0 (0) -> AUROC 1/4.
    ScoreQuality q = Ranking.evaluate(new double[] {-0.0, 0.0, 1.0}, new boolean[] {true, false, false});
    assertEquals(0.25, q.auroc(), TOL);
  }

  @Test
  void undefinedCasesGiveNaN() {
    assertUndefined(Ranking.evaluate(new double[0], new boolean[0]));
    assertUndefined(Ranking.evaluate(new double[] {1, 2, 3}, new boolean[] {false, false, false}));
    assertUndefined(Ranking.evaluate(new double[] {1, 2, 3}, new boolean[] {true, true, true}));
    assertUndefined(Ranking.evaluate(new double[] {4, 4, 4, 4}, new boolean[] {true, false, true, false}));
    assertUndefined(Ranking.evaluate(new double[] {1, Double.NaN, 3}, new boolean[] {true, false, false}));
  }

  @Test
  void agreesWithBruteForceDefinitionsOnRandomScoresWithManyTies() {
    Random r = new Random(42);
    for (int trial = 0; trial < 20; trial++) {
      int n = 50 + r.nextInt(200);
      double[] s = new double[n];
      boolean[] pos = new boolean[n];
      for (int i = 0; i < n; i++) {
        pos[i] = r.nextDouble() < 0.3;
        s[i] = Math.round((r.nextGaussian() + (pos[i] ? 0.8 : 0)) * 4) / 4.0; // coarse: many ties
      }
      ScoreQuality q = Ranking.evaluate(s, pos);
      assertEquals(bruteAuroc(s, pos), q.auroc(), 1e-12);
      assertEquals(bruteAp(s, pos), q.aupr(), 1e-12);
      assertEquals(bruteTnr(s, pos), q.tnrAt95Tpr(), 1e-12);
    }
  }

  @Test
  void tenThousandInputsTakeMilliseconds() {
    Random r = new Random(7);
    int n = 10_000;
    double[] s = new double[n];
    boolean[] pos = new boolean[n];
    for (int i = 0; i < n; i++) {
      pos[i] = r.nextDouble() < 0.05;
      s[i] = r.nextDouble();
    }
    for (int warm = 0; warm < 20; warm++) {
      Ranking.evaluate(s, pos);
    }
    long t0 = System.nanoTime();
    for (int k = 0; k < 46; k++) {
      Ranking.evaluate(s, pos);
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    // 46 sets in well under a second even on a loaded 2-core machine (a quadratic pass would take minutes).
    assertTrue(ms < 2000, "46 evaluations of 10,000 scores took " + ms + " ms");
  }

  private static void assertUndefined(ScoreQuality q) {
    assertTrue(Double.isNaN(q.auroc()) && Double.isNaN(q.aupr()) && Double.isNaN(q.tnrAt95Tpr()), q.toString());
  }

  /** Pairs: a positive above a negative counts 1, a tie 1/2. */
  private static double bruteAuroc(double[] s, boolean[] pos) {
    double sum = 0;
    long pairs = 0;
    for (int i = 0; i < s.length; i++) {
      for (int j = 0; j < s.length; j++) {
        if (pos[i] && !pos[j]) {
          pairs++;
          sum += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
        }
      }
    }
    return sum / pairs;
  }

  /** Sum over distinct thresholds (high to low) of recall increase times precision, by full scans. */
  private static double bruteAp(double[] s, boolean[] pos) {
    double ap = 0;
    double prevRecall = 0;
    int total = count(pos);
    for (double t : new TreeSet<>(java.util.Arrays.stream(s).boxed().toList()).descendingSet()) {
      int tp = 0;
      int fp = 0;
      for (int i = 0; i < s.length; i++) {
        if (s[i] >= t) {
          if (pos[i]) {
            tp++;
          } else {
            fp++;
          }
        }
      }
      double recall = (double) tp / total;
      ap += (recall - prevRecall) * tp / (tp + fp);
      prevRecall = recall;
    }
    return ap;
  }

  /** The highest threshold with TPR >= 0.95, then the share of negatives below it. */
  private static double bruteTnr(double[] s, boolean[] pos) {
    int total = count(pos);
    for (double t : new TreeSet<>(java.util.Arrays.stream(s).boxed().toList()).descendingSet()) {
      int tp = 0;
      for (int i = 0; i < s.length; i++) {
        if (pos[i] && s[i] >= t) {
          tp++;
        }
      }
      if ((double) tp / total >= 0.95 - 1e-12) {
        int below = 0;
        for (int i = 0; i < s.length; i++) {
          if (!pos[i] && s[i] < t) {
            below++;
          }
        }
        return (double) below / (s.length - total);
      }
    }
    throw new AssertionError("unreachable: the lowest threshold has TPR 1");
  }

  private static int count(boolean[] b) {
    int c = 0;
    for (boolean v : b) {
      if (v) {
        c++;
      }
    }
    return c;
  }
}
