package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Multiplicative (speckle) noise, {@code clip(x + x * N(0, sigma))} per element. CIFAR-10-C only:
 * sigma = .06 .10 .12 .16 .20.
 */
public final class SpeckleNoise extends Corruption {
  private final double[] sigma;

  private SpeckleNoise(String name, double[] sigma) {
    super(name);
    this.sigma = sigma;
  }

  /** CIFAR-10-C {@code speckle_noise}. */
  public static SpeckleNoise cifar10C() {
    return new SpeckleNoise("cifar10-c/speckle_noise", new double[] {.06, .10, .12, .16, .20});
  }

  @Override
  public String describe() {
    return "x + x * N(0, sigma) per element; sigma " + levels(sigma);
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    double s = sigma[severity - 1];
    Rng.Normal normal = new Rng.Normal(rng);
    float[] x = image.data();
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) (x[i] + x[i] * s * normal.next());
    }
    return new FloatImage(image.height(), image.width(), image.channels(), out);
  }
}
