package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * MNIST-C scale: skimage {@code AffineTransform(scale=(k, k))} as the inverse map about the image
 * centre with k = 1/.9 1/.8 1/.7 1/.6 1/.5, so the content <b>shrinks</b> to 90% .. 50%. The
 * MNIST-C default is <b>severity 3 (70%)</b>. Deterministic.
 */
public final class Scale extends Corruption {
  private static final double[] SHRINK = {.9, .8, .7, .6, .5};

  public Scale() {
    super("mnist-c/scale");
  }

  @Override
  public String describe() {
    return "shrink about the centre, bilinear, zero border; size factor " + levels(SHRINK)
        + "; MNIST-C default = severity 3";
  }

  @Override
  public boolean isRandom() {
    return false;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    double k = 1 / SHRINK[severity - 1];
    return Warp.centred(image, k, 0, 0, k);
  }
}
