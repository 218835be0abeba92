package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Zoom blur: the average of the image and its {@link Zoom clipped zooms} by every factor of
 * {@code numpy.arange(1, e, 0.01)}. CIFAR-10-C only: e = 1.06 1.11 1.16 1.21 1.26, which numpy's
 * floating-point {@code arange} turns into 7, 12, 16, 21 and 26 factors (computed the same way
 * here).
 */
public final class ZoomBlur extends Corruption {
  private final double[] end;
  private final double[][] factors;

  private ZoomBlur(String name, double[] end, double step) {
    super(name);
    this.end = end;
    this.factors = new double[end.length][];
    for (int s = 0; s < end.length; s++) {
      factors[s] = arange(1, end[s], step);
    }
  }

  /** numpy's {@code arange(start, stop, step)} for a positive step. */
  static double[] arange(double start, double stop, double step) {
    int n = (int) Math.ceil((stop - start) / step);
    double[] out = new double[Math.max(n, 0)];
    for (int i = 0; i < out.length; i++) {
      out[i] = start + i * step;
    }
    return out;
  }

  /** CIFAR-10-C {@code zoom_blur}. */
  public static ZoomBlur cifar10C() {
    return new ZoomBlur("cifar10-c/zoom_blur", new double[] {1.06, 1.11, 1.16, 1.21, 1.26}, 0.01);
  }

  /** Number of zoom factors at a severity. */
  int factorCount(int severity) {
    return factors[severity - 1].length;
  }

  @Override
  public String describe() {
    return "mean of x and its centre zooms by arange(1, e, 0.01); e " + levels(end);
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
    float[] acc = image.data().clone();
    double[] zs = factors[severity - 1];
    for (double z : zs) {
      Zoom.addClipped(image.data(), h, w, c, z, acc);
    }
    float n = zs.length + 1;
    for (int i = 0; i < acc.length; i++) {
      acc[i] /= n;
    }
    return new FloatImage(h, w, c, acc);
  }
}
