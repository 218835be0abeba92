package org.quantlens.engine.train;

import org.quantlens.engine.tensor.Tensor;

/** A loss over a model output and targets: its value and its gradient with respect to the output. */
public interface Loss {
  /**
   * Computes the loss of {@code output} against {@code target} and writes dLoss/d(output) into
   * {@code grad} (overwriting its first {@code output.size()} values).
   *
   * @return the loss (a mean over the batch)
   * @throws org.quantlens.engine.QuantLensException when targets do not fit the output (a label
   *     outside the classes, a size mismatch)
   */
  double compute(Tensor output, Tensor target, float[] grad);

  /** How many of the batch's samples the output classifies correctly (for accuracy). */
  int correct(Tensor output, Tensor target);
}
