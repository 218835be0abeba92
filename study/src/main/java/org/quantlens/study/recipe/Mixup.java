package org.quantlens.study.recipe;

import java.util.SplittableRandom;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Batch;
import org.quantlens.engine.train.BatchTransform;
import org.quantlens.engine.train.TrainingSession;

/**
 * Mixup (Zhang et al. 2018) with one lambda per sample: sample {@code i} becomes
 * {@code l_i * x_i + (1 - l_i) * x_p(i)} with target {@code l_i * onehot(y_i) + (1 - l_i) *
 * onehot(y_p(i))}, {@code p} a random permutation of the batch and {@code l_i ~ Beta(alpha, alpha)}.
 * Targets become class probabilities, which {@link org.quantlens.engine.train.SoftmaxCrossEntropy}
 * takes as they are. Buffers are kept per batch size.
 */
final class Mixup implements BatchTransform {
  private final double alpha;
  private final int classes;
  private Batch out;
  private int[] perm = new int[0];
  private float[] lambda = new float[0];

  Mixup(double alpha, int classes) {
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("mixup alpha must be positive, got " + alpha);
    }
    this.alpha = alpha;
    this.classes = classes;
  }

  /** The lambdas of the last batch (for tests). */
  float[] lambdas() {
    return lambda;
  }

  /** The partner of each sample in the last batch (for tests). */
  int[] partners() {
    return perm;
  }

  @Override
  public Batch apply(Batch batch, TrainingSession session, SplittableRandom rnd) {
    int n = batch.size();
    if (out == null || out.size() != n) {
      int[] xs = batch.x().shape();
      out = new Batch(Tensor.zeros(DType.F32, xs), Tensor.zeros(DType.F32, n, classes));
      perm = new int[n];
      lambda = new float[n];
    }
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    int row = batch.x().size() / n;
    float[] x = batch.x().floats();
    float[] mx = out.x().floats();
    float[] my = out.y().floats();
    java.util.Arrays.fill(my, 0, n * classes, 0f);
    for (int i = 0; i < n; i++) {
      float l = (float) Beta.sample(rnd, alpha, alpha);
      lambda[i] = l;
      int p = perm[i];
      for (int k = 0; k < row; k++) {
        mx[i * row + k] = l * x[i * row + k] + (1 - l) * x[p * row + k];
      }
      my[i * classes + label(batch.y(), i)] += l;
      my[i * classes + label(batch.y(), p)] += 1 - l;
    }
    return out;
  }

  private int label(Tensor y, int i) {
    long v = y.getLong(i);
    if (v < 0 || v >= classes) {
      throw new org.quantlens.engine.ShapeMismatchException("label " + v + " of a training sample is"
          + " outside the model's " + classes + " classes");
    }
    return (int) v;
  }
}
