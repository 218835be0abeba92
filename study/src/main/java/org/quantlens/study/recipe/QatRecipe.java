package org.quantlens.study.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.quant.Calibration;
import org.quantlens.engine.quant.QatGraph;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.TrainResult;
import org.quantlens.engine.train.Trainer;
import org.quantlens.engine.train.TrainingSession;
import org.quantlens.engine.train.grad.GradRegistry;

/**
 * Quantization-aware training ({@link QatGraph}): optionally a standard float phase first (a model
 * from the zoo starts untrained), then fake quantization is inserted (per-channel weights,
 * per-tensor activations whose ranges start from calibration on training samples and follow a
 * moving average) and the model is fine-tuned through it with the straight-through estimator at a
 * tenth of the learning rate. The result exports as the static-int8 QDQ model ({@code qat-int8});
 * its float model is the trained weights without fake quantization. Checkpoints are the QDQ form.
 */
public final class QatRecipe implements Recipe {
  private final boolean pretrain;
  private final int qatEpochs;
  private final double lrScale;
  private final QuantConfig config;

  /** Fine-tunes a trained model: no float phase, 2 QAT epochs at a tenth of the learning rate. */
  public QatRecipe() {
    this(false, 2, 0.1, QuantConfig.defaults());
  }

  /**
   * @param pretrain train {@code settings.epochs()} in float first (for untrained models)
   * @param qatEpochs epochs of quantization-aware fine-tuning
   * @param lrScale QAT learning rate as a multiple of the settings' learning rate
   */
  public QatRecipe(boolean pretrain, int qatEpochs, double lrScale, QuantConfig config) {
    if (qatEpochs < 1) {
      throw new IllegalArgumentException("QAT epochs must be at least 1, got " + qatEpochs);
    }
    if (!(lrScale > 0)) {
      throw new IllegalArgumentException("QAT learning-rate scale must be positive, got " + lrScale);
    }
    this.pretrain = pretrain;
    this.qatEpochs = qatEpochs;
    this.lrScale = lrScale;
    this.config = config;
  }

  @Override
  public String name() {
    return "qat";
  }

  @Override
  public Trained train(Graph model, Dataset train, Dataset validation, TrainSettings settings) {
    Recipes.checkFit(model, train, "training");
    List<org.quantlens.engine.train.EpochStats> history = new ArrayList<>();
    Graph start = model;
    if (pretrain) {
      TrainSettings floatPhase = settings.phase(settings.epochs(), settings.lr()).checkpoint(null);
      Trained t = new StandardRecipe().train(model, train, validation, floatPhase);
      start = t.model();
      history.addAll(t.history());
    }
    String in = StandardRecipe.inputName(start);
    QatGraph qat = QatGraph.insert(start, calibration(in, train, settings.batchSize()), config);
    TrainSettings q = settings.phase(qatEpochs, settings.lr() * lrScale);
    TrainingSession.Options o = new TrainingSession.Options().seed(settings.seed())
        .threads(settings.threads()).trainable(qat.trainable())
        .rules(qat.rules(GradRegistry.standard()));
    try (TrainingSession s = new TrainingSession(qat.graph(), o)) {
      Trainer.Builder b = q.trainer();
      if (settings.checkpoint() != null) {
        b.checkpoint((g, stats) -> settings.checkpoint().save(qat.convert(g, null).graph(), stats));
      }
      TrainResult r = b.build().fit(s, train, validation);
      Graph trained = s.exportGraph();
      history.addAll(r.epochs());
      return new Trained(qat.trainedFloat(trained), qat.convert(trained, null).graph(), history);
    }
  }

  /** Up to 512 training samples in batches, to start the activation ranges. */
  static Calibration calibration(String in, Dataset data, int batch) {
    int n = Math.min(512, data.size());
    int row = data.x().size() / data.size();
    List<Map<String, Tensor>> feeds = new ArrayList<>();
    for (int from = 0; from < n; from += batch) {
      int count = Math.min(batch, n - from);
      int[] shape = data.x().shape();
      shape[0] = count;
      Object src = data.x().data(); // float pixels or int64 token ids
      Object x = java.lang.reflect.Array.newInstance(src.getClass().getComponentType(), count * row);
      System.arraycopy(src, from * row, x, 0, count * row);
      feeds.add(Map.of(in, Tensor.wrap(data.x().dtype(), x, shape)));
    }
    return Calibration.of(feeds);
  }
}
