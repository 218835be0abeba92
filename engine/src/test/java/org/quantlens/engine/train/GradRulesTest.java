package org.quantlens.engine.train;

import static org.quantlens.engine.train.GradCheck.attrs;
import static org.quantlens.engine.train.GradCheck.distinct;
import static org.quantlens.engine.train.GradCheck.rand;
import static org.quantlens.engine.train.GradCheck.randAway;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.tensor.Tensor;

/**
 * Every backward rule against central finite differences (see {@link GradCheck} for the scalar
 * checked, the step and the tolerance: relative 5e-3 plus absolute 5e-4, h = 1e-3, float32
 * forward through the engine's operators). Parameters and graph inputs are both checked, so each
 * test covers weight and input gradients.
 */
class GradRulesTest {
  private static final Map<String, Attribute> NONE = Map.of();

  private static GradCheck unary(String op, int opset, Tensor x, Map<String, Attribute> a) {
    return new GradCheck(opset).input("x", x).node(op, List.of("x"), List.of("y"), a).output("y");
  }

  // ---- Gemm and MatMul

  @ParameterizedTest(name = "transA={0}")
  @ValueSource(ints = {0, 1, 2, 3})
  void gemmWeightsInputsAndBiasForEveryTransposeWithAlphaBeta(int t) {
    boolean ta = (t & 1) != 0;
    boolean tb = (t & 2) != 0;
    int m = 3;
    int k = 4;
    int n = 5;
    new GradCheck(13)
        .input("a", rand(1, ta ? new int[] {k, m} : new int[] {m, k}))
        .param("b", rand(2, tb ? new int[] {n, k} : new int[] {k, n}))
        .param("c", rand(3, n))
        .node("Gemm", List.of("a", "b", "c"), List.of("y"),
            attrs("transA", ta ? 1 : 0, "transB", tb ? 1 : 0, "alpha", 0.7f, "beta", 1.3f))
        .output("y").run();
  }

  @Test
  void gemmBiasBroadcastAlongRowsColumnsAndScalar() {
    for (int[] cs : new int[][] {{3, 1}, {1, 5}, {1}, {3, 5}}) {
      new GradCheck(13).input("a", rand(4, 3, 4)).param("b", rand(5, 4, 5)).param("c", rand(6, cs))
          .node("Gemm", List.of("a", "b", "c"), List.of("y"), attrs("beta", 0.5f)).output("y").run();
    }
  }

  @Test
  void matMulTwoDimensional() {
    new GradCheck(13).input("a", rand(1, 3, 4)).param("b", rand(2, 4, 5))
        .node("MatMul", List.of("a", "b"), List.of("y"), NONE).output("y").run();
  }

  @Test
  void matMulSharedWeightOverBatchedRows() {
    new GradCheck(13).input("a", rand(1, 2, 3, 4)).param("b", rand(2, 4, 5))
        .node("MatMul", List.of("a", "b"), List.of("y"), NONE).output("y").run();
  }

  @Test
  void matMulBroadcastBatchDimensionsOnBothSides() {
    new GradCheck(13).input("a", rand(1, 2, 1, 3, 4)).input("b", rand(2, 3, 4, 2))
        .node("MatMul", List.of("a", "b"), List.of("y"), NONE).output("y").run();
  }

  @Test
  void matMulVectorOperands() {
    new GradCheck(13).input("a", rand(1, 4)).input("b", rand(2, 2, 4, 3))
        .node("MatMul", List.of("a", "b"), List.of("y"), NONE).output("y").run();
    new GradCheck(13).input("a", rand(3, 3, 4)).input("b", rand(4, 4))
        .node("MatMul", List.of("a", "b"), List.of("y"), NONE).output("y").run();
  }

  // ---- element-wise with broadcasting

