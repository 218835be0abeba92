package org.quantlens.engine.train;

import java.io.PrintStream;

/** Hears a training run's progress: after every batch and every epoch. */
public interface TrainListener {
  default void onBatch(BatchProgress p) {}

  default void onEpoch(EpochStats s) {}

  /** Prints {@link BatchProgress#line()} every {@code everyBatches} batches and each epoch's summary. */
  static TrainListener printing(PrintStream out, int everyBatches) {
    return new TrainListener() {
      @Override
      public void onBatch(BatchProgress p) {
        if (p.batch() % everyBatches == 0 || p.batch() == p.batches()) {
          out.println(p.line());
        }
      }

      @Override
      public void onEpoch(EpochStats s) {
        out.println(s.line());
      }
    };
  }

  /** Progress within an epoch. */
  final class BatchProgress {
    private final int epoch;
    private final int epochs;
    private final int batch;
    private final int batches;
    private final double loss;
    private final double accuracy;
    private final double itemsPerSecond;
    private final double etaSeconds;

    BatchProgress(int epoch, int epochs, int batch, int batches, double loss, double accuracy,
        double itemsPerSecond, double etaSeconds) {
      this.epoch = epoch;
      this.epochs = epochs;
      this.batch = batch;
      this.batches = batches;
      this.loss = loss;
      this.accuracy = accuracy;
      this.itemsPerSecond = itemsPerSecond;
      this.etaSeconds = etaSeconds;
    }

    /** Epoch, from 1. */
    public int epoch() {
      return epoch;
    }

    public int epochs() {
      return epochs;
    }

    /** Batch within the epoch, from 1. */
    public int batch() {
      return batch;
    }

    public int batches() {
      return batches;
    }

    /** Mean training loss of the epoch so far. */
    public double loss() {
      return loss;
    }

    /** Training accuracy of the epoch so far, in [0, 1]. */
    public double accuracy() {
      return accuracy;
    }

    /** Training throughput of the epoch so far. */
    public double itemsPerSecond() {
      return itemsPerSecond;
    }

    /** Estimated seconds to the end of the last epoch (validation excluded). */
    public double etaSeconds() {
      return etaSeconds;
    }

    /** {@code epoch 1/10  batch 100/469  loss 0.4321  acc 84.12%  5231 items/s  ETA 3:12}. */
    public String line() {
      return String.format(java.util.Locale.ROOT,
          "epoch %d/%d  batch %d/%d  loss %.4f  acc %.2f%%  %.0f items/s  ETA %s", epoch, epochs,
          batch, batches, loss, 100 * accuracy, itemsPerSecond, clock(etaSeconds));
    }

    static String clock(double seconds) {
      long s = Math.max(0, Math.round(seconds));
      return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
          : String.format("%d:%02d", s / 60, s % 60);
    }
  }
}
