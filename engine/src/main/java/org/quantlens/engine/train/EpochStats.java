package org.quantlens.engine.train;

import java.util.Locale;

/** What one epoch achieved. Validation values are NaN without a validation set. */
public final class EpochStats {
  private final int epoch;
  private final double trainLoss;
  private final double trainAccuracy;
  private final double valLoss;
  private final double valAccuracy;
  private final double seconds;
  private final double lr;
  private final boolean improved;

  EpochStats(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
      double seconds, double lr, boolean improved) {
    this.epoch = epoch;
    this.trainLoss = trainLoss;
    this.trainAccuracy = trainAccuracy;
    this.valLoss = valLoss;
    this.valAccuracy = valAccuracy;
    this.seconds = seconds;
    this.lr = lr;
    this.improved = improved;
  }

  /** From 1. */
  public int epoch() {
    return epoch;
  }

  public double trainLoss() {
    return trainLoss;
  }

  public double trainAccuracy() {
    return trainAccuracy;
  }

  public double valLoss() {
    return valLoss;
  }

  public double valAccuracy() {
    return valAccuracy;
  }

  /** Wall time of the training part of the epoch (validation excluded). */
  public double seconds() {
    return seconds;
  }

  /** Learning rate of the epoch's last step. */
  public double lr() {
    return lr;
  }

  /** True when the monitored metric improved on every earlier epoch. */
  public boolean improved() {
    return improved;
  }

  /** One progress line; the validation part is left out when there was no validation set. */
  public String line() {
    String validation = Double.isNaN(valLoss) ? ""
        : String.format(Locale.ROOT, ", validation loss %.4f acc %.2f%%", valLoss, 100 * valAccuracy);
    return String.format(Locale.ROOT, "epoch %d: train loss %.4f acc %.2f%%%s, %.1f s, lr %.3g%s",
        epoch, trainLoss, 100 * trainAccuracy, validation, seconds, lr, improved ? " *" : "");
  }

  @Override
  public String toString() {
    return line();
  }
}
