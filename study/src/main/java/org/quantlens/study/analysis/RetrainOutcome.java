package org.quantlens.study.analysis;

/**
 * What retraining with disagreements did (the paper's question 4), on the same inputs before and
 * after: {@code removed + remaining == before}; {@code created} are new disagreements on inputs
 * that agreed before.
 */
public record RetrainOutcome(int before, int removed, int remaining, int created) {

  /** Compares the disagreement masks of the same inputs before and after retraining. */
  public static RetrainOutcome compare(boolean[] disagreeBefore, boolean[] disagreeAfter) {
    Sizes.same("disagreements after retraining", disagreeBefore.length, disagreeAfter.length);
    int before = 0;
    int remaining = 0;
    int created = 0;
    for (int i = 0; i < disagreeBefore.length; i++) {
      if (disagreeBefore[i]) {
        before++;
        if (disagreeAfter[i]) {
          remaining++;
        }
      } else if (disagreeAfter[i]) {
        created++;
      }
    }
    return new RetrainOutcome(before, before - remaining, remaining, created);
  }
}
