package org.quantlens.study.run;

import java.util.List;
import org.quantlens.study.analysis.DisagreementStats;
import org.quantlens.study.analysis.Disagreements;
import org.quantlens.study.analysis.MarginHistogram;
import org.quantlens.study.analysis.Protocols;
import org.quantlens.study.analysis.ScoreQuality;
import org.quantlens.study.analysis.Softmax;
import org.quantlens.study.analysis.UncertaintyMetric;

/**
 * The analysis of one (model, variant, set) from its cached logits: disagreement counts, the margin
 * histogram, and each uncertainty metric scored under both protocols, on the float model's softmax
 * ({@code @float}) and on the quantized one's ({@code @quant}); pairwise metrics once.
 */
final class CellAnalysis {
  /** Bins of the top-1 minus top-2 histogram over [0, 1]. */
  static final int MARGIN_BINS = 20;

  final int n;
  final int classes;
  final float[] probsFloat;
  final float[] probsQuant;
  final int[] predFloat;
  final int[] predQuant;
  final boolean[] disagree;
  final DisagreementStats stats;
  final MarginHistogram margins;

  CellAnalysis(float[] logitsFloat, float[] logitsQuant, long[] labels, int classes) {
    this.n = labels.length;
    this.classes = classes;
    this.predFloat = Disagreements.argmax(logitsFloat, n, classes);
    this.predQuant = Disagreements.argmax(logitsQuant, n, classes);
    this.disagree = Disagreements.mask(predFloat, predQuant);
    this.stats = Disagreements.count(predFloat, predQuant, labels);
    this.probsFloat = Softmax.probabilities(logitsFloat, n, classes);
    this.probsQuant = Softmax.probabilities(logitsQuant, n, classes);
    this.margins = MarginHistogram.of(probsFloat, disagree, n, classes, MARGIN_BINS);
  }

  /** Scores every metric of {@code ids} under both protocols into {@code out}. */
  void metrics(String model, String variant, String set, List<String> ids, long seed,
      List<StudyResults.Metric> out) {
    for (String id : ids) {
      UncertaintyMetric m = metric(id);
      if (m.pairwise()) {
        score(model, variant, set, id, m.scores(probsFloat, probsQuant, n, classes), seed, out);
      } else {
        score(model, variant, set, id + "@float", m.scores(probsFloat, probsQuant, n, classes), seed, out);
        score(model, variant, set, id + "@quant", m.scores(probsQuant, probsFloat, n, classes), seed, out);
      }
    }
  }

  private void score(String model, String variant, String set, String metric, double[] scores, long seed,
      List<StudyResults.Metric> out) {
    long s = seed * 1_000_003L + (model + "/" + variant + "/" + set + "/" + metric).hashCode();
    ScoreQuality paper = Protocols.paper(scores, disagree, s);
    ScoreQuality direct = Protocols.direct(scores, disagree);
    out.add(new StudyResults.Metric(model, variant, set, metric, "paper", paper));
    out.add(new StudyResults.Metric(model, variant, set, metric, "direct", direct));
  }

  static UncertaintyMetric metric(String id) {
    for (UncertaintyMetric m : UncertaintyMetric.values()) {
      if (m.id().equals(id)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown metric " + id);
  }

  /** The top three (class, probability) of row {@code i} of {@code probs}. */
  double[][] top3(float[] probs, int i) {
    int k = Math.min(3, classes);
    double[][] top = new double[k][];
    boolean[] used = new boolean[classes];
    for (int t = 0; t < k; t++) {
      int best = -1;
      for (int c = 0; c < classes; c++) {
        if (!used[c] && (best < 0 || probs[i * classes + c] > probs[i * classes + best])) {
          best = c;
        }
      }
      used[best] = true;
      top[t] = new double[] {best, probs[i * classes + best]};
    }
    return top;
  }
}
