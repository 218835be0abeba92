package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Salt-and-pepper noise as skimage {@code random_noise(mode='s&p')}: each element (every channel
 * on its own) is replaced with probability {@code amount}, by 1 or 0 with equal chance.
 * MNIST-C: amount = .03 .06 .09 .17 .27, default <b>severity 4 (0.17)</b>. CIFAR-10-C: amount =
 * .01 .02 .03 .05 .07.
 */
public final class ImpulseNoise extends Corruption {
  private final double[] amount;

  private ImpulseNoise(String name, double[] amount) {
    super(name);
    this.amount = amount;
  }

  /** MNIST-C {@code impulse_noise}; severity 4 is the MNIST-C dataset. */
  public static ImpulseNoise mnistC() {
    return new ImpulseNoise("mnist-c/impulse_noise", new double[] {.03, .06, .09, .17, .27});
  }

  /** CIFAR-10-C {@code impulse_noise}. */
  public static ImpulseNoise cifar10C() {
    return new ImpulseNoise("cifar10-c/impulse_noise", new double[] {.01, .02, .03, .05, .07});
  }

  @Override
  public String describe() {
    return "salt & pepper: each element set to 1 or 0 (1:1) with probability amount; amount "
        + levels(amount) + (name().startsWith("mnist-c") ? "; MNIST-C default = severity 4" : "");
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    double p = amount[severity - 1];
    float[] out = image.data().clone();
    for (int i = 0; i < out.length; i++) {
      // one uniform decides both "flipped" (u < p) and salt vs pepper (which half of [0, p))
      double u = rng.nextDouble();
      if (u < p) {
        out[i] = u < p / 2 ? 1f : 0f;
      }
    }
    return new FloatImage(image.height(), image.width(), image.channels(), out);
  }
}
