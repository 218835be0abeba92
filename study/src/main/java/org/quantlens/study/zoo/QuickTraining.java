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
      // Measured on fashion-mnist-mini (seed 1, accuracy on its 1 000 test images): row-gru
      // 86.9%, row-lstm 84.5%, about 15 s each on a 2-core machine shared by many jobs (1.5 s per
      // epoch once the JIT has compiled the kernels). Adam at 1e-2 gave the GRU 87.2% but is
      // nearer the edge for other seeds; 5 epochs gave 83.3%.
      case "row-lstm": case "row-gru": return new QuickTraining(10, 32, 5e-3);
      // Measured likewise: lenet5 87.5%, lenet1 83.1%.
      case "lenet1": case "lenet5": return new QuickTraining(10, 32, 3e-3);
      // Not measured for whole runs (the quick tests train a few dozen steps only): a guess in
      // line with the above; ResNet-20 and NiN cost 100 to 1 000 times LeNet-1 per image.
      case "resnet20": return new QuickTraining(4, 32, 3e-3);
      case "nin": return new QuickTraining(4, 16, 2e-3);
      default: return new QuickTraining(3, 32, 3e-3); // text-lstm, text-gru: not measured
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