  @ParameterizedTest
  @ValueSource(strings = {"Add", "Sub", "Mul", "Div"})
  void binaryOpsSumGradientsOverBroadcastDimensions(String op) {
    int[][][] shapes = {
      {{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {4}}, {{2, 3, 4}, {3, 1}}, {{2, 1, 4}, {3, 1}},
      {{2, 3, 4}, {}}, {{1, 3, 1}, {2, 1, 4}},
    };
    for (int[][] s : shapes) {
      Tensor b = op.equals("Div") ? randAway(8, 0.5, s[1]) : rand(8, s[1]);
      new GradCheck(14).input("a", rand(7, s[0])).param("b", b)
          .node(op, List.of("a", "b"), List.of("y"), NONE).output("y").run();
    }
  }

  @Test
  void sameValueOnBothSidesAccumulates() {
    new GradCheck(14).input("a", rand(1, 3, 4))
        .node("Mul", List.of("a", "a"), List.of("y"), NONE).output("y").run();
  }

  @Test
  void fanOutAccumulatesGradientsFromEveryConsumer() {
    // x feeds four rules; whichever runs first may overwrite, the others must add.
    new GradCheck(13).input("x", randAway(1, 0.05, 3, 4)).param("w", rand(2, 5, 4))
        .node("Gemm", List.of("x", "w"), List.of("g"), attrs("transB", 1))
        .node("Relu", List.of("x"), List.of("r"), NONE)
        .node("Identity", List.of("x"), List.of("i"), NONE)
        .node("Mul", List.of("r", "x"), List.of("m"), NONE)
        .node("Transpose", List.of("x"), List.of("t"), NONE)
        .node("MatMul", List.of("x", "t"), List.of("q"), NONE)
        .output("g").output("i").output("q").output("m").run();
  }

  // ---- activations

  @Test
  void reluAndLeakyRelu() {
    unary("Relu", 14, randAway(1, 0.05, 4, 6), NONE).run();
    unary("LeakyRelu", 16, randAway(2, 0.05, 4, 6), attrs("alpha", 0.1f)).run();
  }

  @Test
  void sigmoidAndTanh() {
    unary("Sigmoid", 13, rand(1, 4, 6), NONE).run();
    unary("Tanh", 13, rand(2, 4, 6), NONE).run();
  }

  @Test
  void softmaxAndLogSoftmaxOverOneAxis() {
    for (String op : new String[] {"Softmax", "LogSoftmax"}) {
      unary(op, 13, rand(1, 2, 3, 4), attrs("axis", 1)).run();
      unary(op, 13, rand(2, 2, 3, 4), NONE).run();
    }
  }

  @Test
  void softmaxBeforeOpset13NormalisesFlattenedTrailingAxes() {
    for (String op : new String[] {"Softmax", "LogSoftmax"}) {
      unary(op, 11, rand(3, 2, 3, 4), attrs("axis", 1)).run();
    }
  }

  // ---- shape and data movement

  @Test
  void flattenReshapeIdentity() {
    unary("Flatten", 13, rand(1, 2, 3, 4), attrs("axis", 2)).run();
    unary("Identity", 13, rand(1, 2, 3), NONE).run();
    new GradCheck(14).input("x", rand(1, 2, 3, 4)).constant("s", Tensor.of(new long[] {4, -1}, 2))
        .node("Reshape", List.of("x", "s"), List.of("y"), NONE).output("y").run();
  }

  @Test
  void transposeWithPermutationAndDefault() {
    unary("Transpose", 13, rand(1, 2, 3, 4), attrs("perm", new int[] {1, 2, 0})).run();
    unary("Transpose", 13, rand(2, 2, 3, 4), NONE).run();
  }

  @Test
  void concatSplitsTheGradient() {
    new GradCheck(13).input("a", rand(1, 2, 1, 3)).param("b", rand(2, 2, 2, 3)).input("c", rand(3, 2, 3, 3))
        .node("Concat", List.of("a", "b", "c"), List.of("y"), attrs("axis", 1)).output("y").run();
    new GradCheck(13).input("a", rand(1, 2, 3)).input("b", rand(2, 2, 2))
        .node("Concat", List.of("a", "b"), List.of("y"), attrs("axis", -1)).output("y").run();
  }

  @Test
  void gatherScattersIntoTheEmbeddingTableWithRepeatedIndices() {
    new GradCheck(13).param("table", rand(1, 6, 4))
        .constant("idx", Tensor.of(new long[] {0, 5, 2, 2, -1, 3}, 2, 3))
        .node("Gather", List.of("table", "idx"), List.of("y"), NONE).output("y").run();
    new GradCheck(13).input("x", rand(2, 2, 5, 3)).constant("idx", Tensor.of(new int[] {4, 1, 4}, 3))
        .node("Gather", List.of("x", "idx"), List.of("y"), attrs("axis", 1)).output("y").run();
  }

  @Test
  void reduceSumAndMeanWithAxesAsAttributeOrInput() {
    unary("ReduceMean", 13, rand(1, 2, 3, 4), attrs("axes", new int[] {1}, "keepdims", 0)).run();
    unary("ReduceMean", 13, rand(2, 2, 3, 4), attrs("axes", new int[] {0, -1})).run();
    unary("ReduceMean", 13, rand(3, 2, 3, 4), NONE).run();
    unary("ReduceSum", 11, rand(4, 2, 3, 4), attrs("axes", new int[] {2}, "keepdims", 0)).run();
    new GradCheck(13).input("x", rand(5, 2, 3, 4)).constant("axes", Tensor.of(new long[] {0, 2}, 2))
        .node("ReduceSum", List.of("x", "axes"), List.of("y"), attrs("keepdims", 0)).output("y").run();
    new GradCheck(18).input("x", rand(6, 2, 3, 4)).constant("axes", Tensor.of(new long[] {1}, 1))
        .node("ReduceMean", List.of("x", "axes"), List.of("y"), NONE).output("y").run();
    new GradCheck(13).input("x", rand(7, 2, 3)).constant("axes", Tensor.of(new long[0], 0))
        .node("ReduceSum", List.of("x", "axes"), List.of("y"), attrs("noop_with_empty_axes", 1))
        .output("y").run();
  }

  // ---- convolution and pooling

  private static GradCheck conv(int[] x, int[] w, boolean bias, Map<String, Attribute> a) {
    GradCheck g = new GradCheck(13).input("x", rand(1, x)).param("w", rand(2, w));
    if (bias) {
      g.param("b", rand(3, w[0]));
    }
    return g.node("Conv", bias ? List.of("x", "w", "b") : List.of("x", "w"), List.of("y"), a)
        .output("y");
  }

  @Test
  void conv2dPaddedStrided() {
    conv(new int[] {2, 3, 6, 5}, new int[] {4, 3, 3, 3}, true,
        attrs("pads", new int[] {1, 1, 1, 1}, "strides", new int[] {2, 1})).run();
  }

  @Test
  void conv2dGroupsAndDepthwise() {
    conv(new int[] {2, 4, 5, 5}, new int[] {6, 2, 3, 3}, true, attrs("group", 2)).run();
    conv(new int[] {2, 3, 5, 5}, new int[] {6, 1, 3, 3}, true,
        attrs("group", 3, "pads", new int[] {1, 1, 1, 1})).run();
  }

  @Test
  void conv2dDilatedAsymmetricPadsNoBias() {
    conv(new int[] {1, 2, 7, 6}, new int[] {3, 2, 2, 3}, false,
        attrs("dilations", new int[] {2, 1}, "pads", new int[] {0, 2, 1, 0})).run();
  }

  @Test
  void conv2dAutoPadSameUpper() {
    conv(new int[] {1, 2, 5, 5}, new int[] {2, 2, 3, 3}, true,
        attrs("auto_pad", "SAME_UPPER", "strides", new int[] {2, 2})).run();
  }

  @Test
  void conv1dAnd3d() {
    conv(new int[] {2, 3, 8}, new int[] {4, 3, 3}, true,
        attrs("pads", new int[] {1, 0}, "strides", new int[] {2})).run();
    conv(new int[] {1, 2, 4, 4, 3}, new int[] {2, 2, 2, 3, 2}, true,
        attrs("pads", new int[] {1, 0, 1, 0, 1, 0})).run();
  }

  @Test
  void conv2dBatchLargerThanOneChunkOfPatchesStillSumsWeightGradients() {
    // Many samples: the weight gradient sums across chunks of the batch.
    conv(new int[] {5, 1, 4, 4}, new int[] {2, 1, 3, 3}, true, NONE).run();
  }

  @Test
  void maxPoolRoutesToTheWindowMaximum() {
    unary("MaxPool", 12, distinct(1, 2, 2, 6, 6), attrs("kernel_shape", new int[] {2, 2},
        "strides", new int[] {2, 2})).run();
    unary("MaxPool", 12, distinct(2, 1, 2, 7, 7), attrs("kernel_shape", new int[] {3, 3},
        "strides", new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1})).run();
    unary("MaxPool", 12, distinct(3, 1, 2, 6, 6), attrs("kernel_shape", new int[] {3, 3},
        "strides", new int[] {2, 2}, "ceil_mode", 1)).run();
    unary("MaxPool", 12, distinct(4, 1, 2, 9), attrs("kernel_shape", new int[] {3},
        "strides", new int[] {2}, "dilations", new int[] {2})).run();
  }

