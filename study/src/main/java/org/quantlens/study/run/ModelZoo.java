package org.quantlens.study.run;

import java.io.PrintStream;
import java.util.List;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.train.Adam;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.LrSchedule;
import org.quantlens.engine.train.TrainListener;
import org.quantlens.engine.train.Trainer;
import org.quantlens.engine.train.TrainingSession;
import org.quantlens.study.zoo.ModelInput;
import org.quantlens.study.zoo.Zoo;

/**
 * The architectures and training recipes a study config may name for models it trains itself, and
 * the training itself (seeded, so a study trains the same model again for the same seed).
 */
final class ModelZoo {
  private ModelZoo() {}

  /** Architecture names a config may use: the zoo's image models. */
  static List<String> architectures() {
    return Zoo.names().stream().filter(n -> Zoo.get(n).inputKind() == ModelInput.Kind.IMAGE).toList();
  }

  /** Recipe names a config may use. */
  static List<String> recipes() {
    return List.of("standard");
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
    try (TrainingSession s = new TrainingSession(untrained, new TrainingSession.Options().seed(seed))) {
      Trainer t = Trainer.builder().epochs(spec.epochs()).batchSize(spec.batchSize()).seed(seed)
          .optimizer(new Adam()).schedule(LrSchedule.cosine(spec.learningRate(), spec.epochs(), 0))
          .listener(log == null ? new TrainListener() {} : epochsOnly(log, spec.name())).build();
      t.fit(s, train, null);
      return s.exportGraph();
    }
  }

  /**
   * Fine-tunes {@code model} for {@code epochs} at {@code lr} on {@code data} (question 4: the
   * training data plus the disagreements with their true labels).
   */
  static Graph fineTune(Graph model, Dataset data, int epochs, double lr, int batch, long seed) {
    try (TrainingSession s = new TrainingSession(model, new TrainingSession.Options().seed(seed))) {
      Trainer.builder().epochs(epochs).batchSize(batch).seed(seed).optimizer(new Adam())
          .schedule(LrSchedule.constant(lr)).build().fit(s, data, null);
      return s.exportGraph();
    }
  }

  private static TrainListener epochsOnly(PrintStream log, String name) {
    return new TrainListener() {
      @Override
      public void onEpoch(org.quantlens.engine.train.EpochStats s) {
        log.println("  " + name + ": " + s.line());
      }
    };
  }
}
