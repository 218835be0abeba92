package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Motion blur along a random angle drawn uniformly from [-45, 45) degrees, with the numpy port
 * of ImageMagick's kernel (see {@link Motion}). MNIST-C: (radius, sigma) = (10,3) (15,5) (15,8)
 * (15,12) (20,15), default <b>severity 1</b>. CIFAR-10-C: (6,1) (6,1.5) (6,2) (8,2) (9,2.5).
 * Channels are blurred alike.
 */
public final class MotionBlur extends Corruption {
  private final int[] radius;
  private final double[] sigma;

  private MotionBlur(String name, int[] radius, double[] sigma) {
    super(name);
    this.radius = radius;
    this.sigma = sigma;
  }

  /** MNIST-C {@code motion_blur}; severity 1 is the MNIST-C dataset. */
  public static MotionBlur mnistC() {
    return new MotionBlur("mnist-c/motion_blur", new int[] {10, 15, 15, 15, 20},
        new double[] {3, 5, 8, 12, 15});
  }

  /** CIFAR-10-C {@code motion_blur}. */
  public static MotionBlur cifar10C() {
    return new MotionBlur("cifar10-c/motion_blur", new int[] {6, 6, 6, 8, 9},
        new double[] {1, 1.5, 2, 2, 2.5});
  }

  @Override
  public String describe() {
    double[] r = new double[5];
    for (int i = 0; i < 5; i++) {
      r[i] = radius[i];
    }
    return "one-sided Gaussian motion kernel, angle U(-45, 45) deg; radius " + levels(r)
        + ", sigma " + levels(sigma)
        + (name().startsWith("mnist-c") ? "; MNIST-C default = severity 1" : "");
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    double angle = Rng.uniform(rng, -45, 45);
    return new FloatImage(image.height(), image.width(), image.channels(),
        Motion.blur(image.data(), image.height(), image.width(), image.channels(),
            radius[severity - 1], sigma[severity - 1], angle));
  }
}
