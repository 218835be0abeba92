package org.quantlens.study.recipe;

import java.util.Set;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.train.BatchTransform;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.SoftmaxCrossEntropy;

/**
 * Adversarial training: in every batch a share of the samples is replaced by attacks against the
 * current model (the batch is already shuffled, so the first samples are a random share), then the
 * step trains on the mix. Defaults are the paper's MNIST setting: PGD with eps 0.3, step 0.1, 10
 * iterations, random start, half of each batch.
 */
public final class AdversarialRecipe implements Recipe {
  private final Attack attack;
  private final double share;

  /** The paper's setting. */
  public AdversarialRecipe() {
    this(Attack.pgd(0.3, 0.1, 10, true), 0.5);
  }

  /** @param share fraction of each batch replaced by adversarial examples, in [0, 1] */
  public AdversarialRecipe(Attack attack, double share) {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("adversarial share must be in [0, 1], got " + share);
    }
    this.attack = attack;
    this.share = share;
  }

  @Override
  public String name() {
    return "adversarial";
  }

  public Attack attack() {
    return attack;
  }

  @Override
  public Trained train(Graph model, Dataset train, Dataset validation, TrainSettings settings) {
    train.requireFloatInputs("the adversarial recipe");
    String in = StandardRecipe.inputName(model);
    String out = model.outputs().get(0).name();
    return StandardRecipe.fit(model, train, validation, settings, transform(in, out), Set.of(in));
  }

  /** The batch transform: attacks the first {@code round(share * n)} samples in place. */
  BatchTransform transform(String in, String out) {
    SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    return (batch, session, rnd) -> {
      int k = (int) Math.round(share * batch.size());
      attack.perturb(session, in, out, batch.x(), batch.y(), k, loss, rnd);
      return batch;
    };
  }
}
