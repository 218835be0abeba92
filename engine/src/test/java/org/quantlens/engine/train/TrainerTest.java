package org.quantlens.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.tensor.Tensor;

/** The training loop end to end on toy problems with known answers. */
class TrainerTest {
  /** The four XOR points, each 16 times. */
  private static Dataset xor() {
    float[] x = new float[64 * 2];
    long[] y = new long[64];
    for (int i = 0; i < 64; i++) {
      int a = i & 1;
      int b = (i >> 1) & 1;
      x[2 * i] = a;
      x[2 * i + 1] = b;
      y[i] = a ^ b;
    }
    return Dataset.of(Tensor.of(x, 64, 2), Tensor.of(y, 64));
  }

  private static float[][] weights(TrainingSession s) {
    return s.parameters().stream().map(p -> p.data().clone()).toArray(float[][]::new);
  }

  @Test
  void mlpLearnsXorToFullAccuracy() {
    try (TrainingSession s = new TrainingSession(TestModels.mlp(2, 8, 2, "Tanh", 0, 3),
        new TrainingSession.Options().threads(1))) {
      Trainer t = Trainer.builder().epochs(60).batchSize(16).seed(1).optimizer(new Adam())
          .schedule(LrSchedule.constant(0.05)).build();
      TrainResult r = t.fit(s, xor(), xor());
      assertEquals(1.0, r.last().valAccuracy(), 0.0, r.last().line());
      assertEquals(1.0, t.evaluate(s, xor()).accuracy(), 0.0);
      assertTrue(r.last().trainLoss() < 0.05, r.last().line());
    }
  }

  @Test
  void convNetSeparatesQuadrantsWithSgdNesterovCosineAndBatchNorm() {
    Dataset train = TestModels.quadrants(256, 1);
    Dataset test = TestModels.quadrants(128, 2);
    try (TrainingSession s = new TrainingSession(TestModels.convNet(4, 5))) {
      Trainer t = Trainer.builder().epochs(8).batchSize(32).seed(3)
          .optimizer(new Sgd(0.9, true, 1e-4))
          .schedule(LrSchedule.warmup(1, LrSchedule.cosine(0.05, 8, 0))).build();
      TrainResult r = t.fit(s, train, test);
      assertEquals(1.0, r.last().valAccuracy(), 0.0, r.epochs().toString());
    }
  }

  private static float[][] run(long seed, int threads, int epochs) {
    Graph g = TestModels.mlp(64, 16, 4, "Relu", 0.25f, 11);
    Dataset d = TestModels.quadrants(96, 4);
    Dataset flat = Dataset.of(d.x().reshape(96, 64), d.y());
    try (TrainingSession s = new TrainingSession(g,
        new TrainingSession.Options().threads(threads).seed(seed))) {
      Trainer.builder().epochs(epochs).batchSize(20).seed(seed).optimizer(new Adam()).build()
          .fit(s, flat, null);
      return weights(s);
    }
  }

  @Test
  void sameSeedGivesIdenticalWeightsAndAnotherSeedDoesNot() {
    float[][] a = run(42, 1, 2);
    float[][] b = run(42, 1, 2);
    float[][] c = run(43, 1, 2);
    for (int i = 0; i < a.length; i++) {
      assertArrayEquals(a[i], b[i]);
    }
    assertFalse(Arrays.equals(a[0], c[0]));
  }

  @Test
  void oneAndTwoThreadsTrainToIdenticalWeights() {
    Dataset d = TestModels.quadrants(64, 9);
    float[][][] w = new float[2][][];
    for (int threads = 1; threads <= 2; threads++) {
      try (TrainingSession s = new TrainingSession(TestModels.convNet(4, 5),
          new TrainingSession.Options().threads(threads))) {
        Trainer.builder().epochs(2).batchSize(16).seed(1).build().fit(s, d, null);
        w[threads - 1] = weights(s);
      }
    }
    for (int i = 0; i < w[0].length; i++) {
      assertArrayEquals(w[0][i], w[1][i], "parameter " + i);
    }
  }

