package org.quantlens.study.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.SoftmaxCrossEntropy;
import org.quantlens.engine.train.TrainingSession;

/** FGSM against a hand-computed linear case; PGD's projections onto the eps-ball and [0, 1]. */
class AttackTest {
  /** logits = x W^T, x [N, 3], two classes. */
  private static Graph linear(float[] w) {
    Graph g = new Graph("linear");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 3));
    g.initializers().put("w", Tensor.of(w, 2, 3));
    g.nodes().add(new Node("fc", "Gemm", List.of("x", "w"), List.of("logits"),
        Map.of("transB", Attribute.of(1L))));
    g.outputs().add(new Value("logits", DType.F32, -1, 2));
    return g;
  }

  @Test
  void accuracyOnAnEmptySetIsATypedErrorNotADivisionByZero() {
    Dataset empty = Dataset.of(Tensor.zeros(DType.F32, 0, 3), Tensor.zeros(DType.I64, 0));
    ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
        () -> Attack.fgsm(0.1).accuracy(linear(new float[6]), empty, 8, 1));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  @Test
  void fgsmMovesEachInputByEpsilonTimesTheSignOfTheLossGradient() {
    // W = [[1, -2, 0], [-1, 2, 0]], x = [0.5, 0.95, 0.3], label 0.
    // logits = [0.5 - 1.9, -0.5 + 1.9] = [-1.4, 1.4]; p = softmax = [0.0573, 0.9427];
    // dL/dlogits = p - onehot(0) = [-0.9427, 0.9427];
    // dL/dx = W^T (p - y) = [1*-0.9427 + -1*0.9427, -2*-0.9427 + 2*0.9427, 0] = [-1.885, 3.771, 0].
    // FGSM with eps 0.1: x + 0.1 * sign = [0.4, 1.05 -> clipped to 1.0, 0.3 (zero gradient)].
    Graph g = linear(new float[] {1, -2, 0, -1, 2, 0});
    Tensor x = Tensor.of(new float[] {0.5f, 0.95f, 0.3f}, 1, 3);
    try (TrainingSession s = new TrainingSession(g, new TrainingSession.Options().threads(1)
        .trainable(Set.of()).inputGradients("x"))) {
      Attack.fgsm(0.1).perturb(s, "x", "logits", x, Tensor.of(new long[] {0}, 1), 1,
          new SoftmaxCrossEntropy(), new SplittableRandom(1));
    }
    assertEquals(0.4f, x.floats()[0], 1e-6f);
    assertEquals(1.0f, x.floats()[1], 1e-6f);
    assertEquals(0.3f, x.floats()[2], 1e-6f);
  }

  @Test
  void fgsmTouchesOnlyTheAttackedShareOfTheBatch() {
    Graph g = linear(new float[] {1, -2, 0.5f, -1, 2, -0.5f});
    float[] orig = {0.2f, 0.4f, 0.6f, 0.1f, 0.5f, 0.9f};
    Tensor x = Tensor.of(orig.clone(), 2, 3);
    try (TrainingSession s = new TrainingSession(g, new TrainingSession.Options().threads(1)
        .trainable(Set.of()).inputGradients("x"))) {
      Attack.fgsm(0.05).perturb(s, "x", "logits", x, Tensor.of(new long[] {1, 0}, 2), 1,
          new SoftmaxCrossEntropy(), new SplittableRandom(1));
    }
    for (int i = 0; i < 3; i++) {
      assertEquals(0.05f, Math.abs(x.floats()[i] - orig[i]), 1e-6f, "attacked sample, input " + i);
      assertEquals(orig[3 + i], x.floats()[3 + i], "second sample untouched");
    }
  }

  @Test
  void pgdStaysInsideTheEpsilonBallAndTheUnitIntervalAndRaisesTheLoss() {
    Random r = new Random(2);
    float[] w = new float[6];
    for (int i = 0; i < 6; i++) {
      w[i] = (float) r.nextGaussian() * 3;
    }
    Graph g = linear(w);
    int n = 64;
    float[] clean = new float[n * 3];
    long[] labels = new long[n];
    for (int i = 0; i < clean.length; i++) {
      clean[i] = i % 7 == 0 ? 0f : i % 11 == 0 ? 1f : r.nextFloat();
    }
    for (int i = 0; i < n; i++) {
      labels[i] = r.nextInt(2);
    }
    Tensor x = Tensor.of(clean.clone(), n, 3);
    Tensor y = Tensor.of(labels, n);
    SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    double before;
    double after;
    float eps = 0.1f;
    try (TrainingSession s = new TrainingSession(g, new TrainingSession.Options().threads(1)
        .trainable(Set.of()).inputGradients("x"))) {
      float[] grad = new float[n * 2];
      before = loss.compute(s.forward(Map.of("x", Tensor.of(clean.clone(), n, 3))).get("logits"), y, grad);
      Attack.pgd(eps, 0.04, 10, true).perturb(s, "x", "logits", x, y, n, loss, new SplittableRandom(3));
      after = loss.compute(s.forward(Map.of("x", x)).get("logits"), y, grad);
    }
    int moved = 0;
    for (int i = 0; i < clean.length; i++) {
      float v = x.floats()[i];
      assertTrue(v >= 0f && v <= 1f, "element " + i + " = " + v + " left [0, 1]");
      assertTrue(Math.abs(v - clean[i]) <= eps + 1e-6f, "element " + i + " moved "
          + Math.abs(v - clean[i]) + " > eps");
      moved += Math.abs(v - clean[i]) > eps / 2 ? 1 : 0;
    }
    assertTrue(moved > clean.length / 2, "the attack should use its budget: " + moved + " moved");
    assertTrue(after > before + 0.05, "PGD raises the loss: " + before + " -> " + after);
  }
}
