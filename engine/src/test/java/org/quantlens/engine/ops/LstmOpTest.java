package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quantlens.engine.ops.RecurrentTesting.check;
import static org.quantlens.engine.ops.RecurrentTesting.random;
import static org.quantlens.engine.ops.RecurrentTesting.uniform;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.ops.RecurrentReference.Act;
import org.quantlens.engine.ops.RecurrentReference.Config;
import org.quantlens.engine.ops.RecurrentReference.Op;
import org.quantlens.engine.ops.RecurrentTesting.Run;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class LstmOpTest {

  private static Config withStates(Config c, long seed) {
    Random rnd = new Random(seed);
    int n = c.dirs() * c.batch * c.hidden;
    c.h0 = uniform(rnd, n, 0.8);
    c.c0 = uniform(rnd, n, 1.5);
    return c;
  }

  private static int[] lens(int batch, int seqLen, long seed) {
    Random rnd = new Random(seed);
    int[] l = new int[batch];
    for (int i = 0; i < batch; i++) {
      l[i] = i == 0 ? seqLen : i == 1 && batch > 2 ? 0 : rnd.nextInt(seqLen + 1);
    }
    return l;
  }

  @ParameterizedTest(name = "hidden {0}, batch {1}, {2}")
  @CsvSource({
    "1, 1, forward", "3, 3, reverse", "17, 3, bidirectional", "50, 1, forward",
    "75, 3, bidirectional", "128, 1, reverse", "128, 3, forward", "17, 64, bidirectional",
  })
  void defaultsMatchReferenceAcrossSizesAndDirections(int hidden, int batch, String dir) {
    check(random(Op.LSTM, 5, batch, 7, hidden, dir, true, hidden * 31L + batch), new Run());
  }

  @ParameterizedTest(name = "{0}, layout {1}")
  @CsvSource({"forward, 0", "reverse, 0", "bidirectional, 0", "forward, 1", "reverse, 1",
      "bidirectional, 1"})
  void sequenceLensInitialStatesAndLayoutMatchReference(String dir, int layout) {
    Config c = withStates(random(Op.LSTM, 6, 5, 4, 19, dir, true, 7), 8);
    c.layout = layout;
    c.lens = lens(5, 6, 9);
    check(c, new Run());
  }

  @Test
  void batch64WithVaryingLengthsMatchesReferenceOnTwoThreads() {
    Config c = withStates(random(Op.LSTM, 8, 64, 6, 33, "bidirectional", true, 11), 12);
    c.lens = lens(64, 8, 13);
    Run run = new Run();
    run.threads = 2;
    check(c, run);
  }

  @ParameterizedTest(name = "{0}, layout {1}, peepholes {2}, {3} threads, batch {4}")
  @CsvSource({"forward, 0, false, 1, 11", "reverse, 1, false, 1, 11",
      "bidirectional, 1, true, 1, 11", "bidirectional, 0, true, 2, 11", "reverse, 0, true, 2, 11", "forward, 1, false, 2, 11",
      "reverse, 1, true, 1, 1", "bidirectional, 0, false, 2, 1"})
  void batchesOfOneOr8AndMoreTakeTheOneProductPerStepPathAndMatchReference(String dir, int layout,
      boolean peep, int threads, int batch) {
    // with 1 or from RecurrentLayer.FUSED_MIN_BATCH rows a step multiplies [x_t h] by [W R]^T:
    // lengths, initial states, the batch-major layout and row blocks on two threads go through it
    Config c = withStates(random(Op.LSTM, 6, batch, 9, 20, dir, true, 31 + layout), 32);
    c.layout = layout;
    c.lens = batch == 1 ? new int[] {4} : lens(batch, 6, 33);
    if (peep) {
      c.p = uniform(new Random(34), c.dirs() * 3 * c.hidden, 0.9);
      c.clip = 0.8;
    }
    Run run = new Run();
    run.threads = threads;
    check(c, run);
  }

  @ParameterizedTest(name = "clip {0}, {1}")
  @CsvSource({"-1, forward", "-1, bidirectional", "0.7, forward", "0.7, reverse"})
  void peepholesMatchReferenceWithAndWithoutClip(double clip, String dir) {
    Config c = withStates(random(Op.LSTM, 5, 3, 5, 21, dir, true, 21), 22);
    c.p = uniform(new Random(23), c.dirs() * 3 * c.hidden, 0.9);
    c.clip = clip < 0 ? null : clip;
    check(c, new Run());
  }

  @Test
  void clipBoundsEveryGateArgument() {
    // large weights push pre-activations far beyond the clip, so an unclipped gate would show
    Config c = withStates(random(Op.LSTM, 4, 3, 5, 13, "forward", true, 31), 32);
    for (int i = 0; i < c.w.length; i++) {
      c.w[i] *= 8;
    }
    c.clip = 0.5;
    check(c, new Run());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"forward", "bidirectional"})
  void inputForgetCouplesForgetToInputGate(String dir) {
    Config c = withStates(random(Op.LSTM, 5, 3, 4, 10, dir, true, 41), 42);
    c.inputForget = true;
    c.p = uniform(new Random(43), c.dirs() * 3 * c.hidden, 0.5);
    check(c, new Run());
  }

  @Test
  void customActivationsPerDirectionWithAlphaAndBeta() {
    Config c = withStates(random(Op.LSTM, 4, 3, 5, 9, "bidirectional", true, 51), 52);
    c.acts = List.of(Act.of("HardSigmoid", 0.3, 0.45), Act.of("LeakyRelu", 0.05, 0),
        Act.of("Softsign"), Act.of("Sigmoid"), Act.of("ScaledTanh", 0.8, 1.2),
        Act.of("Elu", 0.7, 0));
    check(c, new Run());
  }

  @Test
  void moreActivationKindsIncludingAffineThresholdedReluSoftplusRelu() {
    Config c = withStates(random(Op.LSTM, 3, 2, 4, 11, "forward", true, 53), 54);
    c.acts = List.of(Act.of("Affine", 0.2, 0.5), Act.of("ThresholdedRelu", 0.1, 0),
        Act.of("Softplus"));
    check(c, new Run());
    c.acts = List.of(Act.of("Sigmoid"), Act.of("Relu"), Act.of("Tanh"));
    check(c, new Run());
  }

  @Test
  void omittedAlphaAndBetaTakeTheOnnxDefaults() {
    Config c = withStates(random(Op.LSTM, 4, 2, 4, 8, "forward", true, 55), 56);
    c.acts = List.of(Act.defaulted("HardSigmoid", 0.2, 0.5), Act.defaulted("LeakyRelu", 0.01, 0),
        Act.defaulted("Elu", 1.0, 0));
    check(c, new Run());
  }

  @Test
  void oneActivationListServesBothDirections() {
    Config c = withStates(random(Op.LSTM, 4, 2, 4, 8, "bidirectional", true, 57), 58);
    c.acts = List.of(Act.of("Sigmoid"), Act.of("Softsign"), Act.of("Tanh"));
    check(c, new Run());
  }

  @ParameterizedTest(name = "Y {0}, Y_h {1}, Y_c {2}")
  @CsvSource({"true, false, false", "false, true, false", "false, false, true",
      "false, true, true", "true, false, true"})
  void omittedOutputsAreNotComputedAndTheOthersAreRight(boolean y, boolean yh, boolean yc) {
    Config c = withStates(random(Op.LSTM, 4, 3, 4, 6, "bidirectional", true, 61), 62);
    c.lens = new int[] {4, 2, 3};
    Run run = new Run();
    run.wantY = y;
    run.wantYh = yh;
    run.wantYc = yc;
    check(c, run);
  }

  @Test
  void missingBiasMeansZeros() {
    check(random(Op.LSTM, 5, 2, 3, 12, "reverse", false, 71), new Run());
  }

  @Test
  void weightsComputedAtRunTimeGiveTheSameAsConstants() {
    Config c = withStates(random(Op.LSTM, 5, 3, 4, 9, "bidirectional", true, 73), 74);
    c.p = uniform(new Random(75), 2 * 3 * 9, 0.5);
    Run run = new Run();
    run.constWeights = false;
    check(c, run);
  }

  @ParameterizedTest(name = "opset {0}")
  @CsvSource({"1", "7"})
  void olderOpsetsHaveTheSameSemantics(int opset) {
    Config c = withStates(random(Op.LSTM, 5, 3, 4, 9, "bidirectional", true, 77), 78);
    c.lens = new int[] {5, 1, 3};
    Run run = new Run();
    run.opset = opset;
    check(c, run);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"F64", "F16"})
  void float64AndFloat16TensorsAreComputedInFloat32AndCastBack(DType dtype) {
    Config c = withStates(random(Op.LSTM, 4, 3, 4, 9, "bidirectional", true, 79), 80);
    c.p = uniform(new Random(81), 2 * 3 * 9, 0.5);
    c.lens = new int[] {4, 2, 0};
    Run run = new Run();
    run.dtype = dtype;
    check(c, run);
    run.constWeights = false;
    check(c, run);
  }

  @ParameterizedTest(name = "{0} threads")
  @CsvSource({"1", "2"})
  void recycledBuffersHoldingAnEarlierRunsNumbersDoNotLeakIntoTheResult(int threads) {
    // the work space comes from the session's pool uncleared: every element must be written
    // before it is read
    Config c = withStates(random(Op.LSTM, 7, 64, 9, 24, "bidirectional", true, 91), 92);
    Run run = new Run();
    run.threads = threads;
    run.dirtyRuns = 2;
    check(c, run);
    Config plain = random(Op.LSTM, 5, 3, 6, 17, "forward", true, 93);
    check(plain, run);
  }

  @Test
  void resultsDoNotDependOnThreadCount() {
    // batch 64 splits into several row blocks per thread; batch 1 with hidden 256 leaves the split
    // of each step's product to the GEMM
    for (Config c : new Config[] {
        withStates(random(Op.LSTM, 6, 64, 8, 40, "bidirectional", true, 81), 82),
        withStates(random(Op.LSTM, 6, 64, 8, 40, "reverse", true, 85), 86),
        random(Op.LSTM, 4, 1, 8, 256, "forward", true, 83)}) {
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

  @Test
  void invalidAttributesAndShapesAreTypedErrors() {
    Config c = random(Op.LSTM, 3, 2, 4, 5, "sideways", true, 91);
    assertThrows(InvalidAttributeException.class, () -> RecurrentTesting.runOp(c, new Run()));
    Config bad = random(Op.LSTM, 3, 2, 4, 5, "forward", true, 92);
    bad.acts = List.of(Act.of("Sigmoid"), Act.of("Tanhh"), Act.of("Tanh"));
    assertThrows(InvalidAttributeException.class, () -> RecurrentTesting.runOp(bad, new Run()));
    OpRegistry reg = new OpRegistry();
    new RecurrentOps().register(reg);
    Node n = new Node("n", "LSTM", List.of("X", "W", "R"), List.of("Y"),
        Map.of("hidden_size", Attribute.of(5L)));
    Tensor w = Tensor.zeros(DType.F32, 1, 16, 4); // 3 gates' rows where LSTM has 4
    Tensor r = Tensor.zeros(DType.F32, 1, 20, 5);
    assertThrows(ShapeMismatchException.class, () -> reg.find("", "LSTM", 14).factory()
        .create(new NodeContext(n, 14, new Tensor[] {null, w, r}, null)));
    Config lens = random(Op.LSTM, 3, 2, 4, 5, "forward", true, 94);
    lens.lens = new int[] {3, 4};
    assertThrows(ShapeMismatchException.class, () -> RecurrentTesting.runOp(lens, new Run()));
  }
}