  @Test
  void divergingLossStopsWithATypedErrorAndKeepsTheLastFiniteParameters() {
    List<float[][]> seen = new ArrayList<>();
    try (TrainingSession s = new TrainingSession(TestModels.mlp(2, 8, 2, "Relu", 0, 3))) {
      Trainer t = Trainer.builder().epochs(50).batchSize(16).seed(1)
          .optimizer(new Sgd()).schedule(LrSchedule.constant(1e15))
          .listener(new TrainListener() {
            @Override
            public void onBatch(TrainListener.BatchProgress p) {
              seen.add(weights(s));
            }
          }).build();
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> t.fit(s, xor(), null));
      assertTrue(e.getMessage().contains("loss is") && e.getMessage().contains("epoch " + e.epoch()),
          e.getMessage());
      // The restored parameters are those the last successful step started from.
      float[][] now = weights(s);
      float[][] lastGood = seen.size() >= 2 ? seen.get(seen.size() - 2) : null;
      assertTrue(seen.size() >= 1);
      for (float[] w : now) {
        for (float v : w) {
          assertTrue(Float.isFinite(v));
        }
      }
      if (lastGood != null) {
        for (int i = 0; i < now.length; i++) {
          assertArrayEquals(lastGood[i], now[i]);
        }
      }
      s.setTraining(false);
      Tensor y = s.forward(Map.of("x", xor().x())).get("logits");
      assertTrue(Double.isFinite(new SoftmaxCrossEntropy().compute(y, xor().y(), new float[y.size()])));
    }
  }

  @Test
  void earlyStoppingEndsAfterPatienceEpochsWithoutImprovement() {
    try (TrainingSession s = new TrainingSession(TestModels.mlp(2, 4, 2, "Tanh", 0, 3))) {
      List<EpochStats> epochs = new ArrayList<>();
      List<Boolean> saved = new ArrayList<>();
      TrainResult r = Trainer.builder().epochs(10).batchSize(16).seed(1)
          .schedule(LrSchedule.constant(0)) // nothing changes: only epoch 1 counts as improvement
          .earlyStopping(2, 0)
          .listener(new TrainListener() {
            @Override
            public void onEpoch(EpochStats st) {
              epochs.add(st);
            }
          })
          .checkpoint((graph, st) -> saved.add(st.improved()))
          .build().fit(s, xor(), xor());
      assertTrue(r.stoppedEarly());
      assertEquals(3, r.epochs().size());
      assertEquals(1, r.bestEpoch());
      assertEquals(List.of(true, false, false), saved);
      assertEquals(3, epochs.size());
    }
  }

  @Test
  void restoreBestPutsBackTheBestEpochsParameters() {
    try (TrainingSession s = new TrainingSession(TestModels.mlp(2, 8, 2, "Tanh", 0, 3))) {
      List<float[][]> atEpoch = new ArrayList<>();
      TrainResult r = Trainer.builder().epochs(6).batchSize(16).seed(1)
          .schedule(LrSchedule.constant(0.05)).restoreBest(true)
          .listener(new TrainListener() {
            @Override
            public void onEpoch(EpochStats st) {
              atEpoch.add(weights(s));
            }
          }).build().fit(s, xor(), xor());
      float[][] best = atEpoch.get(r.bestEpoch() - 1);
      float[][] now = weights(s);
      for (int i = 0; i < now.length; i++) {
        assertArrayEquals(best[i], now[i]);
      }
    }
  }

  @Test
  void checkpointsCarryTheCurrentWeights() {
    try (TrainingSession s = new TrainingSession(TestModels.mlp(2, 4, 2, "Tanh", 0, 3))) {
      List<float[]> w1 = new ArrayList<>();
      Trainer.builder().epochs(2).batchSize(16).checkpoint((g, st) -> {
        w1.add(g.initializers().get("w1").floats());
        assertArrayEquals(s.parameter("w1").data(), g.initializers().get("w1").floats());
      }).build().fit(s, xor(), null);
      assertEquals(2, w1.size());
      assertFalse(Arrays.equals(w1.get(0), w1.get(1)), "checkpoints are copies, not live views");
    }
  }

  @Test
  void labelsBeyondTheModelsClassesFailBeforeAnyUpdate() {
    try (TrainingSession s = new TrainingSession(TestModels.mlp(2, 4, 2, "Tanh", 0, 3))) {
      float[][] before = weights(s);
      Dataset bad = Dataset.of(xor().x(), Tensor.of(new long[64], 64));
      bad.y().longs()[63] = 2;
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> Trainer.builder().build().fit(s, bad, null));
      assertTrue(e.getMessage().contains("[0, 2]") && e.getMessage().contains("2 classes"),
          e.getMessage());
      float[][] after = weights(s);
      for (int i = 0; i < before.length; i++) {
        assertArrayEquals(before[i], after[i]);
      }
    }
  }

  @Test
  void samplesOfTheWrongShapeAreRejectedWithBothShapes() {
    try (TrainingSession s = new TrainingSession(TestModels.convNet(4, 1))) {
      Dataset d = Dataset.of(Tensor.of(new float[10 * 28 * 28], 10, 1, 28, 28), Tensor.of(new long[10], 10));
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> Trainer.builder().build().fit(s, d, null));
      assertTrue(e.getMessage().contains("[1, 28, 28]") && e.getMessage().contains("[?,1,8,8]"),
          e.getMessage());
    }
  }

  @Test
  void batchTransformSeesEveryBatchWithASeededRandomSourceAndMaySwapTargets() {
    List<Double> draws = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      try (TrainingSession s = new TrainingSession(TestModels.mlp(2, 8, 2, "Tanh", 0, 3),
          new TrainingSession.Options().inputGradients("x"))) {
        Trainer.builder().epochs(2).batchSize(16).seed(4).transform((b, sess, rnd) -> {
          draws.add(rnd.nextDouble());
          // Soft one-hot targets (as Mixup produces) from the integer labels.
          float[] soft = new float[b.size() * 2];
          for (int i = 0; i < b.size(); i++) {
            soft[i * 2 + (int) b.y().getLong(i)] = 1f;
          }
          return new Batch(b.x(), Tensor.of(soft, b.size(), 2));
        }).build().fit(s, xor(), null);
      }
    }
    assertEquals(16, draws.size()); // 4 batches x 2 epochs x 2 runs
    assertEquals(draws.subList(0, 8), draws.subList(8, 16), "same seed, same draws");
    assertEquals(8, new java.util.HashSet<>(draws.subList(0, 8)).size(), "a fresh source per batch");
  }

  @Test
  void progressReportsEveryBatchWithALine() {
    try (TrainingSession s = new TrainingSession(TestModels.mlp(2, 4, 2, "Tanh", 0, 3))) {
      List<TrainListener.BatchProgress> ps = new ArrayList<>();
      Trainer.builder().epochs(2).batchSize(20).listener(new TrainListener() {
        @Override
        public void onBatch(TrainListener.BatchProgress p) {
          ps.add(p);
        }
      }).build().fit(s, xor(), null);
      assertEquals(8, ps.size()); // 64 samples in batches of 20: 4 per epoch
      TrainListener.BatchProgress last = ps.get(7);
      assertEquals(4, last.batch());
      assertEquals(2, last.epoch());
      assertEquals(0, last.etaSeconds(), 1e-9);
      assertTrue(last.line().matches("epoch 2/2  batch 4/4  loss \\d+\\.\\d{4}  acc \\d+\\.\\d{2}%  \\d+ items/s  ETA 0:00"),
          last.line());
    }
  }
}
