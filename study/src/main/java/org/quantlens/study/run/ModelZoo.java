package org.quantlens.study.run;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.EpochStats;
import org.quantlens.engine.train.TrainListener;
import org.quantlens.study.recipe.Recipes;
import org.quantlens.study.recipe.Retrain;
import org.quantlens.study.recipe.TrainSettings;
import org.quantlens.study.zoo.ModelInput;
import org.quantlens.study.zoo.Zoo;

/**
 * The architectures ({@link Zoo}, those that read images) and training recipes ({@link Recipes})
 * a study config may name for the models it trains, and the training itself: seeded, so a study
 * trains the same model again for the same seed. A QAT model enters the grid as its trained float
 * weights; its variants are built from them like any other model's.
 */
final class ModelZoo {
  private ModelZoo() {}

  /** Architecture names a config may use: the zoo's image models. */
  static List<String> architectures() {
    return Zoo.names().stream().filter(n -> Zoo.get(n).inputKind() == ModelInput.Kind.IMAGE).toList();
  }

  /** Recipe names a config may use. */
  static List<String> recipes() {
    return Recipes.NAMES;
  }

  /**
   * Checks a recipe's options ({@code recipe_options}), throwing {@link IllegalArgumentException}
   * with the valid ones.
   */
  static void checkRecipe(String recipe, Map<String, String> options) {
    Recipes.of(recipe, options);
  }

  /**
   * The untrained model for {@code [N, channels, height, width]} images of {@code classes} classes.
   *
   * @throws org.quantlens.study.zoo.ArchitectureMismatchException when the data does not fit
   */
  static Graph build(String arch, int channels, int height, int width, int classes, long seed) {
    return Zoo.build(arch, ModelInput.image(channels, height, width), classes, seed);
  }

  /**
   * Trains {@code untrained} with {@code spec}'s recipe on {@code train} (inputs laid out for the
   * model) and returns the trained float graph.
   */
  static Graph train(StudyConfig.ModelSpec spec, Graph untrained, Dataset train, long seed, PrintStream log) {
    TrainSettings s = new TrainSettings().epochs(spec.epochs()).batchSize(spec.batchSize())
        .lr(spec.learningRate()).seed(seed);
    if (log != null) {
      s.listener(epochsOnly(log, spec.name()));
    }
    return Recipes.of(spec.recipe(), spec.recipeOptions()).train(untrained, train, null, s).model();
  }

  /**
   * Fine-tunes {@code model} for {@code epochs} at {@code lr} on {@code train} plus {@code extra}
   * (question 4: the disagreements with their true labels), with the standard recipe.
   */
  static Graph fineTune(Graph model, Dataset train, Dataset extra, int epochs, double lr, int batch, long seed) {
    return Retrain.withExtra(model, train, extra,
        new TrainSettings().epochs(epochs).lr(lr).batchSize(batch).seed(seed));
  }

  private static TrainListener epochsOnly(PrintStream log, String name) {
    return new TrainListener() {
      @Override
      public void onEpoch(EpochStats s) {
        log.println("  " + name + ": " + s.line());
      }
    };
  }
}
