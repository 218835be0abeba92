package org.quantlens.study.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.grad.GradRegistry;
import org.quantlens.engine.train.Adam;
import org.quantlens.engine.train.SoftmaxCrossEntropy;
import org.quantlens.engine.train.TrainingSession;

/**
 * The text LSTM and GRU learn through their embedding (Gather) and recurrence: on token sequences
 * where the class says whether one keyword occurs anywhere in the sequence, which needs the
 * model to carry it to the last step, a few hundred Adam steps reach near-perfect held-out
 * accuracy (chance 50%). Driven by hand because the engine's {@code Dataset} takes float inputs
 * only, and these models read int64 token ids.
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
  void keywordDetectionIsLearnedThroughEmbeddingAndRecurrence(String arch) {
    int batch = 32;
    Tensor[] test = keywordTask(512, 99);
    SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    Adam adam = new Adam();
    try (TrainingSession s = new TrainingSession(
        Zoo.build(arch, ModelInput.tokens(LEN, VOCAB), 2, 1), new TrainingSession.Options().seed(1))) {
      float[] grad = new float[batch * 2];
      for (int step = 0; step < 300; step++) {
        Tensor[] b = keywordTask(batch, step);
        Tensor y = s.forward(Map.of("input", b[0])).get("logits");
        loss.compute(y, b[1], grad);
        s.zeroGrad();
        s.backward("logits", grad);
        adam.step(s.parameters(), 3e-3);
      }
      s.setTraining(false);
      Tensor y = s.forward(Map.of("input", test[0])).get("logits");
      double acc = loss.correct(y, test[1]) / 512.0;
      System.out.println(arch + " keyword task: held-out accuracy " + acc);
      assertTrue(acc > 0.9, arch + " held-out accuracy " + acc);
    }
  }
}
