package org.quantlens.engine.train;

import org.quantlens.engine.QuantLensException;

/**
 * The loss became NaN or infinite. Training stopped and the session holds the parameters of the
 * last step whose loss was finite (checkpoints already written are untouched).
 */
public final class TrainingDivergedException extends QuantLensException {
  private static final long serialVersionUID = 1L;
  private final int epoch;
  private final int batch;

  TrainingDivergedException(String message, int epoch, int batch) {
    super(message);
    this.epoch = epoch;
    this.batch = batch;
  }

  /** The epoch (from 1) in which the loss diverged. */
  public int epoch() {
    return epoch;
  }

  /** The batch (from 1) whose loss was not finite. */
  public int batch() {
    return batch;
  }
}
