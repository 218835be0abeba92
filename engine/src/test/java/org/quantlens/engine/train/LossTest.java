package org.quantlens.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.tensor.Tensor;

/**
 * Losses against hand-computed values and their gradients against central differences of the
 * loss itself (double loss over float logits, h = 1e-3, tolerance 1e-4 absolute: the loss is
 * computed in double, so the only error is the O(h^2) truncation).
 */
class LossTest {
  private static void checkGradient(Loss loss, Tensor z, Tensor target) {
    float[] g = new float[z.size()];
    loss.compute(z, target, g);
    float[] v = z.floats();
    for (int i = 0; i < v.length; i++) {
      float keep = v[i];
      float up = keep + 1e-3f;
      float down = keep - 1e-3f;
      v[i] = up;
      double lp = loss.compute(z, target, new float[g.length]);
      v[i] = down;
      double lm = loss.compute(z, target, new float[g.length]);
      v[i] = keep;
      assertEquals((lp - lm) / ((double) up - down), g[i], 1e-4, "element " + i);
    }
  }

  @Test
  void crossEntropyOfUniformLogitsIsLogOfClassCount() {
    Tensor z = Tensor.of(new float[8], 2, 4);
    double l = new SoftmaxCrossEntropy().compute(z, Tensor.of(new long[] {1, 3}, 2), new float[8]);
    assertEquals(Math.log(4), l, 1e-12);
  }

  @Test
  void crossEntropyHandComputed() {
    // logits (0, ln 2, ln 3): softmax (1/6, 2/6, 3/6); label 2 -> -ln(1/2); label 0 -> ln 6.
    float ln2 = (float) Math.log(2);
    float ln3 = (float) Math.log(3);
    Tensor z = Tensor.of(new float[] {0, ln2, ln3, 0, ln2, ln3}, 2, 3);
    float[] g = new float[6];
    double l = new SoftmaxCrossEntropy().compute(z, Tensor.of(new int[] {2, 0}, 2), g);
    assertEquals((Math.log(2) + Math.log(6)) / 2, l, 1e-6);
    // gradient (p - onehot) / N
    assertEquals((1.0 / 6) / 2, g[0], 1e-6);
    assertEquals((3.0 / 6 - 1) / 2, g[2], 1e-6);
    assertEquals((1.0 / 6 - 1) / 2, g[3], 1e-6);
  }

  @Test
  void crossEntropyGradientsWithIndicesSmoothingAndProbabilities() {
    Tensor z = GradCheck.rand(1, 3, 5);
    for (int i = 0; i < z.size(); i++) {
      z.floats()[i] *= 4;
    }
    checkGradient(new SoftmaxCrossEntropy(), z, Tensor.of(new long[] {0, 4, 2}, 3));
    checkGradient(new SoftmaxCrossEntropy(0.1), z, Tensor.of(new long[] {1, 1, 3}, 3));
    Tensor soft = Tensor.of(new float[] {0.5f, 0.5f, 0, 0, 0, 0, 0, 1, 0, 0, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, 3, 5);
    checkGradient(new SoftmaxCrossEntropy(), z, soft);
  }

  @Test
  void labelSmoothingMatchesItsDefinition() {
    Tensor z = GradCheck.rand(2, 2, 4);
    Tensor y = Tensor.of(new long[] {3, 0}, 2);
    double eps = 0.2;
    double expected = 0;
    for (int r = 0; r < 2; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < 4; j++) {
        max = Math.max(max, z.floats()[r * 4 + j]);
      }
      double s = 0;
      for (int j = 0; j < 4; j++) {
        s += Math.exp(z.floats()[r * 4 + j] - max);
      }
      for (int j = 0; j < 4; j++) {
        double logp = z.floats()[r * 4 + j] - max - Math.log(s);
        double q = (j == y.longs()[r] ? 1 - eps : 0) + eps / 4;
        expected -= q * logp / 2;
      }
    }
    assertEquals(expected, new SoftmaxCrossEntropy(eps).compute(z, y, new float[8]), 1e-6);
  }

  @Test
  void crossEntropyStaysFiniteForHugeLogits() {
    Tensor z = Tensor.of(new float[] {1e30f, -1e30f, 0}, 1, 3);
    float[] g = new float[3];
    double l = new SoftmaxCrossEntropy().compute(z, Tensor.of(new long[] {1}, 1), g);
    assertTrue(Double.isFinite(l) && l > 1e29, "loss " + l);
    assertEquals(1f, g[0], 0f);
    assertEquals(-1f, g[1], 0f);
  }

  @Test
  void labelOutsideTheClassesIsAClearError() {
    QuantLensException e = assertThrows(QuantLensException.class, () -> new SoftmaxCrossEntropy()
        .compute(Tensor.of(new float[6], 2, 3), Tensor.of(new long[] {0, 3}, 2), new float[6]));
    assertTrue(e.getMessage().contains("label 3") && e.getMessage().contains("3 classes"),
        e.getMessage());
  }

  @Test
  void binaryCrossEntropyHandComputedAndGradient() {
    // z = 0: loss ln 2 whatever the target; z = ln 3: sigmoid 3/4, target 1 -> -ln(3/4).
    float ln3 = (float) Math.log(3);
    Tensor z = Tensor.of(new float[] {0, ln3}, 2, 1);
    float[] g = new float[2];
    double l = new BinaryCrossEntropyWithLogits().compute(z, Tensor.of(new float[] {1, 1}, 2, 1), g);
    assertEquals((Math.log(2) - Math.log(0.75)) / 2, l, 1e-6);
    assertEquals((0.5 - 1) / 2, g[0], 1e-6);
    Tensor r = GradCheck.rand(3, 4, 3);
    for (int i = 0; i < r.size(); i++) {
      r.floats()[i] *= 30; // far into both tails
    }
    checkGradient(new BinaryCrossEntropyWithLogits(), r, GradCheck.rand(4, 4, 3));
    assertEquals(2, new BinaryCrossEntropyWithLogits().correct(Tensor.of(new float[] {2, -1}, 2, 1),
        Tensor.of(new long[] {1, 0}, 2, 1)));
  }
}
