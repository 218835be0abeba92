package org.quantlens.study.recipe;

import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.Loss;
import org.quantlens.engine.train.SoftmaxCrossEntropy;
import org.quantlens.engine.train.TrainingSession;

/**
 * L-infinity gradient-sign attacks on inputs in [0, 1]: FGSM ({@code x + eps * sign(dL/dx)}, one
 * step) and PGD (optionally a uniform random start in the eps-ball, then {@code iterations} steps of
 * {@code step * sign(dL/dx)}, each projected back onto the eps-ball around the clean input and onto
 * [0, 1]). The loss is the cross-entropy against the true labels.
 */
public final class Attack {
  private final String method;
  private final double epsilon;
  private final double step;
  private final int iterations;
  private final boolean randomStart;

  private Attack(String method, double epsilon, double step, int iterations, boolean randomStart) {
    if (!(epsilon >= 0) || !(step >= 0) || iterations < 1) {
      throw new IllegalArgumentException("attack needs epsilon >= 0, step >= 0, iterations >= 1; got "
          + epsilon + ", " + step + ", " + iterations);
    }
    this.method = method;
    this.epsilon = epsilon;
    this.step = step;
    this.iterations = iterations;
    this.randomStart = randomStart;
  }

  /** The fast gradient sign method: one step of size {@code epsilon}, no random start. */
  public static Attack fgsm(double epsilon) {
    return new Attack("fgsm", epsilon, epsilon, 1, false);
  }

  /** Projected gradient descent (Madry et al.); the paper's MNIST setting is (0.3, 0.1, 10, true). */
  public static Attack pgd(double epsilon, double step, int iterations, boolean randomStart) {
    return new Attack("pgd", epsilon, step, iterations, randomStart);
  }

  public double epsilon() {
    return epsilon;
  }

  @Override
  public String toString() {
    return method.equals("fgsm") ? "FGSM(eps " + epsilon + ")" : "PGD(eps " + epsilon + ", step "
        + step + ", " + iterations + " iterations" + (randomStart ? ", random start" : "") + ")";
  }

  /**
   * Replaces the first {@code count} samples of {@code x} (in place) by adversarial examples
   * against the model of {@code s}, which must keep the gradient of input {@code in}. The session's
   * mode (training or evaluation) is the caller's; parameter gradients are left dirty.
   */
  public void perturb(TrainingSession s, String in, String out, Tensor x, Tensor labels, int count,
      Loss loss, SplittableRandom rnd) {
    if (count == 0) {
      return;
    }
    int row = x.size() / x.dim(0);
    int n = count * row;
    float[] xf = x.floats();
    float[] clean = java.util.Arrays.copyOf(xf, n);
    int[] shape = x.shape();
    shape[0] = count;
    Tensor adv = Tensor.wrap(DType.F32, xf, shape); // a view of the first rows
    Tensor y = labels.dim(0) == count ? labels : head(labels, count);
    if (randomStart) {
      for (int i = 0; i < n; i++) {
        xf[i] = clip(clean[i] + (float) ((2 * rnd.nextDouble() - 1) * epsilon), clean[i]);
      }
    }
    float[] grad = new float[0];
    for (int it = 0; it < iterations; it++) {
      Tensor logits = s.forward(Map.of(in, adv)).get(out);
      if (grad.length < logits.size()) {
        grad = new float[logits.size()];
      }
      loss.compute(logits, y, grad);
      s.backward(out, grad);
      float[] g = s.inputGradient(in).floats();
      for (int i = 0; i < n; i++) {
        float sign = g[i] > 0 ? 1f : g[i] < 0 ? -1f : 0f;
        xf[i] = clip(xf[i] + (float) step * sign, clean[i]);
      }
    }
  }

  /** Projects onto the eps-ball around {@code c} and onto [0, 1]. */
  private float clip(float v, float c) {
    float lo = Math.max(0f, c - (float) epsilon);
    float hi = Math.min(1f, c + (float) epsilon);
    return v < lo ? lo : v > hi ? hi : v;
  }

  private static Tensor head(Tensor t, int count) {
    int[] shape = t.shape();
    shape[0] = count;
    return Tensor.wrap(t.dtype(), t.data(), shape);
  }

  /**
   * Accuracy of {@code model} (evaluation mode) on adversarial versions of {@code data}, each
   * batch attacked against the model itself (white box).
   *
   * @throws ShapeMismatchException if {@code data} holds no example
   */
  public double accuracy(Graph model, Dataset data, int batchSize, long seed) {
    if (data.size() == 0) {
      throw new ShapeMismatchException("the attacked set is empty: adversarial accuracy needs at"
          + " least one example");
    }
    String in = StandardRecipe.inputName(model);
    String out = model.outputs().get(0).name();
    SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    SplittableRandom rnd = new SplittableRandom(seed);
    int correct = 0;
    try (TrainingSession s = new TrainingSession(model, new TrainingSession.Options()
        .trainable(Set.of()).inputGradients(in).seed(seed))) {
      s.setTraining(false);
      int row = data.x().size() / data.size();
      for (int from = 0; from < data.size(); from += batchSize) {
        int count = Math.min(batchSize, data.size() - from);
        int[] xs = data.x().shape();
        xs[0] = count;
        float[] xb = new float[count * row];
        System.arraycopy(data.x().floats(), from * row, xb, 0, xb.length);
        Tensor x = Tensor.wrap(DType.F32, xb, xs);
        Tensor y = slice(data.y(), from, count);
        perturb(s, in, out, x, y, count, loss, rnd);
        correct += loss.correct(s.forward(Map.of(in, x)).get(out), y);
      }
    }
    return (double) correct / data.size();
  }

  private static Tensor slice(Tensor t, int from, int count) {
    int row = t.size() / t.dim(0);
    int[] shape = t.shape();
    shape[0] = count;
    Tensor r = Tensor.zeros(t.dtype(), shape);
    System.arraycopy(t.data(), from * row, r.data(), 0, count * row);
    return r;
  }
}
