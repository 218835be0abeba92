package org.quantlens.study.shift;

/**
 * Filters shared by the corruptions: border handling as scipy / OpenCV define it, Gaussian
 * kernels as scipy builds them, separable and small 2-D correlations over HWC float images.
 * Each call allocates its buffers once per image, never per pixel.
 */
final class ImageOps {
  private ImageOps() {}

  /** How a filter reads outside the image. */
  enum Border {
    /** Edge value repeated (scipy 'nearest', OpenCV REPLICATE). */
    NEAREST,
    /** Half-sample symmetric, d c b a | a b c d (scipy 'reflect', OpenCV REFLECT). */
    REFLECT,
    /** Whole-sample symmetric, d c b | a b c d (scipy 'mirror', OpenCV REFLECT_101). */
    MIRROR,
    /** Zero outside (scipy 'constant' with cval 0). */
    CONSTANT
  }

  /** The in-image index that {@code i} reads under {@code border}, or -1 for a constant zero. */
  static int index(int i, int n, Border border) {
    if (i >= 0 && i < n) {
      return i;
    }
    switch (border) {
      case NEAREST:
        return i < 0 ? 0 : n - 1;
      case CONSTANT:
        return -1;
      case REFLECT: {
        if (n == 1) {
          return 0;
        }
        int p = 2 * n;
        int m = Math.floorMod(i, p);
        return m < n ? m : p - 1 - m;
      }
      case MIRROR: {
        if (n == 1) {
          return 0;
        }
        int p = 2 * n - 2;
        int m = Math.floorMod(i, p);
        return m < n ? m : p - m;
      }
      default:
        throw new AssertionError(border);
    }
  }

  /**
   * scipy's Gaussian kernel: radius {@code int(truncate * sigma + 0.5)}, weights
   * {@code exp(-x^2 / (2 sigma^2))} normalised to sum 1. A sigma of (almost) zero gives [1].
   */
  static float[] gaussianKernel(double sigma, double truncate) {
    int radius = (int) (truncate * sigma + 0.5);
    if (sigma < 1e-15 || radius == 0) {
      return new float[] {1f};
    }
    double[] k = new double[2 * radius + 1];
    double sum = 0;
    for (int x = -radius; x <= radius; x++) {
      double v = StrictMath.exp(-0.5 * x * x / (sigma * sigma));
      k[x + radius] = v;
      sum += v;
    }
    float[] out = new float[k.length];
    for (int i = 0; i < k.length; i++) {
      out[i] = (float) (k[i] / sum);
    }
    return out;
  }

  /**
   * Correlates every row (axis 1, along x) or every column (axis 0, along y) of every channel with
   * a centred odd-length kernel. {@code src} and {@code dst} must differ.
   */
  static void correlate1d(float[] src, float[] dst, int h, int w, int c, float[] k, int axis,
      Border border) {
    int r = k.length / 2;
    int n = axis == 1 ? w : h;
    int lines = axis == 1 ? h : w;
    float[] pad = new float[n + 2 * r];
    int step = axis == 1 ? c : w * c;
    for (int line = 0; line < lines; line++) {
      for (int ch = 0; ch < c; ch++) {
        int base = (axis == 1 ? line * w * c : line * c) + ch;
        for (int i = -r; i < n + r; i++) {
          int j = i >= 0 && i < n ? i : index(i, n, border);
          pad[i + r] = j < 0 ? 0f : src[base + j * step];
        }
        for (int i = 0; i < n; i++) {
          float acc = 0f;
          for (int t = 0; t < k.length; t++) {
            acc += k[t] * pad[i + t];
          }
          dst[base + i * step] = acc;
        }
      }
    }
  }

  /** Separable Gaussian blur, sigma per axis (0 skips that axis), returning a new array. */
  static float[] gaussianBlur(float[] src, int h, int w, int c, double sigmaY, double sigmaX,
      double truncate, Border border) {
    float[] a = src.clone();
    float[] b = new float[src.length];
    float[] ky = gaussianKernel(sigmaY, truncate);
    if (ky.length > 1) {
      correlate1d(a, b, h, w, c, ky, 0, border);
      float[] t = a;
      a = b;
      b = t;
    }
    float[] kx = gaussianKernel(sigmaX, truncate);
    if (kx.length > 1) {
      correlate1d(a, b, h, w, c, kx, 1, border);
      a = b;
    }
    return a;
  }

