package org.quantlens.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.tensor.Tensor;

/**
 * Optimizer steps against values worked out by hand (first steps) and a plain double-precision
 * re-derivation of each update rule (later steps); float32 updates agree to 1e-6 relative.
 */
class OptimizerTest {
  private static Parameter param(float... w) {
    return new Parameter("w", Tensor.of(w.clone(), w.length));
  }

  private static void setGrad(Parameter p, float... g) {
    System.arraycopy(g, 0, p.grad(), 0, g.length);
  }

  @Test
  void plainSgdStepsAgainstTheGradientWithL2() {
    Parameter p = param(1f, -2f);
    setGrad(p, 0.5f, 1f);
    new Sgd(0, false, 0.1).step(List.of(p), 0.1);
    // w - lr * (g + wd * w): 1 - 0.1 * (0.5 + 0.1) = 0.94; -2 - 0.1 * (1 - 0.2) = -2.08
    assertEquals(0.94f, p.data()[0], 1e-6f);
    assertEquals(-2.08f, p.data()[1], 1e-6f);
  }

  @Test
  void momentumAndNesterovOverThreeSteps() {
    for (boolean nesterov : new boolean[] {false, true}) {
      Parameter p = param(1f);
      Sgd sgd = new Sgd(0.9, nesterov, 0);
      double w = 1;
      double v = 0;
      double[] grads = {1, 0.5, -2};
      for (double g : grads) {
        setGrad(p, (float) g);
        sgd.step(List.of(p), 0.1);
        v = 0.9 * v + g;
        w -= 0.1 * (nesterov ? g + 0.9 * v : v);
      }
      assertEquals(w, p.data()[0], 1e-6, "nesterov " + nesterov);
    }
    // By hand, heavy ball: v = 1, 1.4, -0.74; w = 0.9, 0.76, 0.834.
    Parameter p = param(1f);
    Sgd sgd = new Sgd(0.9, false, 0);
    for (float g : new float[] {1, 0.5f, -2}) {
      setGrad(p, g);
      sgd.step(List.of(p), 0.1);
    }
    assertEquals(0.834f, p.data()[0], 1e-6f);
  }

  @Test
  void adamFirstStepMovesEveryWeightByTheLearningRate() {
    // Bias correction makes m^ = g and v^ = g^2: the first step is lr * sign(g) (eps aside).
    Parameter p = param(1f, 1f, 1f);
    setGrad(p, 3f, -0.01f, 100f);
    new Adam().step(List.of(p), 0.01);
    assertEquals(0.99f, p.data()[0], 1e-6f);
    assertEquals(1.01f, p.data()[1], 1e-5f);
    assertEquals(0.99f, p.data()[2], 1e-6f);
  }

  @Test
  void adamAndAdamWAgainstADoublePrecisionReference() {
    double[] grads = {0.3, -0.1, 0.7, 0.2};
    for (boolean decoupled : new boolean[] {false, true}) {
      Parameter p = param(0.5f);
      Adam adam = new Adam(0.9, 0.99, 1e-8, 0.05, decoupled);
      double w = 0.5;
      double m = 0;
      double v = 0;
      for (int t = 1; t <= grads.length; t++) {
        setGrad(p, (float) grads[t - 1]);
        adam.step(List.of(p), 0.02);
        double g = grads[t - 1] + (decoupled ? 0 : 0.05 * w);
        if (decoupled) {
          w -= 0.02 * 0.05 * w;
        }
        m = 0.9 * m + 0.1 * g;
        v = 0.99 * v + 0.01 * g * g;
        double mh = m / (1 - Math.pow(0.9, t));
        double vh = v / (1 - Math.pow(0.99, t));
        w -= 0.02 * mh / (Math.sqrt(vh) + 1e-8);
      }
      assertEquals(w, p.data()[0], 1e-6, "decoupled " + decoupled);
    }
  }

  @Test
  void weightDecayCanBeSwitchedOffPerParameter() {
    Parameter p = param(1f).decay(false);
    setGrad(p, 0f);
    new Sgd(0, false, 0.5).step(List.of(p), 0.1);
    assertEquals(1f, p.data()[0], 0f);
  }

  @Test
  void schedules() {
    int spe = 10;
    assertEquals(0.1, LrSchedule.constant(0.1).lr(123, spe), 0);
    LrSchedule step = LrSchedule.step(0.1, 2, 0.5);
    assertEquals(0.1, step.lr(19, spe), 1e-15);
    assertEquals(0.05, step.lr(20, spe), 1e-15);
    assertEquals(0.025, step.lr(45, spe), 1e-15);
    LrSchedule cos = LrSchedule.cosine(0.1, 4, 0.001);
    assertEquals(0.1, cos.lr(0, spe), 1e-15);
    assertEquals((0.1 + 0.001) / 2, cos.lr(20, spe), 1e-12);
    assertEquals(0.001, cos.lr(40, spe), 1e-15);
    assertEquals(0.001, cos.lr(99, spe), 1e-15);
    LrSchedule warm = LrSchedule.warmup(0.5, LrSchedule.constant(0.2));
    assertEquals(0.2 / 5, warm.lr(0, spe), 1e-15);
    assertEquals(0.2 * 4 / 5, warm.lr(3, spe), 1e-15);
    assertEquals(0.2, warm.lr(5, spe), 1e-15);
  }
}
