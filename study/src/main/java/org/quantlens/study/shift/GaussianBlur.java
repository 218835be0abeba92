package org.quantlens.study.shift;

import java.util.SplittableRandom;
import org.quantlens.study.shift.ImageOps.Border;

/**
 * Gaussian blur as skimage {@code gaussian(x, sigma, multichannel=True)}: both spatial axes,
 * channels kept apart, border 'nearest', kernel radius {@code int(4 sigma + 0.5)}. CIFAR-10-C
 * only: sigma = .4 .6 .7 .8 1.
 */
public final class GaussianBlur extends Corruption {
  private final double[] sigma;

  private GaussianBlur(String name, double[] sigma) {
    super(name);
    this.sigma = sigma;
  }

  /** CIFAR-10-C {@code gaussian_blur}. */
  public static GaussianBlur cifar10C() {
    return new GaussianBlur("cifar10-c/gaussian_blur", new double[] {.4, .6, .7, .8, 1});
  }

  @Override
  public String describe() {
    return "separable Gaussian blur, border nearest, truncate 4; sigma " + levels(sigma);
  }

  @Override
  public boolean isRandom() {
    return false;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    return new FloatImage(h, w, c,
        ImageOps.gaussianBlur(image.data(), h, w, c, sigma[severity - 1], Border.NEAREST));
  }
}
