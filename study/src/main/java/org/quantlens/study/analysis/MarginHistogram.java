package org.quantlens.study.analysis;

/**
 * Histogram of the float model's top-1 minus top-2 probability, separately for agreements and
 * disagreements (the paper's question 3: disagreements sit at small margins).
 *
 * @param edges bins + 1 equally spaced edges from 0 to 1; bin b holds margins in
 *     [edges[b], edges[b+1]), the last bin also holds exactly 1
 * @param agree counts per bin for agreements
 * @param disagree counts per bin for disagreements
 */
public record MarginHistogram(double[] edges, long[] agree, long[] disagree) {

  /**
   * Bins the margins of row-major [n, classes] float-model probabilities. A margin outside [0, 1]
   * by rounding goes to the nearest end bin; a NaN margin is not counted.
   *
   * @throws IllegalArgumentException when bins < 1
   */
  public static MarginHistogram of(float[] probsFloat, boolean[] disagree, int n, int classes, int bins) {
    if (bins < 1) {
      throw new IllegalArgumentException("margin histogram needs at least 1 bin, got " + bins);
    }
    Sizes.matrix("margin histogram probabilities", probsFloat, n, classes);
    Sizes.same("disagreement mask", n, disagree.length);
    double[] edges = new double[bins + 1];
    for (int b = 0; b <= bins; b++) {
      edges[b] = (double) b / bins;
    }
    long[] agreeCounts = new long[bins];
    long[] disagreeCounts = new long[bins];
    for (int i = 0, off = 0; i < n; i++, off += classes) {
      double m = UncertaintyMetric.marginOf(probsFloat, off, classes);
      if (m != m) {
        continue;
      }
      int b = (int) (m * bins); // truncation = floor for m >= 0
      b = Math.max(0, Math.min(bins - 1, b));
      if (disagree[i]) {
        disagreeCounts[b]++;
      } else {
        agreeCounts[b]++;
      }
    }
    return new MarginHistogram(edges, agreeCounts, disagreeCounts);
  }
}
