package org.quantlens.study.shift;

import java.util.SplittableRandom;

/** The clean image, unchanged at every severity (so a study can treat "no shift" like a shift). */
public final class Identity extends Corruption {
  public Identity() {
    super("identity");
  }

  @Override
  public String describe() {
    return "the clean image (every severity)";
  }

  @Override
  public boolean isRandom() {
    return false;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    return image.copy();
  }
}
