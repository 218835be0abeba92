package org.quantlens.study.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.grad.GradRegistry;
import org.quantlens.engine.train.Adam;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.LrSchedule;
import org.quantlens.engine.train.TrainResult;
import org.quantlens.engine.train.Trainer;
import org.quantlens.engine.train.TrainingSession;

/**
 * The text LSTM and GRU learn through their embedding (Gather) and recurrence: on token sequences
 * where the class says whether one keyword occurs anywhere in the sequence, which needs the
 * model to carry it to the last step, a few hundred Adam steps reach near-perfect held-out
 * accuracy (chance 50%). The {@link Trainer} feeds the int64 token ids [N, LEN] as they are.
 */
class TextModelTrainingTest {
  private static final int LEN = 12;
  private static final int VOCAB = 30;
  private static final int KEYWORD = 7;

  @BeforeAll
  static void needsRecurrentBackward() {
    GradRegistry rules = GradRegistry.standard();
    assumeTrue(rules.find("LSTM") != null && rules.find("GRU") != null,
        "the engine has no LSTM/GRU backward rules yet");
  }

  /** {@code n} sequences, half with the keyword at a random position; labels 1 for those. */
  private static Tensor[] keywordTask(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    long[] ids = new long[n * LEN];
    long[] labels = new long[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < LEN; j++) {
        int t = 2 + r.nextInt(VOCAB - 3); // 2 .. VOCAB - 2, shifted past the keyword below
        ids[i * LEN + j] = t >= KEYWORD ? t + 1 : t;
      }
      labels[i] = r.nextInt(2);
      if (labels[i] == 1) {
        ids[i * LEN + r.nextInt(LEN)] = KEYWORD;
      }
    }
    return new Tensor[] {Tensor.of(ids, n, LEN), Tensor.of(labels, n)};
  }

  @ParameterizedTest
  @ValueSource(strings = {"text-lstm", "text-gru"})
  void trainerLearnsKeywordDetectionFromInt64TokenIdsThroughEmbeddingAndRecurrence(String arch) {
    Tensor[] train = keywordTask(2400, 1);
    Tensor[] test = keywordTask(512, 99);
    try (TrainingSession s = new TrainingSession(
        Zoo.build(arch, ModelInput.tokens(LEN, VOCAB), 2, 1), new TrainingSession.Options().seed(1))) {
      Trainer trainer = Trainer.builder().epochs(4).batchSize(32).seed(1)
          .optimizer(new Adam()).schedule(LrSchedule.constant(3e-3)).build();
      TrainResult r = trainer.fit(s, Dataset.of(train[0], train[1]), null);
      double acc = trainer.evaluate(s, Dataset.of(test[0], test[1])).accuracy();
      System.out.println(arch + " keyword task: training loss " + r.epochs().get(0).trainLoss()
          + " -> " + r.last().trainLoss() + ", held-out accuracy " + acc);
      assertTrue(acc > 0.9, arch + " held-out accuracy " + acc);
    }
  }
}
