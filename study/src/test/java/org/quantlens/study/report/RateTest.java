package org.quantlens.study.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateTest {
  @Test
  void wilsonIntervalMatchesTextbookValues() {
    // 95% Wilson score intervals as tabulated by Newcombe (1998), Statistics in Medicine 17, table I
    Rate a = new Rate(81, 263);
    assertEquals(0.2553, a.low(), 5e-5);
    assertEquals(0.3662, a.high(), 5e-5);
    Rate b = new Rate(15, 148);
    assertEquals(0.0624, b.low(), 5e-5);
    assertEquals(0.1605, b.high(), 5e-5);
    Rate c = new Rate(0, 20);
    assertEquals(0.0, c.low(), 1e-12);
    assertEquals(0.1611, c.high(), 5e-5);
    Rate d = new Rate(1, 29);
    assertEquals(0.0061, d.low(), 5e-5);
    assertEquals(0.1718, d.high(), 5e-5);
  }

  @Test
  void noInputsGiveNanRateAndTheWholeUnitInterval() {
    Rate r = new Rate(0, 0);
    assertTrue(Double.isNaN(r.value()));
    assertEquals(0, r.low());
    assertEquals(1, r.high());
  }

  @Test
  void overlapComparesIntervalsNotPointEstimates() {
    assertFalse(new Rate(4, 200).overlaps(new Rate(96, 800)));
    assertTrue(new Rate(0, 200).overlaps(new Rate(8, 800)));
  }
}
