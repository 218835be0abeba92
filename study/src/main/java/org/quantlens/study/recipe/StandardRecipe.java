package org.quantlens.study.recipe;

import java.util.Set;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.train.BatchTransform;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.TrainResult;
import org.quantlens.engine.train.Trainer;
import org.quantlens.engine.train.TrainingSession;

/** Plain supervised training: cross-entropy on the clean samples, Adam with cosine decay. */
public final class StandardRecipe implements Recipe {
  @Override
  public String name() {
    return "standard";
  }

  @Override
  public Trained train(Graph model, Dataset train, Dataset validation, TrainSettings settings) {
    return fit(model, train, validation, settings, null, Set.of());
  }

  /**
   * Trains with an optional batch transform; {@code inputGradients} names graph inputs whose
   * gradient the transform reads.
   */
  static Trained fit(Graph model, Dataset train, Dataset validation, TrainSettings settings,
      BatchTransform transform, Set<String> inputGradients) {
    TrainingSession.Options o = new TrainingSession.Options().seed(settings.seed())
        .threads(settings.threads()).inputGradients(inputGradients.toArray(new String[0]));
    try (TrainingSession s = new TrainingSession(model, o)) {
      Trainer.Builder b = settings.trainer().transform(transform);
      if (settings.checkpoint() != null) {
        b.checkpoint(settings.checkpoint());
      }
      TrainResult r = b.build().fit(s, train, validation);
      Graph g = s.exportGraph();
      return new Trained(g, g, r.epochs());
    }
  }

  /** The name of the model's only input (recipes feed one input). */
  static String inputName(Graph model) {
    if (model.inputs().size() != 1) {
      throw new org.quantlens.engine.ShapeMismatchException("recipes train models with one input; '"
          + model.name() + "' has " + model.inputs().size());
    }
    return model.inputs().get(0).name();
  }
}
