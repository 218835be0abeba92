package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Contrast: {@code (x - m) * c + m}, m the mean of each channel over the image. CIFAR-10-C only:
 * c = .75 .5 .4 .3 .15.
 */
public final class Contrast extends Corruption {
  private final double[] factor;

  private Contrast(String name, double[] factor) {
    super(name);
    this.factor = factor;
  }

  /** CIFAR-10-C {@code contrast}. */
  public static Contrast cifar10C() {
    return new Contrast("cifar10-c/contrast", new double[] {.75, .5, .4, .3, .15});
  }

  @Override
  public String describe() {
    return "(x - channel mean) * c + channel mean; c " + levels(factor);
  }

  @Override
  public boolean isRandom() {
    return false;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    int c = image.channels();
    float[] x = image.data();
    double[] mean = new double[c];
    for (int i = 0; i < x.length; i++) {
      mean[i % c] += x[i];
    }
    int n = x.length / c;
    for (int ch = 0; ch < c; ch++) {
      mean[ch] /= n;
    }
    double f = factor[severity - 1];
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      double m = mean[i % c];
      out[i] = (float) ((x[i] - m) * f + m);
    }
    return new FloatImage(image.height(), image.width(), c, out);
  }
}
