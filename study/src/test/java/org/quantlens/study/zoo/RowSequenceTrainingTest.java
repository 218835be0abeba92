package org.quantlens.study.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.grad.GradRegistry;
import org.quantlens.engine.train.EpochStats;
import org.quantlens.engine.train.Evaluation;
import org.quantlens.engine.train.TrainListener;
import org.quantlens.engine.train.TrainResult;
import org.quantlens.engine.train.Trainer;
import org.quantlens.engine.train.TrainingSession;
import org.quantlens.study.data.Idx;
import org.quantlens.study.data.ImageDataset;
import org.quantlens.study.data.Split;

/**
 * The row-sequential LSTM and GRU (28 steps of 28 pixels) learn Fashion-MNIST through the
 * engine's backpropagation through time. The quick test trains two epochs of fashion-mnist-mini;
 * with {@code -Dquantlens.fullTraining=true} the study demo's {@link Zoo#quickTrainingDefaults}
 * are checked on the mini set, and the acceptance run trains on all 60 000 images of the
 * real Fashion-MNIST to at least 85% on its 10 000 test images, printing the time per epoch.
 */
class RowSequenceTrainingTest {
  private static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");
  private static final ModelInput GRAY = ModelInput.image(1, 28, 28);
  private static final int FULL_EPOCHS = 8;

  @BeforeAll
  static void needsRecurrentBackward() {
    GradRegistry rules = GradRegistry.standard();
    assumeTrue(rules.find("LSTM") != null && rules.find("GRU") != null,
        "the engine has no LSTM/GRU backward rules yet");
  }

  private static Evaluation train(String arch, Trainer t, Dataset train, Dataset test) {
    long t0 = System.nanoTime();
    try (TrainingSession s = new TrainingSession(Zoo.build(arch, GRAY, 10, 1),
        new TrainingSession.Options().seed(1))) {
      TrainResult r = t.fit(s, train, null);
      Evaluation e = t.evaluate(s, test);
      double perEpoch = r.epochs().stream().mapToDouble(EpochStats::seconds).average().orElse(0);
      System.out.printf("%s: %d epochs of %d images, %s; %.1f s per epoch, %.1f s in all%n", arch,
          r.epochs().size(), train.size(), e, perEpoch, (System.nanoTime() - t0) / 1e9);
      return e;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"row-lstm", "row-gru"})
  void twoEpochsOfTheMiniSetLearnFarBeyondChance(String arch) {
    Dataset train = ZooTrainingSupport.mini(Split.TRAIN);
    Dataset test = ZooTrainingSupport.subset(ZooTrainingSupport.mini(Split.TEST), 500, 2);
    // 314 steps: 76% (GRU) and 77% (LSTM) on 500 mini test images with this seed.
    Evaluation e = train(arch, new QuickTraining(2, 32, 5e-3).trainer(1).build(), train, test);
    assertTrue(e.accuracy() > 0.6, arch + ": " + e);
  }

  @ParameterizedTest
  @ValueSource(strings = {"row-lstm", "row-gru"})
  void quickTrainingDefaultsReachAGoodAccuracyOnTheMiniSet(String arch) {
    assumeTrue(Boolean.getBoolean("quantlens.fullTraining"),
        "the demo-settings run needs -Dquantlens.fullTraining=true");
    // Measured: row-gru 86.9%, row-lstm 84.5%, about 15 s each on a loaded 2-core machine.
    QuickTraining q = Zoo.quickTrainingDefaults(arch);
    Evaluation e = train(arch, q.trainer(1).build(), ZooTrainingSupport.mini(Split.TRAIN),
        ZooTrainingSupport.mini(Split.TEST));
    System.out.println(arch + " with " + q + ": " + e);
    assertTrue(e.accuracy() >= 0.82, arch + ": " + e);
  }

  private static Dataset fashion(String prefix) {
    ImageDataset d = Idx.load("fashion-mnist-" + prefix, DIR.resolve(prefix + "-images-idx3-ubyte.gz"),
        DIR.resolve(prefix + "-labels-idx1-ubyte.gz"), Idx.FASHION_MNIST_CLASSES);
    return Dataset.of(d.toModelInput(), d.labels());
  }

  @ParameterizedTest
  @ValueSource(strings = {"row-lstm", "row-gru"})
  void fullFashionMnistTrainingReachesEightyFivePercent(String arch) {
    assumeTrue(Boolean.getBoolean("quantlens.fullTraining"),
        "the full Fashion-MNIST run needs -Dquantlens.fullTraining=true");
    assumeTrue(Files.isDirectory(DIR), "Fashion-MNIST not installed at " + DIR
        + " (apt-get install dataset-fashion-mnist)");
    // Adam from 2e-3 with cosine decay over 8 epochs, batches of 64. Measured with seed 1 on a
    // 2-core machine under heavy load: row-gru 88.7%, row-lstm 88.4% (85% after epoch 2-3),
    // about 15 s per epoch.
    Trainer t = new QuickTraining(FULL_EPOCHS, 64, 2e-3).trainer(1)
        .listener(TrainListener.printing(System.out, 200)).build();
    Evaluation e = train(arch, t, fashion("train"), fashion("t10k"));
    assertTrue(e.accuracy() >= 0.85, arch + ": " + e);
  }
}
