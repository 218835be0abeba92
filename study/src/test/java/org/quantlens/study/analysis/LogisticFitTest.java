package org.quantlens.study.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fit checked against the optimality conditions of the penalized log loss, not against itself. */
class LogisticFitTest {

  private static double sigmoid(double m) {
    return 1 / (1 + Math.exp(-m));
  }

  @Test
  void twoPointsGiveTheFixedPointOfTheRidgeEquation() {
    // x = 3 (negative), 5 (positive): mean 4, sd 1, so z = -1, +1. By symmetry b = 0, and
    // d/dw [2 log(1 + e^-w) + w^2/2] = -2 sigmoid(-w) + w = 0, i.e. w = 2 sigmoid(-w).
    // Bisection by hand: w = 0.675 gives 2 sigmoid(-0.675) = 0.6748, so w is about 0.6749.
    LogisticFit f = LogisticFit.fit(new double[] {3, 5}, new boolean[] {false, true}, 2);
    assertEquals(0.0, f.intercept(), 1e-9);
    assertEquals(2 * sigmoid(-f.weight()), f.weight(), 1e-9);
    assertEquals(0.6749, f.weight(), 1e-3);
    assertEquals(f.weight(), f.logit(5), 1e-9);
    assertEquals(-f.weight(), f.logit(3), 1e-9);
  }

  @Test
  void overlappingClassesSatisfyTheScoreEquations() {
    // At the optimum: sum (p - y) = 0 (intercept, unpenalized) and sum (p - y) z + w = 0.
    Random r = new Random(3);
    int n = 400;
    double[] x = new double[n];
    boolean[] y = new boolean[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextBoolean();
      x[i] = 10 + 2 * r.nextGaussian() + (y[i] ? -1.5 : 0); // positives lower: w must come out negative
    }
    LogisticFit f = LogisticFit.fit(x, y, n);
    double gb = 0;
    double gw = f.weight();
    for (int i = 0; i < n; i++) {
      double z = (x[i] - f.mean()) * f.scale();
      double res = sigmoid(f.intercept() + f.weight() * z) - (y[i] ? 1 : 0);
      gb += res;
      gw += res * z;
    }
    assertEquals(0.0, gb, 1e-8);
    assertEquals(0.0, gw, 1e-8);
    assertEquals(true, f.weight() < 0);
  }

  @Test
  void separableClassesKeepAFiniteWeight() {
    double[] x = {1, 2, 3, 10, 11, 12};
    boolean[] y = {false, false, false, true, true, true};
    LogisticFit f = LogisticFit.fit(x, y, 6);
    assertEquals(true, Double.isFinite(f.weight()) && f.weight() > 0, "w = " + f.weight());
  }

  @Test
  void constantFeatureGivesZeroWeight() {
    LogisticFit f = LogisticFit.fit(new double[] {7, 7, 7, 7}, new boolean[] {true, false, true, false}, 4);
    assertEquals(0.0, f.weight(), 0.0);
    assertEquals(0.0, f.intercept(), 1e-12);
  }
}
