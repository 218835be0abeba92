package org.quantlens.engine.train;

import static org.quantlens.engine.train.GradCheck.attrs;
import static org.quantlens.engine.train.GradCheck.rand;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.tensor.Tensor;

/**
 * Slice, and the zoo's sequence models end to end, against float32 central differences
 * ({@link GradCheck}: relative 5e-3 plus absolute 5e-4, h = 1e-3): a row-sequential image
 * classifier (Reshape, Transpose to time-major, LSTM or GRU, last state, Gemm, LogSoftmax) and a
 * text classifier (Gather as an embedding with int64 token ids, LSTM, Slice of the last step of Y).
 */
class SequenceModelGradTest {
  private static final Map<String, Attribute> NONE = Map.of();

  @Test
  void sliceScattersBackWithStepsNegativeIndicesAndAxes() {
    new GradCheck(13).input("x", rand(1, 4, 5, 3))
        .constant("s", Tensor.of(new long[] {1, -4}, 2)).constant("e", Tensor.of(new long[] {3, 5}, 2))
        .constant("a", Tensor.of(new long[] {0, 1}, 2)).constant("st", Tensor.of(new long[] {1, 2}, 2))
        .node("Slice", List.of("x", "s", "e", "a", "st"), List.of("y"), NONE).output("y").run();
    new GradCheck(13).input("x", rand(2, 4, 5))
        .constant("s", Tensor.of(new long[] {-1}, 1))
        .constant("e", Tensor.of(new long[] {Long.MIN_VALUE}, 1))
        .constant("a", Tensor.of(new long[] {1}, 1)).constant("st", Tensor.of(new long[] {-2}, 1))
        .node("Slice", List.of("x", "s", "e", "a", "st"), List.of("y"), NONE).output("y").run();
    new GradCheck(9).input("x", rand(3, 3, 4))
        .node("Slice", List.of("x"), List.of("y"), attrs("starts", new int[] {1}, "ends",
            new int[] {100}, "axes", new int[] {-1})).output("y").run();
  }

  private static GradCheck rowSequential(String op, Map<String, Attribute> extra) {
    int hidden = 3;
    int gates = op.equals("LSTM") ? 4 : 3;
    Map<String, Attribute> a = new java.util.LinkedHashMap<>(extra);
    a.put("hidden_size", Attribute.of((long) hidden));
    List<String> outs = op.equals("LSTM") ? List.of("", "hn", "") : List.of("", "hn");
    return new GradCheck(14)
        .input("img", rand(1, 2, 1, 5, 4))
        .constant("shape", Tensor.of(new long[] {-1, 5, 4}, 3))
        .param("W", rand(2, 1, gates * hidden, 4)).param("R", rand(3, 1, gates * hidden, hidden))
        .param("B", rand(4, 1, 2 * gates * hidden))
        .constant("axes", Tensor.of(new long[] {0}, 1))
        .param("fc", rand(5, 3, hidden)).param("fb", rand(6, 3))
        .node("Reshape", List.of("img", "shape"), List.of("rows"), NONE)
        .node("Transpose", List.of("rows"), List.of("seq"), attrs("perm", new int[] {1, 0, 2}))
        .node(op, List.of("seq", "W", "R", "B"), outs, a)
        .node("Squeeze", List.of("hn", "axes"), List.of("h"), NONE)
        .node("Gemm", List.of("h", "fc", "fb"), List.of("logits"), attrs("transB", 1))
        .node("LogSoftmax", List.of("logits"), List.of("y"), NONE)
        .output("y");
  }

  @Test
  void rowSequentialLstmClassifier() {
    rowSequential("LSTM", NONE).run();
  }

  @Test
  void rowSequentialGruClassifierBothResetVariants() {
    rowSequential("GRU", Map.of("linear_before_reset", Attribute.of(0L))).run();
    rowSequential("GRU", Map.of("linear_before_reset", Attribute.of(1L))).run();
  }

  @Test
  void textLstmEmbeddingLastStepOfY() {
    int vocab = 7;
    int emb = 3;
    int hidden = 3;
    new GradCheck(14)
        .constant("tokens", Tensor.of(new long[] {1, 4, 4, 0, 6, 2, 3, 1}, 2, 4))
        .param("table", rand(1, vocab, emb))
        .param("W", rand(2, 1, 4 * hidden, emb)).param("R", rand(3, 1, 4 * hidden, hidden))
        .constant("s", Tensor.of(new long[] {-1}, 1)).constant("e", Tensor.of(new long[] {4}, 1))
        .constant("a", Tensor.of(new long[] {0}, 1))
        .constant("shape", Tensor.of(new long[] {2, hidden}, 2))
        .param("fc", rand(4, 1, hidden))
        .node("Gather", List.of("table", "tokens"), List.of("e0"), NONE)
        .node("Transpose", List.of("e0"), List.of("seq"), attrs("perm", new int[] {1, 0, 2}))
        .node("LSTM", List.of("seq", "W", "R"), List.of("Y"), attrs("hidden_size", hidden))
        .node("Slice", List.of("Y", "s", "e", "a"), List.of("last"), NONE)
        .node("Reshape", List.of("last", "shape"), List.of("h"), NONE)
        .node("Gemm", List.of("h", "fc"), List.of("logit"), attrs("transB", 1))
        .node("Sigmoid", List.of("logit"), List.of("p"), NONE)
        .output("p").run();
  }
}
