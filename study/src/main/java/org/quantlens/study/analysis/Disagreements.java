package org.quantlens.study.analysis;

/** Predicted classes and disagreements (argmax float != argmax quantized), as in Hu et al. */
public final class Disagreements {
  private Disagreements() {}

  /**
   * The predicted class of each row of row-major [n, classes] logits (or probabilities). Ties go to
   * the lowest index (the first maximum), as numpy's argmax; NaN never wins unless the whole row is
   * NaN, which gives 0.
   */
  public static int[] argmax(float[] logits, int n, int classes) {
    Sizes.matrix("argmax logits", logits, n, classes);
    int[] pred = new int[n];
    for (int i = 0, row = 0; i < n; i++, row += classes) {
      int best = 0;
      float bestValue = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        float v = logits[row + c];
        if (v > bestValue) { // strict: an equal later value does not replace the first maximum
          bestValue = v;
          best = c;
        }
      }
      pred[i] = best;
    }
    return pred;
  }

  /** True where the two predictions differ, i.e. a disagreement. */
  public static boolean[] mask(int[] predFloat, int[] predQuant) {
    Sizes.same("quantized predictions", predFloat.length, predQuant.length);
    boolean[] m = new boolean[predFloat.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = predFloat[i] != predQuant[i];
    }
    return m;
  }

  /** Accuracies of both models and the disagreements by kind, against the true labels. */
  public static DisagreementStats count(int[] predFloat, int[] predQuant, long[] labels) {
    int n = predFloat.length;
    Sizes.same("quantized predictions", n, predQuant.length);
    Sizes.same("labels", n, labels.length);
    int correctFloat = 0;
    int correctQuant = 0;
    int disagreements = 0;
    int fixedByQuant = 0;
    int brokenByQuant = 0;
    int bothWrong = 0;
    for (int i = 0; i < n; i++) {
      boolean floatRight = predFloat[i] == labels[i];
      boolean quantRight = predQuant[i] == labels[i];
      if (floatRight) {
        correctFloat++;
      }
      if (quantRight) {
        correctQuant++;
      }
      if (predFloat[i] != predQuant[i]) {
        disagreements++;
        if (floatRight) {
          brokenByQuant++;
        } else if (quantRight) {
          fixedByQuant++;
        } else {
          bothWrong++;
        }
      }
    }
    return new DisagreementStats(n, correctFloat, correctQuant, disagreements, brokenByQuant,
        fixedByQuant, bothWrong);
  }
}