  /** Isotropic Gaussian blur (skimage {@code gaussian}, truncate 4) over the spatial axes. */
  static float[] gaussianBlur(float[] src, int h, int w, int c, double sigma, Border border) {
    return gaussianBlur(src, h, w, c, sigma, sigma, 4.0, border);
  }

  /**
   * 2-D correlation of every channel with a kh x kw kernel anchored at its centre (OpenCV
   * {@code filter2D}); {@code src} and {@code dst} must differ.
   */
  static void correlate2d(float[] src, float[] dst, int h, int w, int c, float[] k, int kh, int kw,
      Border border) {
    int ry = kh / 2;
    int rx = kw / 2;
    int pw = w + 2 * rx;
    int ph = h + 2 * ry;
    float[] pad = new float[ph * pw];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < ph; y++) {
        int sy = index(y - ry, h, border);
        for (int x = 0; x < pw; x++) {
          int sx = index(x - rx, w, border);
          pad[y * pw + x] = sy < 0 || sx < 0 ? 0f : src[(sy * w + sx) * c + ch];
        }
      }
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          float acc = 0f;
          for (int dy = 0; dy < kh; dy++) {
            int row = (y + dy) * pw + x;
            int krow = dy * kw;
            for (int dx = 0; dx < kw; dx++) {
              acc += k[krow + dx] * pad[row + dx];
            }
          }
          dst[(y * w + x) * c + ch] = acc;
        }
      }
    }
  }

  /**
   * Bilinear sample of channel {@code ch} at (row y, column x); each of the four neighbours is read
   * through {@code border} (constant: zero outside).
   */
  static float bilinear(float[] img, int h, int w, int c, int ch, double y, double x, Border border) {
    double fy = Math.floor(y);
    double fx = Math.floor(x);
    int y0 = (int) fy;
    int x0 = (int) fx;
    double dy = y - fy;
    double dx = x - fx;
    float v00 = at(img, h, w, c, ch, y0, x0, border);
    float v01 = at(img, h, w, c, ch, y0, x0 + 1, border);
    float v10 = at(img, h, w, c, ch, y0 + 1, x0, border);
    float v11 = at(img, h, w, c, ch, y0 + 1, x0 + 1, border);
    double top = (1 - dx) * v00 + dx * v01;
    double bottom = (1 - dx) * v10 + dx * v11;
    return (float) ((1 - dy) * top + dy * bottom);
  }

  private static float at(float[] img, int h, int w, int c, int ch, int y, int x, Border border) {
    if (y >= 0 && y < h && x >= 0 && x < w) {
      return img[(y * w + x) * c + ch];
    }
    int yy = index(y, h, border);
    int xx = index(x, w, border);
    return yy < 0 || xx < 0 ? 0f : img[(yy * w + xx) * c + ch];
  }

  /** skimage {@code rgb2gray} weights (ITU-R BT.709 luma), used to reduce RGB to gray. */
  static final float LUMA_R = 0.2125f;
  static final float LUMA_G = 0.7154f;
  static final float LUMA_B = 0.0721f;

  /** One gray plane [H, W] from an HWC image (a gray image is copied). */
  static float[] gray(FloatImage img) {
    int n = img.height() * img.width();
    float[] d = img.data();
    float[] out = new float[n];
    if (img.channels() == 1) {
      System.arraycopy(d, 0, out, 0, n);
    } else {
      for (int i = 0; i < n; i++) {
        out[i] = LUMA_R * d[3 * i] + LUMA_G * d[3 * i + 1] + LUMA_B * d[3 * i + 2];
      }
    }
    return out;
  }

  /** Largest value of an array. */
  static float max(float[] a) {
    float m = Float.NEGATIVE_INFINITY;
    for (float v : a) {
      m = Math.max(m, v);
    }
    return m;
  }
}
