package org.quantlens.study.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProtocolsTest {

  /** 1000 inputs, 50 disagreements; disagreements score in [0, 1), agreements in [2, 3) (or reversed). */
  private static double[] separable(boolean[] pos, boolean disagreementsHigh) {
    Random r = new Random(11);
    double[] s = new double[pos.length];
    for (int i = 0; i < pos.length; i++) {
      pos[i] = i % 20 == 0;
      boolean low = pos[i] != disagreementsHigh;
      s[i] = (low ? 0 : 2) + r.nextDouble();
    }
    return s;
  }

  @Test
  void paperProtocolSeparatesPerfectlySeparableScores() {
    boolean[] pos = new boolean[1000];
    double[] s = separable(pos, true);
    assertEquals(new ScoreQuality(1, 1, 1), Protocols.paper(s, pos, 1));
    assertEquals(new ScoreQuality(1, 1, 1), Protocols.direct(s, pos));
  }

  @Test
  void paperProtocolLearnsTheDirectionWhileDirectRankingDoesNot() {
    // Disagreements score LOW: the logistic regression turns the sign around; the direct ranking
    // (higher = disagreement) gets everything backwards.
    boolean[] pos = new boolean[1000];
    double[] s = separable(pos, false);
    assertEquals(1.0, Protocols.paper(s, pos, 1).auroc(), 0.0);
    assertEquals(0.0, Protocols.direct(s, pos).auroc(), 0.0);
  }

  @Test
  void sameSeedSameResultOtherSeedsDrawOtherSamples() {
    Random r = new Random(5);
    int n = 2000;
    boolean[] pos = new boolean[n];
    double[] s = new double[n];
    for (int i = 0; i < n; i++) {
      pos[i] = r.nextDouble() < 0.1;
      s[i] = r.nextGaussian() + (pos[i] ? 1 : 0);
    }
    assertEquals(Protocols.paper(s, pos, 7), Protocols.paper(s, pos, 7));
    Set<Double> aurocs = new HashSet<>();
    for (long seed = 0; seed < 10; seed++) {
      ScoreQuality q = Protocols.paper(s, pos, seed);
      assertTrue(q.auroc() > 0.5 && q.auroc() < 1, "overlapping classes, seed " + seed + ": " + q);
      aurocs.add(q.auroc());
    }
    assertTrue(aurocs.size() > 1, "ten seeds gave one AUROC: the seed is not used");
  }

  @Test
  void fewerThanTwoOfEitherClassIsUndefined() {
    double[] s = {0.1, 0.2, 0.3, 0.4, 0.5};
    assertTrue(Double.isNaN(Protocols.paper(s, new boolean[5], 1).auroc()));
    assertTrue(Double.isNaN(Protocols.paper(s, new boolean[] {false, false, false, false, true}, 1).auroc()));
    assertTrue(Double.isNaN(Protocols.paper(s, new boolean[] {true, true, true, true, false}, 1).auroc()));
  }

  @Test
  void twoOfEachClassIsEnoughToTrainAndTest() {
    ScoreQuality q = Protocols.paper(new double[] {0.9, 0.8, 0.1, 0.2}, new boolean[] {true, true, false, false}, 3);
    assertEquals(new ScoreQuality(1, 1, 1), q);
  }

  @Test
  void constantMetricIsUndefined() {
    double[] s = new double[100];
    java.util.Arrays.fill(s, 0.5);
    boolean[] pos = new boolean[100];
    for (int i = 0; i < 100; i += 4) {
      pos[i] = true;
    }
    ScoreQuality q = Protocols.paper(s, pos, 1);
    assertTrue(Double.isNaN(q.auroc()) && Double.isNaN(q.aupr()) && Double.isNaN(q.tnrAt95Tpr()), q.toString());
  }
}
