package org.quantlens.study.run;

import java.util.List;
import java.util.Map;
import org.quantlens.study.zoo.QuickTraining;
import org.quantlens.study.zoo.Zoo;

/** Built-in studies. */
public final class Studies {
  private Studies() {}

  /**
   * The demo: on the bundled {@code fashion-mnist-mini} (5000 training, 1000 test images), a
   * LeNet-5 and a row-sequential GRU trained with the standard recipe (the GRU with the zoo's
   * quick-training settings), the paper's four variants plus {@code fake-4}, the
   * clean set and the 15 MNIST-C corruptions at severities 1, 3 and 5, every metric, and
   * retraining with the static-int8 disagreements. Sized to finish within 5 minutes on 2 cores.
   */
  public static StudyConfig demo() {
    List<StudyConfig.VariantSpec> variants = List.of(
        new StudyConfig.VariantSpec("static-int8", "minmax", 500, true),
        new StudyConfig.VariantSpec("dynamic-int8", "minmax", 500, true),
        new StudyConfig.VariantSpec("weight-int8", "minmax", 500, true),
        new StudyConfig.VariantSpec("fp16", "minmax", 500, true),
        new StudyConfig.VariantSpec("fake-4", "minmax", 500, true));
    QuickTraining gru = Zoo.quickTrainingDefaults("row-gru");
    List<StudyConfig.ModelSpec> models = List.of(
        new StudyConfig.ModelSpec("lenet5-standard", null, "lenet5", "standard", Map.of(), 6, 32, 3e-3),
        new StudyConfig.ModelSpec("row-gru-standard", null, "row-gru", "standard", Map.of(), gru.epochs(),
            gru.batchSize(), gru.learningRate()));
    List<String> metrics = java.util.Arrays.stream(org.quantlens.study.analysis.UncertaintyMetric.values())
        .map(org.quantlens.study.analysis.UncertaintyMetric::id).toList();
    return new StudyConfig("demo", "fashion-mnist-mini", 0, 0, 1, 100, null, models, variants,
        org.quantlens.study.shift.Shifts.suite("mnist-c"), List.of(1, 3, 5), List.of(), metrics, 2, 32,
        new StudyConfig.Retraining(List.of("static-int8"), 1, 5e-4));
  }
}
