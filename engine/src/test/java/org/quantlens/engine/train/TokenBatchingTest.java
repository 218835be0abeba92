package org.quantlens.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Integer (token id) inputs go through datasets and batches unchanged: every batch row holds the
 * token row of the sample the order names, next to that sample's label, in the input's own type.
 * Each token row here encodes its sample index ({@code 1000 * s + j}), so a mismatch is visible.
 */
class TokenBatchingTest {
  private static final int LEN = 4;

  /** {@code n} samples; sample {@code s} has tokens {@code 1000 s + j} and label {@code (7 s) % 5}. */
  private static Dataset handMade(int n, DType type) {
    long[] ids = new long[n * LEN];
    long[] labels = new long[n];
    for (int s = 0; s < n; s++) {
      for (int j = 0; j < LEN; j++) {
        ids[s * LEN + j] = 1000L * s + j;
      }
      labels[s] = (7L * s) % 5;
    }
    Tensor x = Tensor.of(ids, n, LEN);
    return Dataset.of(type == DType.I64 ? x : x.cast(type), Tensor.of(labels, n));
  }

  private static void assertRowsMatch(Batch b, int[] order, int from) {
    for (int i = 0; i < b.size(); i++) {
      int s = order[from + i];
      for (int j = 0; j < LEN; j++) {
        assertEquals(1000L * s + j, b.x().getLong(i * LEN + j), "batch row " + i + " token " + j);
      }
      assertEquals((7L * s) % 5, b.y().getLong(i), "batch row " + i + " label");
    }
  }

  @Test
  void shuffledInt64BatchesCarryTheRowsTheOrderNamesAndReuseTheirBuffers() {
    Dataset d = handMade(10, DType.I64);
    int[] order = {7, 2, 9, 0, 5, 1, 8, 3, 6, 4};
    Batcher batcher = new Batcher(d);
    Batch first = batcher.fill(order, 0, 4, 4);
    assertEquals(DType.I64, first.x().dtype());
    assertArrayEquals(new int[] {4, LEN}, first.x().shape());
    assertRowsMatch(first, order, 0);
    Batch second = batcher.fill(order, 4, 4, 4);
    assertSame(first, second, "full batches reuse one buffer");
    assertRowsMatch(second, order, 4);
    Batch tail = batcher.fill(order, 8, 2, 4);
    assertArrayEquals(new int[] {2, LEN}, tail.x().shape());
    assertRowsMatch(tail, order, 8);
    assertSame(tail, batcher.fill(order, 8, 2, 4), "the partial batch reuses its buffer too");
  }

  @Test
  void int32InputsKeepTheirTypeThroughBatching() {
    Dataset d = handMade(6, DType.I32);
    int[] order = {5, 3, 1, 0, 2, 4};
    Batch b = new Batcher(d).fill(order, 0, 6, 6);
    assertEquals(DType.I32, b.x().dtype());
    assertRowsMatch(b, order, 0);
  }

  @Test
  void inputsOfOtherTypesAreRejectedNamingTheType() {
    Tensor x = Tensor.zeros(DType.U8, 3, LEN);
    ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
        () -> Dataset.of(x, Tensor.of(new long[3], 3)));
    assertTrue(e.getMessage().contains(DType.U8.toString()), e.getMessage());
  }

  @Test
  void requireFloatInputsPassesFloatDataAndRefusesTokenIdsNamingTheMethodAndType() {
    Dataset floats = Dataset.of(Tensor.zeros(DType.F32, 3, LEN), Tensor.of(new long[3], 3));
    assertSame(floats, floats.requireFloatInputs("mixing"));
    ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
        () -> handMade(3, DType.I64).requireFloatInputs("mixing"));
    assertTrue(e.getMessage().startsWith("mixing") && e.getMessage().contains("I64"), e.getMessage());
  }

  /** ids[N, LEN] int64 -> Gather(emb[V, 3]) -> Flatten -> Gemm -> logits[N, 5]. */
  private static Graph embeddingModel(int vocab) {
    Random r = new Random(3);
    Graph g = new Graph("embed");
    g.opsets().put("", 13);
    g.inputs().add(new Value("ids", DType.I64, -1, LEN));
    g.initializers().put("emb", TestModels.glorot(r, vocab, 3, vocab, 3));
    g.initializers().put("w", TestModels.glorot(r, 3 * LEN, 5, 3 * LEN, 5));
    g.initializers().put("b", Tensor.zeros(DType.F32, 5));
    g.nodes().add(new Node("embed", "Gather", List.of("emb", "ids"), List.of("e"), Map.of()));
    g.nodes().add(new Node("flat", "Flatten", List.of("e"), List.of("f"), Map.of()));
    g.nodes().add(new Node("fc", "Gemm", List.of("f", "w", "b"), List.of("logits"), Map.of()));
    g.outputs().add(new Value("logits", DType.F32, -1, 5));
    return g;
  }

  @Test
  void trainerFeedsEverySampleOncePerEpochInShuffledInt64BatchesWithItsOwnLabel() {
    int n = 23;
    Dataset d = handMade(n, DType.I64);
    List<Long> seen = new ArrayList<>();
    try (TrainingSession s = new TrainingSession(embeddingModel(1000 * n),
        new TrainingSession.Options().seed(1))) {
      Trainer.builder().epochs(1).batchSize(5).seed(9).transform((b, sess, rnd) -> {
        assertEquals(DType.I64, b.x().dtype());
        for (int i = 0; i < b.size(); i++) {
          long sample = b.x().getLong(i * LEN) / 1000;
          for (int j = 0; j < LEN; j++) {
            assertEquals(1000 * sample + j, b.x().getLong(i * LEN + j), "tokens of one row");
          }
          assertEquals((7 * sample) % 5, b.y().getLong(i), "label next to sample " + sample);
          seen.add(sample);
        }
        return b;
      }).build().fit(s, d, null);
    }
    long[] order = seen.stream().mapToLong(Long::longValue).toArray();
    long[] sorted = order.clone();
    Arrays.sort(sorted);
    long[] identity = new long[n];
    Arrays.setAll(identity, i -> i);
    assertArrayEquals(identity, sorted, "every sample exactly once");
    assertFalse(Arrays.equals(identity, order), "the epoch's order is shuffled");
  }
}
