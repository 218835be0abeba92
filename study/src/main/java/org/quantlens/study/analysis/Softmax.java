package org.quantlens.study.analysis;

/** Row-wise softmax of logits. */
public final class Softmax {
  private Softmax() {}

  /**
   * Softmax of each row of row-major [n, classes] logits, computed stably: the row maximum is
   * subtracted before exp, and the exponentials are summed in double. A row with NaN or +infinity
   * gives NaN probabilities, and so does a row that is all negative infinity.
   */
  public static float[] probabilities(float[] logits, int n, int classes) {
    Sizes.matrix("softmax logits", logits, n, classes);
    float[] probs = new float[logits.length];
    double[] e = new double[classes];
    for (int row = 0; row < logits.length; row += classes) {
      float max = Float.NEGATIVE_INFINITY;
      boolean nan = false;
      for (int c = 0; c < classes; c++) {
        float v = logits[row + c];
        nan |= Float.isNaN(v);
        max = Math.max(max, v);
      }
      if (nan || max == Float.POSITIVE_INFINITY || max == Float.NEGATIVE_INFINITY) {
        java.util.Arrays.fill(probs, row, row + classes, Float.NaN);
        continue;
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        e[c] = Math.exp((double) logits[row + c] - max);
        sum += e[c];
      }
      double inv = 1.0 / sum;
      for (int c = 0; c < classes; c++) {
        probs[row + c] = (float) (e[c] * inv);
      }
    }
    return probs;
  }
}
