package org.quantlens.study.run;

import java.nio.file.Path;
import java.util.List;

/**
 * A study as its JSON config describes it: models x variants x data sets (clean, corruptions x
 * severities, natural sets), which metrics to score, a seed and an output folder. Parsed and checked
 * by {@link StudyConfigParser}; see {@code examples/studies/} for documented configs.
 *
 * @param name the study's name
 * @param dataset a {@code DatasetRegistry} name; its test split is the clean set
 * @param testSize how many test images to use (the first ones); 0 for all
 * @param trainSize how many training images to train and calibrate on; 0 for all
 * @param seed seeds training, calibration sampling, corruptions and the metric protocols
 * @param batchSize inference batch (dynamic-int8 quantizes activations per batch, so it is fixed)
 * @param output the output folder (resolved against the config's folder); the CLI's --out wins
 */
public record StudyConfig(String name, String dataset, int testSize, int trainSize, long seed, int batchSize,
    Path output, List<ModelSpec> models, List<VariantSpec> variants, List<String> corruptions,
    List<Integer> severities, List<NaturalSet> natural, List<String> metrics, int samplesPerCell,
    int layerSamples, Retraining retraining) {

  /**
   * A model: either an ONNX {@code file}, or a zoo {@code arch} trained with a {@code recipe}.
   *
   * @param recipeOptions the recipe's options by name (see {@code quantlens train}), as strings
   * @param epochs training epochs (trained models)
   * @param learningRate Adam's initial learning rate, cosine-decayed (trained models)
   */
  public record ModelSpec(String name, Path file, String arch, String recipe,
      java.util.Map<String, String> recipeOptions, int epochs, int batchSize, double learningRate) {
    public boolean trained() {
      return file == null;
    }
  }

  /**
   * A quantized variant by its DESIGN.md name, with the calibration method and set size for those
   * that calibrate (static-int8, fake-N); calibration images come from the training split.
   */
  public record VariantSpec(String name, String calibration, int calibrationSize, boolean perChannel) {}

  /** A natural shift set from files: uint8 images (NHWC, or NHW) and int64 labels, as .npy. */
  public record NaturalSet(String name, Path images, Path labels) {}

  /**
   * Retraining with disagreements (question 4), for the listed variants; {@code epochs} of
   * fine-tuning on the training data plus the disagreements (with their true labels).
   */
  public record Retraining(List<String> variants, int epochs, double learningRate) {
    public boolean enabled() {
      return !variants.isEmpty() && epochs > 0;
    }
  }
}
