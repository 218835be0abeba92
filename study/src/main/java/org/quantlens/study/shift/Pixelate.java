package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Pixelate: PIL {@code resize(BOX)} down to {@code int(W c) x int(H c)}, then BOX back up. PIL's
 * box filter gives each source pixel whose centre lies inside a target pixel's footprint the same
 * weight (no fractional overlap), resamples horizontally then vertically, and rounds to uint8
 * after each pass with 22-bit fixed-point weights; this class does the same, so for images that are
 * uint8 to begin with it matches PIL exactly. CIFAR-10-C only: c = .95 .9 .85 .75 .65.
 */
public final class Pixelate extends Corruption {
  private static final int PRECISION_BITS = 32 - 8 - 2;

  private final double[] factor;

  private Pixelate(String name, double[] factor) {
    super(name);
    this.factor = factor;
  }

  /** CIFAR-10-C {@code pixelate}. */
  public static Pixelate cifar10C() {
    return new Pixelate("cifar10-c/pixelate", new double[] {.95, .9, .85, .75, .65});
  }

  @Override
  public String describe() {
    return "PIL BOX resize to int(size c) and back; c " + levels(factor);
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
    double f = factor[severity - 1];
    int sw = Math.max(1, (int) (w * f));
    int sh = Math.max(1, (int) (h * f));
    float[] x = image.data();
    int[] px = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      float v = x[i];
      px[i] = Math.round((v >= 1f ? 1f : (v > 0f ? v : 0f)) * 255f);
    }
    int[] small = resize(px, h, w, c, sh, sw);
    int[] back = resize(small, sh, sw, c, h, w);
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = back[i] / 255f;
    }
    return new FloatImage(h, w, c, out);
  }

  /** PIL BOX resize of a uint8 HWC image (values 0..255 in ints). */
  static int[] resize(int[] src, int h, int w, int c, int nh, int nw) {
    int[] tmp = src;
    int tw = w;
    if (nw != w) {
      tmp = pass(src, h, w, c, nw, true);
      tw = nw;
    }
    if (nh != h) {
      tmp = pass(tmp, h, tw, c, nh, false);
    }
    return tmp;
  }

  /** One 1-D pass: along x when {@code horizontal}, else along y. */
  private static int[] pass(int[] src, int h, int w, int c, int outSize, boolean horizontal) {
    int inSize = horizontal ? w : h;
    int[][] bounds = new int[outSize][];
    int[][] coeffs = coefficients(inSize, outSize, bounds);
    int oh = horizontal ? h : outSize;
    int ow = horizontal ? outSize : w;
    int[] out = new int[oh * ow * c];
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        int o = horizontal ? x : y;
        int start = bounds[o][0];
        int[] k = coeffs[o];
        for (int ch = 0; ch < c; ch++) {
          long ss = 1L << (PRECISION_BITS - 1);
          for (int t = 0; t < k.length; t++) {
            int s = start + t;
            int v = horizontal ? src[(y * w + s) * c + ch] : src[(s * w + x) * c + ch];
            ss += (long) v * k[t];
          }
          long r = ss >> PRECISION_BITS;
          out[(y * ow + x) * c + ch] = (int) Math.max(0, Math.min(255, r));
        }
      }
    }
    return out;
  }

  /** PIL's {@code precompute_coeffs} for the box filter, in fixed point. */
  private static int[][] coefficients(int inSize, int outSize, int[][] bounds) {
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = 0.5 * filterScale;
    int[][] out = new int[outSize][];
    for (int xx = 0; xx < outSize; xx++) {
      double center = (xx + 0.5) * scale;
      double ss = 1.0 / filterScale;
      int xmin = Math.max((int) (center - support + 0.5), 0);
      int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
      double[] k = new double[Math.max(xmax, 0)];
      double ww = 0;
      for (int x = 0; x < k.length; x++) {
        double t = (x + xmin - center + 0.5) * ss;
        double v = t > -0.5 && t <= 0.5 ? 1.0 : 0.0;
        k[x] = v;
        ww += v;
      }
      int[] fixed = new int[k.length];
      for (int x = 0; x < k.length; x++) {
        double v = ww != 0 ? k[x] / ww : k[x];
        fixed[x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
      }
      out[xx] = fixed;
      bounds[xx] = new int[] {xmin};
    }
    return out;
  }
}
