package org.quantlens.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.UnsupportedOpException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** The session's mechanics: dropout masks, running statistics, planning errors, threads, export. */
class TrainingSessionTest {
  private static Graph dropout(float ratio) {
    Graph g = new Graph("d");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 4, 250));
    g.initializers().put("w", Tensor.of(new float[] {1f}, 1));
    g.initializers().put("ratio", Tensor.scalar(ratio));
    g.nodes().add(new Node("m", "Mul", List.of("x", "w"), List.of("h"), Map.of()));
    g.nodes().add(new Node("drop", "Dropout", List.of("h", "ratio"), List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, 4, 250));
    return g;
  }

  @Test
  void dropoutDrawsAFreshSeededMaskPerStepAndTheGradientFollowsIt() {
    Tensor x = GradCheck.randAway(1, 0.1, 4, 250);
    float[] dy = GradCheck.rand(2, 1000).floats();
    float[] first;
    try (TrainingSession s = new TrainingSession(dropout(0.3f),
        new TrainingSession.Options().seed(7).trainable(List.of()).inputGradients("x"))) {
      Tensor y = s.forward(Map.of("x", x)).get("y");
      first = y.floats().clone();
      int kept = 0;
      for (int i = 0; i < 1000; i++) {
        boolean keep = y.floats()[i] != 0;
        kept += keep ? 1 : 0;
        if (keep) {
          assertEquals(x.floats()[i] / 0.7f, y.floats()[i], 1e-6f);
        }
      }
      assertTrue(kept > 640 && kept < 760, "kept " + kept + " of 1000 at ratio 0.3");
      s.backward("y", dy);
      float[] dx = s.inputGradient("x").floats();
      for (int i = 0; i < 1000; i++) {
        assertEquals(first[i] != 0 ? dy[i] / 0.7f : 0f, dx[i], 1e-6f);
      }
      float[] second = s.forward(Map.of("x", x)).get("y").floats();
      assertFalse(Arrays.equals(first, second), "the next step draws another mask");
      s.setTraining(false);
      assertArrayEquals(x.floats(), s.forward(Map.of("x", x)).get("y").floats(), "evaluation: identity");
      s.backward("y", dy);
      assertArrayEquals(dy, Arrays.copyOf(s.inputGradient("x").floats(), 1000));
    }
    try (TrainingSession s = new TrainingSession(dropout(0.3f), new TrainingSession.Options().seed(7))) {
      assertArrayEquals(first, s.forward(Map.of("x", x)).get("y").floats(), "same seed, same mask");
    }
    try (TrainingSession s = new TrainingSession(dropout(0.3f), new TrainingSession.Options().seed(8))) {
      assertFalse(Arrays.equals(first, s.forward(Map.of("x", x)).get("y").floats()));
    }
  }

  @Test
  void batchNormTrainingUpdatesRunningStatisticsWithMomentum() {
    Graph g = TestModels.convNet(3, 1);
    Tensor x = GradCheck.rand(3, 5, 1, 8, 8);
    try (TrainingSession s = new TrainingSession(g)) {
      Tensor c;
      // The batch statistics of the conv output, computed here from an inference run.
      Graph probe = g.copy();
      probe.outputs().clear();
      probe.outputs().add(new Value("c", DType.F32, (int[]) null, null));
      try (Session inf = new Session(probe, new Session.Options().optimize(false))) {
        c = inf.run(Map.of("x", x)).get("c");
      }
      s.forward(Map.of("x", x));
      float[] mean = s.buffers().get("mean").floats();
      float[] var = s.buffers().get("var").floats();
      for (int ch = 0; ch < 4; ch++) {
        double m = 0;
        double q = 0;
        int count = 5 * 64;
        for (int b = 0; b < 5; b++) {
          for (int i = 0; i < 64; i++) {
            m += c.floats()[(b * 4 + ch) * 64 + i];
          }
        }
        m /= count;
        for (int b = 0; b < 5; b++) {
          for (int i = 0; i < 64; i++) {
            double d = c.floats()[(b * 4 + ch) * 64 + i] - m;
            q += d * d;
          }
        }
        assertEquals(0.9 * 0 + 0.1 * m, mean[ch], 1e-6);
        assertEquals(0.9 * 1 + 0.1 * q / count, var[ch], 1e-5);
      }
      assertArrayEquals(mean, s.exportGraph().initializers().get("mean").floats());
      assertEquals(0f, g.initializers().get("mean").floats()[0], "the caller's graph is not touched");
    }
  }

  @Test
  void nodesWithoutABackwardRuleOnTheGradientPathAreAllListed() {
    Graph g = TestModels.mlp(2, 3, 2, "Elu", 0, 1);
    g.nodes().add(new Node("side", "Softplus", List.of("x"), List.of("s"), Map.of()));
    g.outputs().add(new Value("s", DType.F32, (int[]) null, null));
    UnsupportedOpException e = assertThrows(UnsupportedOpException.class,
        () -> new TrainingSession(g, new TrainingSession.Options().inputGradients("x")));
    assertEquals(2, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().contains("'act' (Elu)") && e.getMessage().contains("'side' (Softplus)"));
    // Without input gradients, Softplus on the input needs no rule; Elu still does.
    e = assertThrows(UnsupportedOpException.class, () -> new TrainingSession(g));
    assertEquals(1, e.problems().size(), e.getMessage());
  }

  @Test
  void namingUnknownParametersOrInputsIsAnError() {
    Graph g = TestModels.mlp(2, 3, 2, "Relu", 0, 1);
    assertThrows(ShapeMismatchException.class,
        () -> new TrainingSession(g, new TrainingSession.Options().trainable(List.of("w9"))));
    assertThrows(ShapeMismatchException.class,
        () -> new TrainingSession(g, new TrainingSession.Options().inputGradients("h")));
  }

  @Test
  void defaultParametersAreTheLayersWeightsAndBiases() {
    try (TrainingSession s = new TrainingSession(TestModels.convNet(3, 1))) {
      assertEquals(List.of("cw", "cb", "gamma", "beta", "fw", "fb"),
          s.parameters().stream().map(Parameter::name).toList());
      assertEquals(List.of("mean", "var"), List.copyOf(s.buffers().keySet()));
    }
  }

  private static float[][] gradients(int threads) {
    Graph g = TestModels.convNet(4, 3);
    Tensor x = GradCheck.rand(4, 32, 1, 8, 8);
    try (TrainingSession s = new TrainingSession(g,
        new TrainingSession.Options().threads(threads).inputGradients("x"))) {
      Tensor y = s.forward(Map.of("x", x)).get("logits");
      s.backward("logits", GradCheck.rand(5, y.size()).floats());
      float[][] r = new float[s.parameters().size() + 1][];
      for (int i = 0; i < s.parameters().size(); i++) {
        r[i] = s.parameters().get(i).grad().clone();
      }
      r[r.length - 1] = s.inputGradient("x").floats().clone();
      return r;
    }
  }

  @Test
  void gradientsAreBitIdenticalOnOneAndTwoThreads() {
    float[][] one = gradients(1);
    float[][] two = gradients(2);
    for (int i = 0; i < one.length; i++) {
      assertArrayEquals(one[i], two[i], "gradient " + i);
    }
  }

  @Test
  void exportedGraphRunsInAnInferenceSessionLikeEvaluationMode() {
    Graph g = TestModels.convNet(3, 2);
    Tensor x = GradCheck.rand(6, 4, 1, 8, 8);
    try (TrainingSession s = new TrainingSession(g)) {
      s.forward(Map.of("x", x)); // updates running statistics
      for (Parameter p : s.parameters()) {
        p.data()[0] += 0.25f;
      }
      s.setTraining(false);
      float[] expected = s.forward(Map.of("x", x)).get("logits").floats().clone();
      try (Session inf = new Session(s.exportGraph())) {
        float[] got = inf.run(Map.of("x", x)).get("logits").floats();
        for (int i = 0; i < got.length; i++) {
          // Inference folds BatchNorm into the Conv: rounding differs slightly.
          assertEquals(expected[i], got[i], 1e-4f * Math.max(1, Math.abs(expected[i])));
        }
      }
      assertNotEquals(g.initializers().get("cw").floats()[0],
          s.exportGraph().initializers().get("cw").floats()[0]);
    }
  }
}
