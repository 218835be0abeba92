package org.quantlens.study.data;

import java.util.Locale;

/** Which part of a dataset: the training or the test split. */
public enum Split {
  TRAIN, TEST;

  /** "train" or "test" (any case). */
  public static Split parse(String s) {
    switch (s.toLowerCase(Locale.ROOT)) {
      case "train": return TRAIN;
      case "test": return TEST;
      default: throw new IllegalArgumentException("unknown split '" + s + "'; expected train or test");
    }
  }

  /** The lower-case name, as used in folder names. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
