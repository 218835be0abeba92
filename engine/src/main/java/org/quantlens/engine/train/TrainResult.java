package org.quantlens.engine.train;

import java.util.List;

/** The history of a training run. */
public final class TrainResult {
  private final List<EpochStats> epochs;
  private final int bestEpoch;
  private final boolean stoppedEarly;

  TrainResult(List<EpochStats> epochs, int bestEpoch, boolean stoppedEarly) {
    this.epochs = List.copyOf(epochs);
    this.bestEpoch = bestEpoch;
    this.stoppedEarly = stoppedEarly;
  }

  /** One entry per epoch run. */
  public List<EpochStats> epochs() {
    return epochs;
  }

  /** The epoch (from 1) with the best monitored metric. */
  public int bestEpoch() {
    return bestEpoch;
  }

  /** True when early stopping ended the run before the last epoch. */
  public boolean stoppedEarly() {
    return stoppedEarly;
  }

  /** The last epoch's statistics. */
  public EpochStats last() {
    return epochs.get(epochs.size() - 1);
  }
}
