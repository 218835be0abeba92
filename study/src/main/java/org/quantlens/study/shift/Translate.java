package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * MNIST-C translate: shift by d pixels along each axis, each direction's sign drawn at random
 * (skimage {@code warp} with a pure translation, zero border). d = 1 2 3 4 5; the MNIST-C default
 * is <b>severity 3 (3 px)</b>.
 */
public final class Translate extends Corruption {
  public Translate() {
    super("mnist-c/translate");
  }

  @Override
  public String describe() {
    return "shift by d px on both axes, random signs, zero border; d [1, 2, 3, 4, 5]"
        + "; MNIST-C default = severity 3";
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    int dx = severity * (rng.nextBoolean() ? 1 : -1);
    int dy = severity * (rng.nextBoolean() ? 1 : -1);
    return Warp.affine(image, 1, 0, dx, 0, 1, dy);
  }
}
