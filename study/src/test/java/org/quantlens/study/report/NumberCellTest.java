package org.quantlens.study.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Numbers in results CSVs as numpy, pandas and Java write them, infinities included. */
class NumberCellTest {
  @Test
  void infinitiesParseInEverySpellingAndSign() {
    // Java's own spelling (String.format of an infinite SQNR) used to read back as NaN
    assertEquals(Double.POSITIVE_INFINITY, StudyDataReader.parseNumber("Infinity"));
    assertEquals(Double.NEGATIVE_INFINITY, StudyDataReader.parseNumber("-Infinity"));
    assertEquals(Double.POSITIVE_INFINITY, StudyDataReader.parseNumber("inf"));
    assertEquals(Double.POSITIVE_INFINITY, StudyDataReader.parseNumber(" +Inf "));
    assertEquals(Double.NEGATIVE_INFINITY, StudyDataReader.parseNumber("-INF"));
  }

  @Test
  void plainNumbersParseAndMissingOrBadCellsAreNan() {
    assertEquals(15.5, StudyDataReader.parseNumber("15.5"));
    assertEquals(-2e-3, StudyDataReader.parseNumber("-2e-3"));
    for (String s : new String[] {"", "nan", "NaN", "NA", "12 dB", "information"}) {
      assertTrue(Double.isNaN(StudyDataReader.parseNumber(s)), s);
    }
  }
}
