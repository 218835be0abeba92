package org.quantlens.study.recipe;

import java.util.ArrayList;
import java.util.List;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.train.EpochStats;

/**
 * A recipe's result: the trained float model, the model to export (the same float model, or for
 * QAT its static-int8 QDQ form), and the epochs of every training phase.
 */
public final class Trained {
  private final Graph model;
  private final Graph export;
  private final List<EpochStats> history;

  public Trained(Graph model, Graph export, List<EpochStats> history) {
    this.model = model;
    this.export = export;
    this.history = List.copyOf(history);
  }

  /** The trained float model (for QAT: the trained weights without fake quantization). */
  public Graph model() {
    return model;
  }

  /** What to write as ONNX: the float model, or QAT's QDQ model (its {@code qat-int8}). */
  public Graph export() {
    return export;
  }

  public List<EpochStats> history() {
    return history;
  }

  /** The last epoch, or null when none ran. */
  public EpochStats last() {
    return history.isEmpty() ? null : history.get(history.size() - 1);
  }

  static List<EpochStats> join(List<EpochStats> a, List<EpochStats> b) {
    List<EpochStats> r = new ArrayList<>(a);
    r.addAll(b);
    return r;
  }
}
