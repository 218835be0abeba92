package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Additive Gaussian noise, {@code clip(x + N(0, sigma))} per element (every channel drawn on its
 * own). CIFAR-10-C only: sigma = .04 .06 .08 .09 .10.
 */
public final class GaussianNoise extends Corruption {
  private final double[] sigma;

  private GaussianNoise(String name, double[] sigma) {
    super(name);
    this.sigma = sigma;
  }

  /** CIFAR-10-C {@code gaussian_noise}. */
  public static GaussianNoise cifar10C() {
    return new GaussianNoise("cifar10-c/gaussian_noise", new double[] {.04, .06, .08, .09, .10});
  }

  @Override
  public String describe() {
    return "x + N(0, sigma) per element; sigma " + levels(sigma);
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
      out[i] = (float) (x[i] + s * normal.next());
    }
    return new FloatImage(image.height(), image.width(), image.channels(), out);
  }
}
