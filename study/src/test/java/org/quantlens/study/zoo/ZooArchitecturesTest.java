package org.quantlens.study.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.ParameterSelection;
import org.quantlens.onnx.OnnxWriter;
import org.quantlens.study.data.DatasetRegistry;
import org.quantlens.study.data.Split;

/**
 * The zoo's graphs: output shapes, parameter counts against numbers worked out by hand from the
 * layer definitions, ONNX Runtime running the exported file to the same logits, seeded
 * determinism, and the typed errors for data that does not fit.
 */
class ZooArchitecturesTest {
  private static final ModelInput GRAY = ModelInput.image(1, 28, 28);
  private static final ModelInput RGB = ModelInput.image(3, 32, 32);
  private static final ModelInput TEXT = ModelInput.tokens(20, 1000);

  private static ModelInput inputFor(String arch) {
    return arch.startsWith("text-") ? TEXT : arch.equals("nin") || arch.equals("resnet20") ? RGB : GRAY;
  }

  /** A batch of {@code n}: pixels uniform in [0, 1) or token ids uniform in [0, vocab). */
  private static Tensor batch(ModelInput in, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] shape = new int[in.dims().length + 1];
    shape[0] = n;
    System.arraycopy(in.dims(), 0, shape, 1, in.dims().length);
    int size = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    if (in.kind() == ModelInput.Kind.TOKENS) {
      long[] ids = new long[size];
      for (int i = 0; i < size; i++) {
        ids[i] = r.nextInt(in.vocabSize());
      }
      return Tensor.of(ids, shape);
    }
    float[] px = new float[size];
    for (int i = 0; i < size; i++) {
      px[i] = (float) r.nextDouble();
    }
    return Tensor.of(px, shape);
  }

  private static Tensor logits(Graph g, Tensor x) {
    try (Session s = new Session(g)) {
      return s.run(Map.of("input", x)).get("logits");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lenet1", "lenet5", "nin", "resnet20", "text-lstm", "text-gru",
      "row-lstm", "row-gru"})
  void everyArchitectureGivesOneLogitPerClassPerSample(String arch) {
    ModelInput in = inputFor(arch);
    Graph g = Zoo.build(arch, in, 7, 1);
    Tensor y = logits(g, batch(in, 3, 2));
    assertArrayEquals(new int[] {3, 7}, y.shape(), arch);
    for (float v : y.floats()) {
      assertTrue(Float.isFinite(v), arch + " gives a non-finite logit");
    }
    assertEquals(in.kind() == ModelInput.Kind.TOKENS ? DType.I64 : DType.F32,
        g.inputs().get(0).dtype(), arch + " input type");
  }

  @Test
  void imageModelsAlsoBuildForTheOtherImageShape() {
    for (String arch : List.of("lenet1", "lenet5", "nin", "resnet20", "row-lstm", "row-gru")) {
      ModelInput other = inputFor(arch).equals(GRAY) ? RGB : GRAY;
      Tensor y = logits(Zoo.build(arch, other, 10, 1), batch(other, 2, 3));
      assertArrayEquals(new int[] {2, 10}, y.shape(), arch + " on " + other);
    }
  }

  private static long trainable(Graph g) {
    long n = 0;
    for (String name : ParameterSelection.trainable(g)) {
      n += g.initializers().get(name).size();
    }
    return n;
  }

  @Test
  void parameterCountsMatchTheLayerArithmetic() {
    // LeNet-1 on 28x28: conv 1->4 5x5 (+4 bias), conv 4->12 5x5 (+12), dense 12*4*4 -> 10 (+10).
    assertEquals(4 * 25 + 4 + 12 * 4 * 25 + 12 + 192 * 10 + 10, trainable(Zoo.build("lenet1", GRAY, 10, 1)));
    assertEquals(3246, 4 * 25 + 4 + 12 * 4 * 25 + 12 + 192 * 10 + 10);
    // LeNet-5 on 28x28: the classic 61 706.
    assertEquals(61706, trainable(Zoo.build("lenet5", GRAY, 10, 1)));
    // NiN on CIFAR: kxk convs with bias; widths 192/160/96, 192/192/192, 192/192/10.
    long nin = (192 * 3 * 25 + 192) + (160 * 192 + 160) + (96 * 160 + 96)
        + (192 * 96 * 25 + 192) + 2 * (192 * 192 + 192)
        + (192 * 192 * 9 + 192) + (192 * 192 + 192) + (10 * 192 + 10);
    assertEquals(966986, nin);
    assertEquals(nin, trainable(Zoo.build("nin", RGB, 10, 1)));
    // ResNet-20 (pre-activation, projection shortcuts, bias-free convs, BN scale + shift).
    long stem = 3 * 16 * 9;
    long stage1 = 3 * (2 * 16 * 16 * 9 + 2 * 16 + 2 * 16);
    long stage2 = (2 * 16 + 16 * 32 * 9 + 2 * 32 + 32 * 32 * 9 + 16 * 32)
        + 2 * (2 * 32 + 32 * 32 * 9 + 2 * 32 + 32 * 32 * 9);
    long stage3 = (2 * 32 + 32 * 64 * 9 + 2 * 64 + 64 * 64 * 9 + 32 * 64)
        + 2 * (2 * 64 + 64 * 64 * 9 + 2 * 64 + 64 * 64 * 9);
    long head = 2 * 64 + 64 * 10 + 10;
    long resnet = stem + stage1 + stage2 + stage3 + head;
    assertEquals(272282, resnet); // the familiar ~0.27M of ResNet-20
    Graph r20 = Zoo.build("resnet20", RGB, 10, 1);
    assertEquals(resnet, trainable(r20));
    // 19 BatchNorms over 688 channels in all keep a running mean and variance each.
    long all = r20.initializers().values().stream().filter(t -> t.dtype() == DType.F32)
        .mapToLong(Tensor::size).sum();
    assertEquals(resnet + 2 * 688, all);
    // Text LSTM: embedding 1000 x 128; W 4*50 x 128, R 4*50 x 50, B 8*50; dense 50 -> 2.
    assertEquals(1000 * 128 + 200 * 128 + 200 * 50 + 400 + 50 * 2 + 2,
        trainable(Zoo.build("text-lstm", TEXT, 2, 1)));
    // Text GRU: embedding; W 3*75 x 128, R 3*75 x 75, B 6*75; dense 75 -> 2.
    assertEquals(1000 * 128 + 225 * 128 + 225 * 75 + 450 + 75 * 2 + 2,
        trainable(Zoo.build("text-gru", TEXT, 2, 1)));
    // Row models on 28x28: 28 features per step.
    assertEquals(256 * 28 + 256 * 64 + 512 + 64 * 10 + 10, trainable(Zoo.build("row-lstm", GRAY, 10, 1)));
    assertEquals(225 * 28 + 225 * 75 + 450 + 75 * 10 + 10, trainable(Zoo.build("row-gru", GRAY, 10, 1)));
  }

  /** Every float initializer moved off its initial value (biases 0, BN statistics 0 and 1). */
  private static void perturb(Graph g, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    for (Map.Entry<String, Tensor> e : g.initializers().entrySet()) {
      if (e.getValue().dtype() != DType.F32) {
        continue;
      }
      float[] f = e.getValue().floats();
      boolean variance = e.getKey().endsWith("running_var");
      for (int i = 0; i < f.length; i++) {
        f[i] = variance ? (float) (0.5 + r.nextDouble()) : f[i] + (float) (r.nextDouble() - 0.5) * 0.2f;
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lenet1", "lenet5", "nin", "resnet20", "text-lstm", "text-gru",
      "row-lstm", "row-gru"})
  void exportedModelRunsInOnnxRuntimeToTheSameLogits(String arch) throws Exception {
    ModelInput in = inputFor(arch);
    Graph g = Zoo.build(arch, in, 10, 5);
    // Non-trivial biases and BatchNorm statistics, so that a mix-up of their layout shows.
    perturb(g, 6);
    Tensor x = batch(in, 4, 7);
    float[] ours = logits(g, x).floats();
    float[] ort = OrtOracle.run(OnnxWriter.toBytes(g), "input", x, "logits");
    assertEquals(ours.length, ort.length);
    // float32 with different summation orders: 1e-4 absolute plus 1e-4 relative.
    for (int i = 0; i < ours.length; i++) {
      assertEquals(ort[i], ours[i], 1e-4 + 1e-4 * Math.abs(ort[i]), arch + " logit " + i);
    }
  }

  @Test
  void theSameSeedBuildsTheSameWeightsAndAnotherSeedOtherWeights() {
    for (String arch : Zoo.names()) {
      ModelInput in = inputFor(arch);
      Graph a = Zoo.build(arch, in, 10, 11);
      Graph b = Zoo.build(arch, in, 10, 11);
      Graph c = Zoo.build(arch, in, 10, 12);
      assertEquals(a.initializers().keySet(), b.initializers().keySet());
      boolean differs = false;
      for (String name : a.initializers().keySet()) {
        Tensor ta = a.initializers().get(name);
        if (ta.dtype() != DType.F32) {
          continue;
        }
        assertArrayEquals(ta.floats(), b.initializers().get(name).floats(), arch + " " + name);
        differs |= !Arrays.equals(ta.floats(), c.initializers().get(name).floats());
      }
      assertTrue(differs, arch + ": seed 12 gives the weights of seed 11");
    }
  }

  @Test
  void recurrentWeightsAreOrthogonalAndTheLstmRemembersByDefault() {
    Graph g = Zoo.build("row-lstm", GRAY, 10, 3);
    Tensor r = g.initializers().entrySet().stream().filter(e -> e.getKey().endsWith(".R"))
        .findFirst().orElseThrow().getValue();
    int rows = r.dim(1);
    int cols = r.dim(2);
    assertEquals(4 * 64, rows);
    float[] f = r.floats();
    for (int i = 0; i < cols; i++) {
      for (int j = 0; j < cols; j++) {
        double dot = 0;
        for (int k = 0; k < rows; k++) {
          dot += (double) f[k * cols + i] * f[k * cols + j];
        }
        assertEquals(i == j ? 1 : 0, dot, 1e-5, "R^T R at " + i + "," + j);
      }
    }
    // ONNX gate order i, o, f, c: the input-side forget bias (entries 128..191) is 1, the rest 0.
    float[] b = g.initializers().entrySet().stream().filter(e -> e.getKey().endsWith(".B"))
        .findFirst().orElseThrow().getValue().floats();
    for (int i = 0; i < b.length; i++) {
      assertEquals(i >= 128 && i < 192 ? 1f : 0f, b[i], "B[" + i + "]");
    }
  }

  @Test
  void heNormalConvWeightsOfResNetHaveTheirStandardDeviation() {
    Graph g = Zoo.build("resnet20", RGB, 10, 4);
    // The last 3x3 conv: 64 x 64 x 3 x 3, fan-in 576, sd sqrt(2 / 576).
    Tensor w = g.initializers().entrySet().stream()
        .filter(e -> e.getKey().startsWith("conv") && e.getValue().size() == 64 * 64 * 9)
        .reduce((a, b) -> b).orElseThrow().getValue();
    double ss = 0;
    for (float v : w.floats()) {
      ss += v * v;
    }
    double sd = Math.sqrt(ss / w.size());
    assertEquals(Math.sqrt(2.0 / 576), sd, 0.02 * Math.sqrt(2.0 / 576));
  }

  @Test
  void tooSmallImagesAreRejectedNamingTheArchitectureAndBothShapes() {
    ArchitectureMismatchException e = assertThrows(ArchitectureMismatchException.class,
        () -> Zoo.build("lenet1", ModelInput.image(1, 15, 28), 10, 1));
    assertTrue(e.getMessage().contains("lenet1"), e.getMessage());
    assertTrue(e.getMessage().contains("at least 16 x 16"), e.getMessage());
    assertTrue(e.getMessage().contains("[1, 15, 28]"), e.getMessage());
    // 16 x 16 is the smallest LeNet-1 leaves an output for: it builds and runs.
    ModelInput smallest = ModelInput.image(1, 16, 16);
    assertArrayEquals(new int[] {1, 10},
        logits(Zoo.build("lenet1", smallest, 10, 1), batch(smallest, 1, 1)).shape());
    assertThrows(ArchitectureMismatchException.class,
        () -> Zoo.build("lenet5", ModelInput.image(1, 11, 11), 10, 1));
    ModelInput lenet5Smallest = ModelInput.image(1, 12, 12);
    assertArrayEquals(new int[] {1, 10},
        logits(Zoo.build("lenet5", lenet5Smallest, 10, 1), batch(lenet5Smallest, 1, 1)).shape());
  }

  @Test
  void imagesForATextModelAndTokensForAnImageModelAreTypedErrors() {
    ArchitectureMismatchException e = assertThrows(ArchitectureMismatchException.class,
        () -> Zoo.build("text-gru", GRAY, 10, 1));
    assertTrue(e.getMessage().contains("text-gru"), e.getMessage());
    assertTrue(e.getMessage().contains("token ids"), e.getMessage());
    assertTrue(e.getMessage().contains("image [1, 28, 28]"), e.getMessage());
    ShapeMismatchException e2 = assertThrows(ShapeMismatchException.class,
        () -> Zoo.build("row-lstm", TEXT, 10, 1));
    assertTrue(e2.getMessage().contains("row-lstm"), e2.getMessage());
    assertTrue(e2.getMessage().contains("token ids [20] (vocabulary 1000)"), e2.getMessage());
    assertThrows(ArchitectureMismatchException.class,
        () -> Zoo.build("text-lstm", ModelInput.tokens(20, 1), 2, 1));
    ArchitectureMismatchException one = assertThrows(ArchitectureMismatchException.class,
        () -> Zoo.build("resnet20", RGB, 1, 1));
    assertTrue(one.getMessage().contains("at least 2 classes"), one.getMessage());
  }

  @Test
  void theMiniFashionMnistFitsEveryImageArchitectureAndNoTextOne() {
    ModelInput mini = ModelInput.of(DatasetRegistry.mini(Split.TRAIN));
    assertEquals(GRAY, mini);
    for (String arch : Zoo.names()) {
      Architecture a = Zoo.get(arch);
      if (a.inputKind() == ModelInput.Kind.IMAGE) {
        a.check(mini, 10);
      } else {
        assertThrows(ArchitectureMismatchException.class, () -> a.check(mini, 10), arch);
      }
    }
  }

  @Test
  void quickTrainingDefaultsAnnealTheirRateToZeroOverTheirEpochs() {
    for (String arch : Zoo.names()) {
      QuickTraining q = Zoo.quickTrainingDefaults(arch);
      assertTrue(q.epochs() >= 1 && q.batchSize() >= 1 && q.learningRate() > 0, arch + ": " + q);
      int stepsPerEpoch = 5000 / q.batchSize();
      assertEquals(q.learningRate(), q.schedule().lr(0, stepsPerEpoch), 1e-12, arch);
      assertEquals(q.learningRate() / 2, q.schedule().lr((long) q.epochs() * stepsPerEpoch / 2,
          stepsPerEpoch), q.learningRate() * 1e-3, arch + " halfway");
      assertEquals(0, q.schedule().lr((long) q.epochs() * stepsPerEpoch, stepsPerEpoch), 1e-12, arch);
    }
    assertThrows(UnknownArchitectureException.class, () -> Zoo.quickTrainingDefaults("vgg16"));
  }

  @Test
  void unknownArchitectureNamesTheKnownOnes() {
    UnknownArchitectureException e = assertThrows(UnknownArchitectureException.class,
        () -> Zoo.get("resnet56"));
    assertTrue(e.getMessage().contains("resnet56"), e.getMessage());
    for (String name : List.of("lenet1", "lenet5", "nin", "resnet20", "text-lstm", "text-gru",
        "row-lstm", "row-gru")) {
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
    assertEquals(List.of("lenet1", "lenet5", "nin", "resnet20", "text-lstm", "text-gru",
        "row-lstm", "row-gru"), Zoo.names());
    assertFalse(Zoo.get("text-lstm").takes().contains("images"));
  }
}
