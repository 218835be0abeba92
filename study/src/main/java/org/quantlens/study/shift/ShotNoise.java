package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Shot (Poisson) noise, {@code clip(Poisson(x * c) / c)} per element; fewer photons (smaller c)
 * is noisier. MNIST-C: c = 60 25 12 5 3, its dataset uses the default <b>severity 5 (c = 3)</b>.
 * CIFAR-10-C: c = 500 250 100 75 50.
 */
public final class ShotNoise extends Corruption {
  private final double[] photons;

  private ShotNoise(String name, double[] photons) {
    super(name);
    this.photons = photons;
  }

  /** MNIST-C {@code shot_noise}; severity 5 is the MNIST-C dataset. */
  public static ShotNoise mnistC() {
    return new ShotNoise("mnist-c/shot_noise", new double[] {60, 25, 12, 5, 3});
  }

  /** CIFAR-10-C {@code shot_noise}. */
  public static ShotNoise cifar10C() {
    return new ShotNoise("cifar10-c/shot_noise", new double[] {500, 250, 100, 75, 50});
  }

  @Override
  public String describe() {
    return "Poisson(x * c) / c per element (exact sampler); c " + levels(photons)
        + (name().startsWith("mnist-c") ? "; MNIST-C default = severity 5" : "");
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    double c = photons[severity - 1];
    float[] x = image.data();
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) (Rng.poisson(rng, x[i] * c) / c);
    }
    return new FloatImage(image.height(), image.width(), image.channels(), out);
  }
}
