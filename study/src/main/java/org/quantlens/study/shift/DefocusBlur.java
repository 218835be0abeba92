package org.quantlens.study.shift;

import java.util.SplittableRandom;
import org.quantlens.study.shift.ImageOps.Border;

/**
 * Defocus blur: correlation with an anti-aliased disk (OpenCV {@code filter2D}, border
 * REFLECT_101). The disk is {@code 1[x^2 + y^2 <= r^2]} on a 17 x 17 grid (r &lt;= 8), normalised,
 * then smoothed by a 3 x 3 Gaussian of sigma {@code alias} as OpenCV's {@code GaussianBlur} does
 * (not renormalised afterwards). CIFAR-10-C only: (r, alias) = (.3,.4) (.4,.5) (.5,.6) (1,.2)
 * (1.5,.1).
 */
public final class DefocusBlur extends Corruption {
  private final double[] radius;
  private final double[] alias;
  private final float[][] kernels;
  private final int[] sizes;

  private DefocusBlur(String name, double[] radius, double[] alias) {
    super(name);
    this.radius = radius;
    this.alias = alias;
    this.kernels = new float[5][];
    this.sizes = new int[5];
    for (int s = 0; s < 5; s++) {
      float[][] k = disk(radius[s], alias[s]);
      kernels[s] = k[0];
      sizes[s] = (int) k[1][0];
    }
  }

  /** CIFAR-10-C {@code defocus_blur}. */
  public static DefocusBlur cifar10C() {
    return new DefocusBlur("cifar10-c/defocus_blur", new double[] {.3, .4, .5, 1, 1.5},
        new double[] {.4, .5, .6, .2, .1});
  }

  /** The kernel, cropped to its non-zero square, and its side {@code {kernel, {side}}}. */
  static float[][] disk(double r, double aliasBlur) {
    int half = r <= 8 ? 8 : (int) Math.ceil(r);
    int ks = r <= 8 ? 3 : 5;
    int n = 2 * half + 1;
    float[] d = new float[n * n];
    double sum = 0;
    for (int y = -half; y <= half; y++) {
      for (int x = -half; x <= half; x++) {
        if (x * x + y * y <= r * r) {
          d[(y + half) * n + x + half] = 1f;
          sum += 1;
        }
      }
    }
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) (d[i] / sum);
    }
    // cv2.getGaussianKernel(ks, sigma): exp(-x^2 / (2 sigma^2)) over x = -(ks-1)/2 .. (ks-1)/2
    float[] g = new float[ks];
    double gs = 0;
    for (int i = 0; i < ks; i++) {
      double x = i - (ks - 1) / 2.0;
      g[i] = (float) StrictMath.exp(-x * x / (2 * aliasBlur * aliasBlur));
      gs += g[i];
    }
    for (int i = 0; i < ks; i++) {
      g[i] = (float) (g[i] / gs);
    }
    float[] t = new float[d.length];
    float[] k = new float[d.length];
    ImageOps.correlate1d(d, t, n, n, 1, g, 0, Border.MIRROR);
    ImageOps.correlate1d(t, k, n, n, 1, g, 1, Border.MIRROR);
    int reach = 0;
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        if (k[y * n + x] != 0f) {
          reach = Math.max(reach, Math.max(Math.abs(y - half), Math.abs(x - half)));
        }
      }
    }
    int side = 2 * reach + 1;
    float[] crop = new float[side * side];
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        crop[y * side + x] = k[(y - reach + half) * n + x - reach + half];
      }
    }
    return new float[][] {crop, {side}};
  }

  @Override
  public String describe() {
    return "anti-aliased disk filter, border reflect-101; radius " + levels(radius) + ", alias sigma "
        + levels(alias);
  }

  @Override
  public boolean isRandom() {
    return false;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    int side = sizes[severity - 1];
    FloatImage out = image.blank();
    ImageOps.correlate2d(image.data(), out.data(), image.height(), image.width(), image.channels(),
        kernels[severity - 1], side, side, Border.MIRROR);
    return out;
  }
}
