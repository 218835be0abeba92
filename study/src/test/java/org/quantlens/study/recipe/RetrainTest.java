package org.quantlens.study.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.quantlens.engine.train.Dataset;

/** Retraining with added inputs: the joined data set, and that the model learns the added inputs. */
class RetrainTest {
  private static Dataset points(Random r, int n, int rule) {
    float[] x = new float[n * 3];
    long[] y = new long[n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < 3; k++) {
        x[i * 3 + k] = r.nextFloat();
      }
      y[i] = x[i * 3 + rule] > 0.5f ? 1 : 0;
    }
    return Dataset.of(Tensor.of(x, n, 3), Tensor.of(y, n));
  }

  /** x[N,3] -> Gemm(16) -> Relu -> Gemm(2). */
  private static Graph mlp(Random r) {
    Graph g = new Graph("mlp");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 3));
    float[] w1 = new float[16 * 3];
    float[] w2 = new float[2 * 16];
    for (int i = 0; i < w1.length; i++) {
      w1[i] = (float) (r.nextGaussian() * 0.8);
    }
    for (int i = 0; i < w2.length; i++) {
      w2[i] = (float) (r.nextGaussian() * 0.35);
    }
    g.initializers().put("w1", Tensor.of(w1, 16, 3));
    g.initializers().put("b1", Tensor.zeros(DType.F32, 16));
    g.initializers().put("w2", Tensor.of(w2, 2, 16));
    g.initializers().put("b2", Tensor.zeros(DType.F32, 2));
    Map<String, Attribute> t = Map.of("transB", Attribute.of(1L));
    g.nodes().add(new Node("fc1", "Gemm", List.of("x", "w1", "b1"), List.of("h"), t));
    g.nodes().add(new Node("relu", "Relu", List.of("h"), List.of("a"), Map.of()));
    g.nodes().add(new Node("fc2", "Gemm", List.of("a", "w2", "b2"), List.of("logits"), t));
    g.outputs().add(new Value("logits", DType.F32, -1, 2));
    return g;
  }

  @Test
  void joinedSetIsTheTrainingSetFollowedByTheRepeatedExtras() {
    Random r = new Random(1);
    Dataset a = points(r, 5, 0);
    Dataset b = points(r, 2, 1);
    Dataset c = Retrain.concat(a, b, 3);
    assertEquals(11, c.size());
    for (int i = 0; i < 11; i++) {
      Dataset src = i < 5 ? a : b;
      int j = i < 5 ? i : (i - 5) % 2;
      assertEquals(src.y().getLong(j), c.y().getLong(i));
      for (int k = 0; k < 3; k++) {
        assertEquals(src.x().floats()[j * 3 + k], c.x().floats()[i * 3 + k]);
      }
    }
    Dataset wrong = Dataset.of(Tensor.zeros(DType.F32, 2, 4), Tensor.of(new long[] {0, 1}, 2));
    assertThrows(ShapeMismatchException.class, () -> Retrain.concat(a, wrong, 1));
  }

  @Test
  void fineTuningWithAddedInputsLearnsTheirLabels() {
    Random r = new Random(2);
    Dataset train = points(r, 256, 0);
    Dataset extra = points(r, 32, 1); // labelled by another rule than the training set
    TrainSettings s = new TrainSettings().epochs(30).batchSize(32).lr(1e-2).seed(3).threads(1);
    Graph base = new StandardRecipe().train(mlp(r), train, null, s).model();
    double before = accuracy(base, extra);
    Graph retrained = Retrain.withExtra(base, train, extra, 8, s.phase(15, 1e-2));
    double after = accuracy(retrained, extra);
    assertTrue(accuracy(base, train) > 0.9, "the base model learns its rule");
    assertTrue(after > before + 0.2, "accuracy on the added inputs " + before + " -> " + after);
  }

  private static double accuracy(Graph g, Dataset d) {
    return RecipesFashionMnistTest.accuracy(RecipesFashionMnistTest.predict(g, d), d);
  }
}
