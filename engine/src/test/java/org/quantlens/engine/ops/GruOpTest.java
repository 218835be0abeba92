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

class GruOpTest {

  private static Config gru(int seqLen, int batch, int input, int hidden, String dir, boolean lbr,
      long seed) {
    Config c = random(Op.GRU, seqLen, batch, input, hidden, dir, true, seed);
    c.linearBeforeReset = lbr;
    return c;
  }

  private static Config withState(Config c, long seed) {
    c.h0 = uniform(new Random(seed), c.dirs() * c.batch * c.hidden, 0.8);
    return c;
  }

  @ParameterizedTest(name = "hidden {0}, batch {1}, {2}, linear_before_reset {3}")
  @CsvSource({
    "1, 1, forward, false", "3, 3, reverse, true", "17, 3, bidirectional, false",
    "50, 1, forward, true", "75, 3, bidirectional, true", "128, 1, reverse, false",
    "128, 3, forward, true", "17, 64, bidirectional, false", "17, 64, bidirectional, true",
  })
  void defaultsMatchReferenceAcrossSizesDirectionsAndLinearBeforeReset(int hidden, int batch,
      String dir, boolean lbr) {
    check(gru(5, batch, 7, hidden, dir, lbr, hidden * 37L + batch), new Run());
  }

  @ParameterizedTest(name = "{0}, layout {1}, linear_before_reset {2}")
  @CsvSource({"forward, 0, false", "reverse, 0, true", "bidirectional, 0, false",
      "forward, 1, true", "reverse, 1, false", "bidirectional, 1, true"})
  void sequenceLensInitialStateAndLayoutMatchReference(String dir, int layout, boolean lbr) {
    Config c = withState(gru(6, 5, 4, 19, dir, lbr, 7), 8);
    c.layout = layout;
    c.lens = new int[] {6, 0, 3, 1, 5};
    check(c, new Run());
  }

  @ParameterizedTest(name = "linear_before_reset {0}")
  @CsvSource({"false", "true"})
  void clipBoundsEveryGateArgument(boolean lbr) {
    Config c = withState(gru(4, 3, 5, 13, "bidirectional", lbr, 31), 32);
    for (int i = 0; i < c.w.length; i++) {
      c.w[i] *= 8;
    }
    c.clip = 0.6;
    check(c, new Run());
  }

  @ParameterizedTest(name = "linear_before_reset {0}")
  @CsvSource({"false", "true"})
  void customActivationsPerDirectionWithAlphaAndBeta(boolean lbr) {
    Config c = withState(gru(4, 3, 5, 9, "bidirectional", lbr, 51), 52);
    c.acts = List.of(Act.of("HardSigmoid", 0.3, 0.45), Act.of("Softsign"),
        Act.of("Sigmoid"), Act.of("ScaledTanh", 0.8, 1.2));
    check(c, new Run());
    c.acts = List.of(Act.of("Affine", 0.2, 0.5), Act.of("Elu", 0.6, 0));
    check(c, new Run());
    c.acts = List.of(Act.defaulted("HardSigmoid", 0.2, 0.5), Act.defaulted("LeakyRelu", 0.01, 0));
    check(c, new Run());
  }

  @ParameterizedTest(name = "Y {0}, Y_h {1}")
  @CsvSource({"true, false", "false, true"})
  void omittedOutputsAreNotComputedAndTheOtherIsRight(boolean y, boolean yh) {
    Config c = withState(gru(4, 3, 4, 6, "bidirectional", false, 61), 62);
    Run run = new Run();
    run.wantY = y;
    run.wantYh = yh;
    check(c, run);
  }

  @Test
  void missingBiasMeansZerosAndRuntimeWeightsWork() {
    Config c = random(Op.GRU, 5, 2, 3, 12, "reverse", false, 71);
    Run run = new Run();
    run.constWeights = false;
    check(c, run);
    c.linearBeforeReset = true;
    check(c, run);
  }

  @Test
  void opset1HasNoLinearBeforeResetAndOpset3Has() {
    Config c = withState(gru(5, 3, 4, 9, "forward", true, 77), 78);
    Run run = new Run();
    run.opset = 3;
    check(c, run);
    run.opset = 7;
    check(c, run);
    // GRU-1 has no such attribute: the op must compute the default formula whatever is written
    run.opset = 1;
    Map<String, Tensor> got = RecurrentTesting.runOp(c, run);
    c.linearBeforeReset = false;
    RecurrentReference.Result want = RecurrentReference.run(c);
    RecurrentTesting.compare("Y_h", got.get("Y_h"), new int[] {1, 3, 9}, want.yh);
  }

  @Test
  void resultsDoNotDependOnThreadCount() {
    for (Config c : new Config[] {
        withState(gru(6, 64, 8, 40, "bidirectional", false, 81), 82),
        withState(gru(6, 64, 8, 40, "forward", true, 85), 86),
        gru(4, 1, 8, 256, "forward", false, 83), gru(4, 1, 8, 256, "reverse", true, 84)}) {
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
