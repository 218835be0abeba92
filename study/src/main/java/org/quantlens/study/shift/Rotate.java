package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * MNIST-C rotate: skimage {@code AffineTransform(rotation=t)} as the inverse map,
 * {@code [[cos t, -sin t], [sin t, cos t]]} about the image centre, t with a random sign.
 * t = .2 .4 .6 .8 1 radians; the MNIST-C default is <b>severity 2 (0.4 rad, about 23 degrees)</b>.
 */
public final class Rotate extends Corruption {
  private static final double[] ANGLE = {.2, .4, .6, .8, 1};

  public Rotate() {
    super("mnist-c/rotate");
  }

  @Override
  public String describe() {
    return "rotation about the centre, random sign, bilinear, zero border; angle (rad) "
        + levels(ANGLE) + "; MNIST-C default = severity 2";
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    double t = ANGLE[severity - 1] * (rng.nextBoolean() ? 1 : -1);
    double cos = StrictMath.cos(t);
    double sin = StrictMath.sin(t);
    return Warp.centred(image, cos, -sin, sin, cos);
  }
}
