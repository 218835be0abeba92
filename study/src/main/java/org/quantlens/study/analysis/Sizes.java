package org.quantlens.study.analysis;

import org.quantlens.engine.ShapeMismatchException;

/** Size checks shared by the analysis functions; messages say what was expected and what came. */
final class Sizes {
  private Sizes() {}

  /** A row-major [n, classes] array must hold exactly n * classes values. */
  static void matrix(String what, float[] values, int n, int classes) {
    if (n < 0 || classes < 1) {
      throw new IllegalArgumentException(what + ": need n >= 0 and classes >= 1, got n=" + n
          + ", classes=" + classes);
    }
    if (values == null || values.length != (long) n * classes) {
      throw new ShapeMismatchException(what + ": expected " + n + " x " + classes + " = "
          + (long) n * classes + " values, got " + (values == null ? "null" : values.length));
    }
  }

  /** Two per-input arrays must have the same length. */
  static void same(String what, int expected, int got) {
    if (expected != got) {
      throw new ShapeMismatchException(what + ": expected " + expected + " entries (one per input), got " + got);
    }
  }
}
