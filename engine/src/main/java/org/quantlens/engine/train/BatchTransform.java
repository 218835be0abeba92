package org.quantlens.engine.train;

import java.util.SplittableRandom;

/**
 * Rewrites a training batch before the step: Mixup blends samples and targets, adversarial
 * training replaces some inputs by attacks (using the session's input gradients). The random
 * source is seeded from the trainer's seed and the step, so runs stay reproducible.
 */
@FunctionalInterface
public interface BatchTransform {
  Batch apply(Batch batch, TrainingSession session, SplittableRandom random);
}
