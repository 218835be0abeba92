package org.quantlens.study.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FmtTest {
  @Test
  void ratesBelowOnePercentKeepTwoDecimalsSoTheyDoNotReadZero() {
    assertEquals("12.0%", Fmt.pct(0.12));
    assertEquals("1.0%", Fmt.pct(0.01));
    assertEquals("0.02%", Fmt.pct(9.0 / 45000));
    assertEquals("0.0%", Fmt.pct(0));
    assertEquals("n/a", Fmt.pct(Double.NaN));
    assertEquals("0.01–0.04%", Fmt.pctRange(0.0001, 0.0004));
    assertEquals("0.6–7.0%", Fmt.pctRange(0.00551, 0.07001));
  }

  @Test
  void durationsReadAsSecondsMinutesOrHours() {
    assertEquals("41.2 s", Fmt.duration(41.2));
    assertEquals("2 min 03 s", Fmt.duration(123.4));
    assertEquals("1 h 12 min", Fmt.duration(4321));
  }
}
