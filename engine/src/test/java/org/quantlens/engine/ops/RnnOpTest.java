package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quantlens.engine.ops.RecurrentTesting.check;
import static org.quantlens.engine.ops.RecurrentTesting.random;
import static org.quantlens.engine.ops.RecurrentTesting.uniform;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quantlens.engine.ops.RecurrentReference.Act;
import org.quantlens.engine.ops.RecurrentReference.Config;
import org.quantlens.engine.ops.RecurrentReference.Op;
import org.quantlens.engine.ops.RecurrentTesting.Run;
import org.quantlens.engine.tensor.Tensor;

class RnnOpTest {

  private static Config withState(Config c, long seed) {
    c.h0 = uniform(new Random(seed), c.dirs() * c.batch * c.hidden, 0.8);
    return c;
  }

  @ParameterizedTest(name = "hidden {0}, batch {1}, {2}")
  @CsvSource({
    "1, 1, forward", "3, 3, reverse", "17, 3, bidirectional", "50, 1, forward",
    "75, 3, bidirectional", "128, 1, reverse", "128, 3, forward", "17, 64, bidirectional",
  })
  void defaultsMatchReferenceAcrossSizesAndDirections(int hidden, int batch, String dir) {
    check(random(Op.RNN, 5, batch, 7, hidden, dir, true, hidden * 41L + batch), new Run());
  }

  @ParameterizedTest(name = "{0}, layout {1}")
  @CsvSource({"forward, 0", "reverse, 0", "bidirectional, 0", "forward, 1", "reverse, 1",
      "bidirectional, 1"})
  void sequenceLensInitialStateAndLayoutMatchReference(String dir, int layout) {
    Config c = withState(random(Op.RNN, 6, 5, 4, 19, dir, true, 7), 8);
    c.layout = layout;
    c.lens = new int[] {6, 0, 3, 1, 5};
    check(c, new Run());
  }

  @Test
  void clipBoundsTheActivationArgument() {
    Config c = withState(random(Op.RNN, 4, 3, 5, 13, "bidirectional", true, 31), 32);
    for (int i = 0; i < c.w.length; i++) {
      c.w[i] *= 8;
    }
    c.clip = 0.4;
    check(c, new Run());
  }

  @Test
  void everyActivationKindMatchesReference() {
    Config c = withState(random(Op.RNN, 4, 2, 4, 7, "bidirectional", true, 51), 52);
    String[][] pairs = {{"Relu", "Sigmoid"}, {"Softsign", "Softplus"}, {"Tanh", "Relu"}};
    for (String[] p : pairs) {
      c.acts = List.of(Act.of(p[0]), Act.of(p[1]));
      check(c, new Run());
    }
    c.acts = List.of(Act.of("Affine", 0.5, 0.1), Act.of("LeakyRelu", 0.2, 0));
    check(c, new Run());
    c.acts = List.of(Act.of("ThresholdedRelu", 0.3, 0), Act.of("ScaledTanh", 1.1, 0.9));
    check(c, new Run());
    c.acts = List.of(Act.of("HardSigmoid", 0.25, 0.4), Act.of("Elu", 0.5, 0));
    check(c, new Run());
  }

  @Test
  void theDefaultTanhPairServesAForwardRnn() {
    // RNN's schema default lists two functions even for one direction
    Config c = random(Op.RNN, 4, 2, 4, 7, "forward", true, 53);
    c.acts = List.of(Act.of("Relu"), Act.of("Sigmoid"));
    check(c, new Run());
  }

  @ParameterizedTest(name = "Y {0}, Y_h {1}")
  @CsvSource({"true, false", "false, true"})
  void omittedOutputsAreNotComputedAndTheOtherIsRight(boolean y, boolean yh) {
    Config c = withState(random(Op.RNN, 4, 3, 4, 6, "bidirectional", true, 61), 62);
    Run run = new Run();
    run.wantY = y;
    run.wantYh = yh;
    check(c, run);
  }

  @Test
  void missingBiasRuntimeWeightsAndOlderOpsets() {
    Config c = random(Op.RNN, 5, 2, 3, 12, "reverse", false, 71);
    Run run = new Run();
    run.constWeights = false;
    check(c, run);
    run.opset = 1;
    check(c, run);
    run.opset = 7;
    check(c, run);
  }

  @Test
  void resultsDoNotDependOnThreadCount() {
    for (Config c : new Config[] {
        withState(random(Op.RNN, 6, 64, 8, 40, "bidirectional", true, 81), 82),
        withState(random(Op.RNN, 6, 64, 8, 40, "forward", true, 85), 86),
        random(Op.RNN, 4, 1, 8, 600, "forward", true, 83)}) {
      Run one = new Run();
      Run two = new Run();
      two.threads = 2;
      Map<String, Tensor> a = RecurrentTesting.runOp(c, one);
      Map<String, Tensor> b = RecurrentTesting.runOp(c, two);
      for (String k : a.keySet()) {
        assertArrayEquals(a.get(k).floats(), b.get(k).floats(), k);
      }
      check(c, two);
    }
  }
}
