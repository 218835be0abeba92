package org.quantlens.engine.train;

/**
 * A learning rate per optimizer step. {@code step} counts from 0 over the whole run;
 * {@code stepsPerEpoch} lets schedules be written in epochs.
 */
@FunctionalInterface
public interface LrSchedule {
  double lr(long step, int stepsPerEpoch);

  /** The same rate throughout. */
  static LrSchedule constant(double lr) {
    return (step, spe) -> lr;
  }

  /** {@code lr * gamma^floor(epoch / everyEpochs)}, the epoch counted in whole steps. */
  static LrSchedule step(double lr, double everyEpochs, double gamma) {
    return (step, spe) -> lr * Math.pow(gamma, Math.floor(step / Math.max(1, Math.round(everyEpochs * spe))));
  }

  /**
   * Cosine annealing from {@code lr} to {@code minLr} over {@code epochs}:
   * {@code min + (lr - min) * (1 + cos(pi * t / T)) / 2}; {@code minLr} after.
   */
  static LrSchedule cosine(double lr, double epochs, double minLr) {
    return (step, spe) -> {
      double total = Math.max(1, epochs * spe);
      double t = Math.min(step, total);
      return minLr + (lr - minLr) * (1 + Math.cos(Math.PI * t / total)) / 2;
    };
  }

  /**
   * Linear warm-up over the first {@code epochs}: step {@code s} runs at {@code (s + 1) / W} of
   * {@code after}'s rate (W warm-up steps), then {@code after} as it is.
   */
  static LrSchedule warmup(double epochs, LrSchedule after) {
    return (step, spe) -> {
      long w = Math.round(epochs * spe);
      double f = step < w ? (step + 1.0) / w : 1;
      return f * after.lr(step, spe);
    };
  }
}
