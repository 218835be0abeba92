package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * MNIST-C shear: skimage {@code AffineTransform(shear=s)} as the inverse map, matrix
 * {@code [[1, -sin s], [0, cos s]]} about the image centre, s with a random sign. s = .2 .4 .6 .8 1
 * radians; the MNIST-C default is <b>severity 2 (0.4)</b>.
 */
public final class Shear extends Corruption {
  private static final double[] SHEAR = {.2, .4, .6, .8, 1};

  public Shear() {
    super("mnist-c/shear");
  }

  @Override
  public String describe() {
    return "affine shear about the centre, random sign, bilinear, zero border; shear (rad) "
        + levels(SHEAR) + "; MNIST-C default = severity 2";
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    double s = SHEAR[severity - 1] * (rng.nextBoolean() ? 1 : -1);
    return Warp.centred(image, 1, -StrictMath.sin(s), 0, StrictMath.cos(s));
  }
}
