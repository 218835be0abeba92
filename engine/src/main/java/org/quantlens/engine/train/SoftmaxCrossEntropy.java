package org.quantlens.engine.train;

import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Softmax cross-entropy over logits {@code [N, C]} (any rank: the first dimension is the batch,
 * the rest flattened into classes), mean over the batch. Targets are class indices ({@code [N]},
 * int32 or int64) or class probabilities ({@code [N, C]} float32, as Mixup makes them). With label
 * smoothing {@code e} the target is {@code (1 - e) * t + e / C}. Computed in double with the
 * maximum subtracted, so large logits do not overflow.
 */
public final class SoftmaxCrossEntropy implements Loss {
  private final double smoothing;

  public SoftmaxCrossEntropy() {
    this(0);
  }

  /** @param labelSmoothing in [0, 1) */
  public SoftmaxCrossEntropy(double labelSmoothing) {
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
    }
    this.smoothing = labelSmoothing;
  }

  @Override
  public double compute(Tensor output, Tensor target, float[] grad) {
    int n = output.dim(0);
    int c = n == 0 ? 0 : output.size() / n;
    boolean soft = checkTarget(output, target, n, c);
    float[] z = output.floats();
    double total = 0;
    double invN = 1.0 / n;
    double[] p = new double[c];
    for (int r = 0; r < n; r++) {
      int off = r * c;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < c; j++) {
        max = Math.max(max, z[off + j]);
      }
      double sum = 0;
      for (int j = 0; j < c; j++) {
        p[j] = Math.exp(z[off + j] - max);
        sum += p[j];
      }
      double logSum = Math.log(sum) + max;
      int label = soft ? -1 : (int) target.getLong(r);
      for (int j = 0; j < c; j++) {
        double q = soft ? target.floats()[off + j] : j == label ? 1 : 0;
        q = (1 - smoothing) * q + smoothing / c;
        total -= q == 0 ? 0 : q * (z[off + j] - logSum);
        grad[off + j] = (float) ((p[j] / sum - q) * invN);
      }
    }
    return total * invN;
  }

  /** Checks the target against the output; true for probability targets. */
  static boolean checkTarget(Tensor output, Tensor target, int n, int c) {
    if (output.dtype() != DType.F32) {
      throw new ShapeMismatchException("loss needs float32 outputs, got " + output.dtype());
    }
    if (target.dtype() == DType.F32) {
      if (target.size() != output.size()) {
        throw new ShapeMismatchException("probability targets have " + target.size()
            + " values, the output " + output.size());
      }
      return true;
    }
    if (target.dtype() != DType.I64 && target.dtype() != DType.I32) {
      throw new ShapeMismatchException("targets must be int32/int64 class indices or float32"
          + " probabilities, got " + target.dtype());
    }
    if (target.size() != n) {
      throw new ShapeMismatchException(target.size() + " labels for a batch of " + n);
    }
    for (int r = 0; r < n; r++) {
      long y = target.getLong(r);
      if (y < 0 || y >= c) {
        throw new QuantLensException("label " + y + " of sample " + r + " is outside the model's "
            + c + " classes [0, " + (c - 1) + "]");
      }
    }
    return false;
  }

  @Override
  public int correct(Tensor output, Tensor target) {
    int n = output.dim(0);
    int c = n == 0 ? 0 : output.size() / n;
    boolean soft = target.dtype() == DType.F32;
    float[] z = output.floats();
    int ok = 0;
    for (int r = 0; r < n; r++) {
      int pred = argmax(z, r * c, c);
      int label = soft ? argmax(target.floats(), r * c, c) : (int) target.getLong(r);
      ok += pred == label ? 1 : 0;
    }
    return ok;
  }

  /** Index of the first maximum of {@code v[off .. off + len)}. */
  static int argmax(float[] v, int off, int len) {
    int best = 0;
    for (int j = 1; j < len; j++) {
      if (v[off + j] > v[off + best]) {
        best = j;
      }
    }
    return best;
  }
}
