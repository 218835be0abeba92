package org.quantlens.engine.train;

import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Binary cross-entropy on logits, mean over all elements:
 * {@code max(z, 0) - z * t + log(1 + exp(-|z|))}, stable for any z. Targets have the output's
 * size, float32 in [0, 1] or integer 0/1. A sample counts as correct when every element's sign
 * agrees with its target's side of 0.5.
 */
public final class BinaryCrossEntropyWithLogits implements Loss {
  /** The loss (stateless). */
  public BinaryCrossEntropyWithLogits() {}

  @Override
  public double compute(Tensor output, Tensor target, float[] grad) {
    check(output, target);
    float[] z = output.floats();
    int n = output.size();
    double total = 0;
    for (int i = 0; i < n; i++) {
      double t = target.getDouble(i);
      double zi = z[i];
      total += Math.max(zi, 0) - zi * t + Math.log1p(Math.exp(-Math.abs(zi)));
      double sig = zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
      grad[i] = (float) ((sig - t) / n);
    }
    return total / n;
  }

  private static void check(Tensor output, Tensor target) {
    if (output.dtype() != DType.F32) {
      throw new ShapeMismatchException("loss needs float32 outputs, got " + output.dtype());
    }
    if (target.size() != output.size()) {
      throw new ShapeMismatchException("binary targets have " + target.size() + " values, the output "
          + output.size());
    }
  }

  @Override
  public int correct(Tensor output, Tensor target) {
    check(output, target);
    int n = output.dim(0);
    int per = n == 0 ? 0 : output.size() / n;
    float[] z = output.floats();
    int ok = 0;
    for (int r = 0; r < n; r++) {
      boolean all = true;
      for (int j = r * per; j < (r + 1) * per; j++) {
        all &= (z[j] > 0) == (target.getDouble(j) > 0.5);
      }
      ok += all ? 1 : 0;
    }
    return ok;
  }
}
