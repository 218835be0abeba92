package org.quantlens.study.recipe;

import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.train.Dataset;

/**
 * A way of training a classifier graph (one input, logits as the first output): standard,
 * adversarial, Mixup or quantization-aware. The graph may be freshly built (the zoo) or imported
 * (fine-tuning); it is not changed.
 */
public interface Recipe {
  /** The name the command line uses. */
  String name();

  /**
   * Trains {@code model} on {@code train}, validating on {@code validation} (may be null) after
   * each epoch.
   *
   * @throws org.quantlens.engine.ShapeMismatchException before any step when the data does not fit
   *     the model (sample shape, a label beyond its classes)
   * @throws org.quantlens.engine.train.TrainingDivergedException when the loss stops being finite
   */
  Trained train(Graph model, Dataset train, Dataset validation, TrainSettings settings);
}
