package org.quantlens.study.zoo;

import org.quantlens.engine.train.Adam;
import org.quantlens.engine.train.LrSchedule;
import org.quantlens.engine.train.Trainer;

/**
 * Settings that train a zoo model to a good accuracy fast on a small data set (the 5 000 training
 * images of {@code fashion-mnist-mini}; for a study demo that should finish in about a minute on
 * a laptop): Adam at {@link #learningRate()} with cosine decay to 0 over {@link #epochs()}
 * epochs, batches of {@link #batchSize()}. The numbers come from runs on fashion-mnist-mini
 * recorded in the zoo's training tests ({@code RowSequenceTrainingTest}).
 */
public final class QuickTraining {
  private final int epochs;
  private final int batchSize;
  private final double learningRate;

  QuickTraining(int epochs, int batchSize, double learningRate) {
    this.epochs = epochs;
    this.batchSize = batchSize;
    this.learningRate = learningRate;
  }

  static QuickTraining of(String arch) {
    switch (arch) {
      // Recurrent models on 28 rows: a larger step than Adam's 1e-3 default, batches of 32 for
      // more updates per epoch.
      case "row-lstm": return new QuickTraining(8, 32, 5e-3);
      case "row-gru": return new QuickTraining(8, 32, 5e-3);
      case "text-lstm": case "text-gru": return new QuickTraining(3, 32, 3e-3);
      case "resnet20": return new QuickTraining(4, 32, 3e-3);
      case "nin": return new QuickTraining(6, 32, 1e-3);
      default: return new QuickTraining(10, 32, 3e-3); // lenet1, lenet5
    }
  }

  public int epochs() {
    return epochs;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Adam's initial learning rate. */
  public double learningRate() {
    return learningRate;
  }

  /** The cosine schedule from {@link #learningRate()} to 0 over {@link #epochs()}. */
  public LrSchedule schedule() {
    return LrSchedule.cosine(learningRate, epochs, 0);
  }

  /** A trainer builder with these settings and {@code seed}; add listeners, checkpoints, etc. */
  public Trainer.Builder trainer(long seed) {
    return Trainer.builder().epochs(epochs).batchSize(batchSize).seed(seed).optimizer(new Adam())
        .schedule(schedule());
  }

  @Override
  public String toString() {
    return epochs + " epochs, batch " + batchSize + ", Adam lr " + learningRate + " cosine";
  }
}
