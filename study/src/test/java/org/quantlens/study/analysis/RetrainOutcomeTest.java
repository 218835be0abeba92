package org.quantlens.study.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RetrainOutcomeTest {

  @Test
  void countsRemovedRemainingAndCreatedDisagreements() {
    // Inputs 0..2 disagreed before: 0 still does, 1 and 2 were fixed; input 3 is a new one.
    boolean[] before = {true, true, true, false, false, false};
    boolean[] after = {true, false, false, true, false, false};
    assertEquals(new RetrainOutcome(3, 2, 1, 1), RetrainOutcome.compare(before, after));
  }

  @Test
  void nothingChangesWhenMasksAreEqual() {
    boolean[] m = {false, true, false, true};
    assertEquals(new RetrainOutcome(2, 0, 2, 0), RetrainOutcome.compare(m, m.clone()));
  }
}
