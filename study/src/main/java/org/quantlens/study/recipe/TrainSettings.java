package org.quantlens.study.recipe;

import org.quantlens.engine.train.Adam;
import org.quantlens.engine.train.CheckpointSink;
import org.quantlens.engine.train.LrSchedule;
import org.quantlens.engine.train.TrainListener;
import org.quantlens.engine.train.Trainer;

/**
 * What every recipe shares: epochs, batch size, Adam's learning rate with cosine decay, seed,
 * threads, progress and checkpoints. Defaults: 10 epochs, batch 128, learning rate 1e-3, seed 1
 * (LeNet-5 reaches 89% on Fashion-MNIST with them).
 */
public final class TrainSettings {
  private int epochs = 10;
  private int batchSize = 128;
  private double lr = 1e-3;
  private long seed = 1;
  private int threads = Runtime.getRuntime().availableProcessors();
  private TrainListener listener;
  private CheckpointSink checkpoint;

  public int epochs() {
    return epochs;
  }

  public TrainSettings epochs(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("epochs must be at least 1, got " + n);
    }
    this.epochs = n;
    return this;
  }

  public int batchSize() {
    return batchSize;
  }

  public TrainSettings batchSize(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + n);
    }
    this.batchSize = n;
    return this;
  }

  public double lr() {
    return lr;
  }

  public TrainSettings lr(double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException("learning rate must be positive and finite, got " + v);
    }
    this.lr = v;
    return this;
  }

  public long seed() {
    return seed;
  }

  public TrainSettings seed(long s) {
    this.seed = s;
    return this;
  }

  public int threads() {
    return threads;
  }

  public TrainSettings threads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + n);
    }
    this.threads = n;
    return this;
  }

  /** Progress receiver (default: silent). */
  public TrainListener listener() {
    return listener != null ? listener : new TrainListener() {};
  }

  public TrainSettings listener(TrainListener l) {
    this.listener = l;
    return this;
  }

  /** Receives the model after each epoch, in the form the recipe exports (may be null). */
  public CheckpointSink checkpoint() {
    return checkpoint;
  }

  public TrainSettings checkpoint(CheckpointSink c) {
    this.checkpoint = c;
    return this;
  }

  /** A copy with another epoch count and learning rate (a recipe's second phase). */
  public TrainSettings phase(int phaseEpochs, double phaseLr) {
    TrainSettings t = new TrainSettings();
    t.epochs = phaseEpochs;
    t.batchSize = batchSize;
    t.lr = phaseLr;
    t.seed = seed;
    t.threads = threads;
    t.listener = listener;
    t.checkpoint = checkpoint;
    return t;
  }

  /** A trainer with these settings: Adam, cosine decay over the epochs. */
  Trainer.Builder trainer() {
    return Trainer.builder().epochs(epochs).batchSize(batchSize).seed(seed).optimizer(new Adam())
        .schedule(LrSchedule.cosine(lr, epochs, 0)).listener(listener());
  }
}