  @Test
  void averagePoolWithAndWithoutCountIncludePad() {
    for (int include = 0; include <= 1; include++) {
      unary("AveragePool", 11, rand(1, 2, 2, 6, 5), attrs("kernel_shape", new int[] {3, 2},
          "strides", new int[] {2, 2}, "pads", new int[] {1, 1, 1, 0}, "count_include_pad",
          include)).run();
    }
    unary("AveragePool", 11, rand(2, 1, 2, 6, 6), attrs("kernel_shape", new int[] {2, 2},
        "strides", new int[] {2, 2})).run();
    unary("AveragePool", 11, rand(3, 1, 1, 3, 4, 4), attrs("kernel_shape", new int[] {2, 2, 2},
        "ceil_mode", 1, "strides", new int[] {2, 2, 2})).run();
  }

  @Test
  void globalPools() {
    unary("GlobalAveragePool", 13, rand(1, 2, 3, 4, 4), NONE).run();
    unary("GlobalMaxPool", 13, distinct(2, 2, 3, 4, 4), NONE).run();
  }

  // ---- batch normalisation

  private static GradCheck batchNorm(int opset, boolean training) {
    Tensor var = rand(5, 3);
    for (int i = 0; i < 3; i++) {
      var.floats()[i] = 0.5f + Math.abs(var.floats()[i]);
    }
    return new GradCheck(opset).input("x", rand(1, 4, 3, 3, 2)).param("gamma", rand(2, 3))
        .param("beta", rand(3, 3)).constant("mean", rand(4, 3)).constant("var", var)
        .node("BatchNormalization", List.of("x", "gamma", "beta", "mean", "var"), List.of("y"),
            attrs("epsilon", 1e-3f))
        .output("y").training(training);
  }

