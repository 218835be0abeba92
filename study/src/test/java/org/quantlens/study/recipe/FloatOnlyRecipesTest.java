package org.quantlens.study.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Dataset;
import org.quantlens.study.zoo.ModelInput;
import org.quantlens.study.zoo.Zoo;

/**
 * Adversarial examples and Mixup perturb or blend inputs, which means nothing for token ids: both
 * recipes refuse an int64 dataset up front with a typed error naming the recipe and the input
 * type, instead of failing inside an attack or a blend. QAT, which only observes inputs, takes them.
 */
class FloatOnlyRecipesTest {
  private static final int LEN = 6;

  private static Dataset tokens() {
    long[] ids = new long[4 * LEN];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 2 + i % 10;
    }
    return Dataset.of(Tensor.of(ids, 4, LEN), Tensor.of(new long[] {0, 1, 0, 1}, 4));
  }

  private static void assertRefused(Recipe recipe) {
    ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
        () -> recipe.train(Zoo.build("text-gru", ModelInput.tokens(LEN, 20), 2, 1), tokens(), null,
            new TrainSettings().epochs(1).batchSize(2)));
    assertTrue(e.getMessage().contains("the " + recipe.name() + " recipe")
        && e.getMessage().contains("I64"), e.getMessage());
  }

  @Test
  void adversarialRecipeRefusesTokenIdInputsNamingItself() {
    assertRefused(new AdversarialRecipe());
  }

  @Test
  void mixupRecipeRefusesTokenIdInputsNamingItself() {
    assertRefused(new MixupRecipe());
  }

  /** QAT only observes inputs: its calibration batches must carry token ids as they are. */
  @Test
  void qatRecipeCalibratesAndTrainsOnTokenIdInputs() {
    Trained t = new QatRecipe(false, 1, 0.1, QuantConfig.defaults()).train(Zoo.build("text-gru", ModelInput.tokens(LEN, 20), 2, 1), tokens(),
        null, new TrainSettings().epochs(1).batchSize(3).threads(1));
    assertEquals(1, t.history().size(), "one QAT epoch, no float phase: " + t.history());
    assertTrue(t.export().nodes().stream().anyMatch(n -> n.opType().equals("QuantizeLinear")),
        "the recipe exports its QDQ model");
  }
}
