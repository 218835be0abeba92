package org.quantlens.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** Recurrent layers train end to end, and their gradients do not depend on the thread count. */
class RecurrentTrainingTest {
  private static final int STEPS = 8;
  private static final int FEATURES = 2;
  private static final int HIDDEN = 8;

  /** x[T, N, 2] -> op (forward) -> Y_h[1, N, H] -> Squeeze -> Gemm -> logits[N, 2]. */
  private static Graph model(String op, long seed) {
    Random r = new Random(seed);
    int gates = op.equals("LSTM") ? 4 : op.equals("GRU") ? 3 : 1;
    Graph g = new Graph("seq");
    g.opsets().put("", 14);
    g.inputs().add(new Value("x", DType.F32, STEPS, -1, FEATURES));
    g.initializers().put("W", TestModels.glorot(r, FEATURES, HIDDEN, 1, gates * HIDDEN, FEATURES));
    g.initializers().put("R", TestModels.glorot(r, HIDDEN, HIDDEN, 1, gates * HIDDEN, HIDDEN));
    g.initializers().put("B", Tensor.zeros(DType.F32, 1, 2 * gates * HIDDEN));
    g.initializers().put("axes", Tensor.of(new long[] {0}, 1));
    g.initializers().put("fc", TestModels.glorot(r, HIDDEN, 2, 2, HIDDEN));
    g.initializers().put("fb", Tensor.zeros(DType.F32, 2));
    List<String> outs = op.equals("LSTM") ? List.of("", "hn", "") : List.of("", "hn");
    g.nodes().add(new Node("rnn", op, List.of("x", "W", "R", "B"), outs,
        Map.of("hidden_size", Attribute.of((long) HIDDEN))));
    g.nodes().add(new Node("sq", "Squeeze", List.of("hn", "axes"), List.of("h"), Map.of()));
    g.nodes().add(new Node("fc", "Gemm", List.of("h", "fc", "fb"), List.of("logits"),
        Map.of("transB", Attribute.of(1L))));
    g.outputs().add(new Value("logits", DType.F32, -1, 2));
    return g;
  }

  /** A batch where the label is the sign of the first step's first feature: it must be remembered over every later step. */
  private static Tensor[] batch(Random r, int n) {
    Tensor x = Tensor.zeros(DType.F32, STEPS, n, FEATURES);
    long[] y = new long[n];
    for (int i = 0; i < x.size(); i++) {
      x.floats()[i] = (float) (r.nextDouble() * 2 - 1);
    }
    for (int b = 0; b < n; b++) {
      y[b] = x.floats()[b * FEATURES] > 0 ? 1 : 0;
    }
    return new Tensor[] {x, Tensor.of(y, n)};
  }

  @ParameterizedTest
  @ValueSource(strings = {"LSTM", "GRU", "RNN"})
  void learnsToRememberTheFirstStep(String op) {
    SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    Adam adam = new Adam();
    Random data = new Random(3);
    try (TrainingSession s = new TrainingSession(model(op, 1),
        new TrainingSession.Options().threads(1))) {
      float[] dl = new float[32 * 2];
      for (int step = 0; step < 400; step++) {
        Tensor[] b = batch(data, 32);
        Tensor out = s.forward(Map.of("x", b[0])).get("logits");
        loss.compute(out, b[1], dl);
        s.zeroGrad();
        s.backward("logits", dl);
        adam.step(s.parameters(), 0.01);
      }
      s.setTraining(false);
      Tensor[] test = batch(new Random(77), 500);
      int correct = loss.correct(s.forward(Map.of("x", test[0])).get("logits"), test[1]);
      assertTrue(correct >= 450, op + ": " + correct + " of 500 held-out sequences right");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"LSTM", "GRU"})
  void gradientsAreTheSameForOneAndThreeThreads(String op) {
    Tensor[] b = batch(new Random(5), 40);
    float[][] grads = new float[2][];
    for (int k = 0; k < 2; k++) {
      try (TrainingSession s = new TrainingSession(model(op, 2),
          new TrainingSession.Options().threads(k == 0 ? 1 : 3).inputGradients("x"))) {
        Tensor out = s.forward(Map.of("x", b[0])).get("logits");
        float[] dl = new float[out.size()];
        new SoftmaxCrossEntropy().compute(out, b[1], dl);
        s.zeroGrad();
        s.backward("logits", dl);
        int total = s.inputGradient("x").size();
        for (Parameter p : s.parameters()) {
          total += p.grad().length;
        }
        float[] all = new float[total];
        int at = 0;
        for (Parameter p : s.parameters()) {
          System.arraycopy(p.grad(), 0, all, at, p.grad().length);
          at += p.grad().length;
        }
        System.arraycopy(s.inputGradient("x").floats(), 0, all, at, total - at);
        grads[k] = all;
      }
    }
    assertArrayEquals(grads[0], grads[1]);
  }
}