  @Test
  void batchNormTrainingDifferentiatesThroughBatchStatistics() {
    batchNorm(15, true).run();
    batchNorm(9, true).run();
  }

  @Test
  void batchNormEvaluationUsesRunningStatistics() {
    batchNorm(15, false).run();
  }

  // ---- composites

  @Test
  void smallConvNetThroughEveryLayerKind() {
    GradCheck g = new GradCheck(13).input("x", rand(1, 2, 1, 8, 8))
        .param("w1", rand(2, 3, 1, 3, 3)).param("b1", rand(3, 3))
        .param("w2", rand(4, 12, 4)).param("b2", rand(5, 4))
        .constant("shape", Tensor.of(new long[] {0, -1}, 2))
        .node("Conv", List.of("x", "w1", "b1"), List.of("c"), attrs("pads", new int[] {1, 1, 1, 1}))
        .node("Tanh", List.of("c"), List.of("t"), NONE)
        .node("AveragePool", List.of("t"), List.of("p"), attrs("kernel_shape", new int[] {4, 4},
            "strides", new int[] {4, 4}))
        .node("Reshape", List.of("p", "shape"), List.of("f"), NONE)
        .node("Gemm", List.of("f", "w2", "b2"), List.of("y"), NONE)
        .node("LogSoftmax", List.of("y"), List.of("z"), NONE)
        .output("z").output("p");
    g.run();
  }
}
