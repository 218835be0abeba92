package org.quantlens.study.recipe;

import java.util.Map;
import java.util.Set;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Dataset;

/** Mixup training with per-sample lambda ~ Beta(alpha, alpha); the paper uses alpha 0.2. */
public final class MixupRecipe implements Recipe {
  private final double alpha;

  public MixupRecipe() {
    this(0.2);
  }

  public MixupRecipe(double alpha) {
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("mixup alpha must be positive, got " + alpha);
    }
    this.alpha = alpha;
  }

  @Override
  public String name() {
    return "mixup";
  }

  @Override
  public Trained train(Graph model, Dataset train, Dataset validation, TrainSettings settings) {
    train.requireFloatInputs("the mixup recipe");
    Recipes.checkFit(model, train, "training");
    int classes = classes(model, train);
    return StandardRecipe.fit(model, train, validation, settings, new Mixup(alpha, classes), Set.of());
  }

  /** The model's number of classes: the size of its first output for one sample. */
  static int classes(Graph model, Dataset data) {
    String in = StandardRecipe.inputName(model);
    Tensor one = data.head(1).x(); // any input type: image pixels or token ids
    try (Session s = new Session(model)) {
      return s.run(Map.of(in, one)).get(model.outputs().get(0).name()).size();
    }
  }
}
