package org.quantlens.study.shift;

/**
 * Edge detectors used by the corruptions, both on one gray plane.
 *
 * <p>{@link #skimage}: scikit-image's {@code feature.canny} - Gaussian smoothing normalised by the
 * smoothed mask (zero border), {@code ndi.sobel} gradients (border 'reflect'), non-maximum
 * suppression interpolating between the two neighbours along the gradient in four sectors, the
 * one-pixel image border suppressed, then hysteresis: 8-connected groups of pixels at or above the
 * low threshold that contain a pixel at or above the high threshold.
 *
 * <p>{@link #opencv}: OpenCV's {@code Canny} on uint8 (3 x 3 Sobel, replicated border, L1
 * magnitude, sector-based suppression with the tan(22.5) test, strict thresholds), used by the
 * water spatter.
 */
final class Canny {
  private Canny() {}

  /** skimage {@code canny(image, sigma, low, high)} on a plane in [0, 1]. */
  static boolean[] skimage(float[] img, int h, int w, double sigma, double low, double high) {
    int n = h * w;
    double[] smoothed = smoothNormalised(img, h, w, sigma);
    double[] jsobel = new double[n]; // d/dx (axis 1)
    double[] isobel = new double[n]; // d/dy (axis 0)
    double[] t = new double[n];
    ImageOps.Border b = ImageOps.Border.REFLECT;
    // jsobel: [-1, 0, 1] along x, then [1, 2, 1] along y
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        t[y * w + x] = smoothed[y * w + ImageOps.index(x + 1, w, b)]
            - smoothed[y * w + ImageOps.index(x - 1, w, b)];
      }
    }
    for (int y = 0; y < h; y++) {
      int up = ImageOps.index(y - 1, h, b) * w;
      int down = ImageOps.index(y + 1, h, b) * w;
      for (int x = 0; x < w; x++) {
        jsobel[y * w + x] = t[up + x] + 2 * t[y * w + x] + t[down + x];
      }
    }
    // isobel: [-1, 0, 1] along y, then [1, 2, 1] along x
    for (int y = 0; y < h; y++) {
      int up = ImageOps.index(y - 1, h, b) * w;
      int down = ImageOps.index(y + 1, h, b) * w;
      for (int x = 0; x < w; x++) {
        t[y * w + x] = smoothed[down + x] - smoothed[up + x];
      }
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        isobel[y * w + x] = t[y * w + ImageOps.index(x - 1, w, b)] + 2 * t[y * w + x]
            + t[y * w + ImageOps.index(x + 1, w, b)];
      }
    }
    double[] mag = new double[n];
    for (int i = 0; i < n; i++) {
      mag[i] = Math.sqrt(isobel[i] * isobel[i] + jsobel[i] * jsobel[i]);
    }
    boolean[] maxima = new boolean[n];
    for (int y = 1; y < h - 1; y++) {
      for (int x = 1; x < w - 1; x++) {
        int p = y * w + x;
        if (mag[p] > 0) {
          maxima[p] = localMax(mag, isobel[p], jsobel[p], p, w);
        }
      }
    }
    boolean[] strong = new boolean[n];
    boolean[] weak = new boolean[n];
    for (int i = 0; i < n; i++) {
      weak[i] = maxima[i] && mag[i] >= low;
      strong[i] = maxima[i] && mag[i] >= high;
    }
    return hysteresis(strong, weak, h, w);
  }

  /**
   * skimage's suppression test for interior pixel p. A pixel may fall in several sectors (on their
   * boundaries); skimage evaluates the sectors in this order and the last one that applies wins.
   */
  private static boolean localMax(double[] mag, double gi, double gj, int p, int w) {
    double ai = Math.abs(gi);
    double aj = Math.abs(gj);
    double m = mag[p];
    boolean up = gi >= 0;
    boolean down = gi <= 0;
    boolean right = gj >= 0;
    boolean left = gj <= 0;
    boolean horizontal = ai >= aj;
    boolean vertical = ai <= aj;
    boolean diag = (up && right) || (down && left);
    boolean anti = (down && right) || (up && left);
    boolean result = false;
    if (diag && horizontal) { // 0-45 degrees: neighbours below / below-right, and mirrored
      double wt = aj / ai;
      result = mag[p + w + 1] * wt + mag[p + w] * (1 - wt) <= m
          && mag[p - w - 1] * wt + mag[p - w] * (1 - wt) <= m;
    }
    if (diag && vertical) { // 45-90: right / below-right
      double wt = ai / aj;
      result = mag[p + w + 1] * wt + mag[p + 1] * (1 - wt) <= m
          && mag[p - w - 1] * wt + mag[p - 1] * (1 - wt) <= m;
    }
    if (anti && vertical) { // 90-135: right / above-right
      double wt = ai / aj;
      result = mag[p - w + 1] * wt + mag[p + 1] * (1 - wt) <= m
          && mag[p + w - 1] * wt + mag[p - 1] * (1 - wt) <= m;
    }
    if (anti && horizontal) { // 135-180: above / above-right
      double wt = aj / ai;
      result = mag[p - w + 1] * wt + mag[p - w] * (1 - wt) <= m
          && mag[p + w - 1] * wt + mag[p + w] * (1 - wt) <= m;
    }
    return result;
  }

  /** Gaussian (truncate 4) of the image with zero border, divided by the same blur of ones. */
  private static double[] smoothNormalised(float[] img, int h, int w, double sigma) {
    float[] kf = ImageOps.gaussianKernel(sigma, 4.0);
    int r = kf.length / 2;
    double[] k = new double[kf.length];
    double ks = 0;
    for (int i = 0; i < k.length; i++) {
      k[i] = StrictMath.exp(-0.5 * (i - r) * (i - r) / (sigma * sigma));
      ks += k[i];
    }
    for (int i = 0; i < k.length; i++) {
      k[i] /= ks;
    }
    double[] colW = new double[w]; // blur of ones along x, per column
    double[] rowW = new double[h];
    for (int x = 0; x < w; x++) {
      for (int t = -r; t <= r; t++) {
        if (x + t >= 0 && x + t < w) {
          colW[x] += k[t + r];
        }
      }
    }
    for (int y = 0; y < h; y++) {
      for (int t = -r; t <= r; t++) {
        if (y + t >= 0 && y + t < h) {
          rowW[y] += k[t + r];
        }
      }
    }
    double[] tmp = new double[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double acc = 0;
        for (int t = -r; t <= r; t++) {
          int yy = y + t;
          if (yy >= 0 && yy < h) {
            acc += k[t + r] * img[yy * w + x];
          }
        }
        tmp[y * w + x] = acc;
      }
    }
    double[] out = new double[h * w];
    double eps = Math.ulp(1.0);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double acc = 0;
        for (int t = -r; t <= r; t++) {
          int xx = x + t;
          if (xx >= 0 && xx < w) {
            acc += k[t + r] * tmp[y * w + xx];
          }
        }
        out[y * w + x] = acc / (rowW[y] * colW[x] + eps);
      }
    }
    return out;
  }

  /** Pixels of {@code weak} 8-connected to a pixel of {@code strong} (strong implies weak). */
  static boolean[] hysteresis(boolean[] strong, boolean[] weak, int h, int w) {
    int n = h * w;
    boolean[] out = new boolean[n];
    int[] stack = new int[n];
    for (int s = 0; s < n; s++) {
      if (!strong[s] || out[s]) {
        continue;
      }
      int top = 0;
      stack[top++] = s;
      out[s] = true;
      while (top > 0) {
        int p = stack[--top];
        int py = p / w;
        int px = p % w;
        for (int dy = -1; dy <= 1; dy++) {
          int y = py + dy;
          if (y < 0 || y >= h) {
            continue;
          }
          for (int dx = -1; dx <= 1; dx++) {
            int x = px + dx;
            if (x < 0 || x >= w) {
              continue;
            }
            int q = y * w + x;
            if (weak[q] && !out[q]) {
              out[q] = true;
              stack[top++] = q;
            }
          }
        }
      }
    }
    return out;
  }

  private static final int TG22 = (int) (0.4142135623730950488016887242097 * (1 << 15) + 0.5);

  /** OpenCV {@code Canny(img, low, high)} (aperture 3, L1 gradient) on uint8 values 0..255. */
  static boolean[] opencv(int[] img, int h, int w, int low, int high) {
    int n = h * w;
    int[] dx = new int[n];
    int[] dy = new int[n];
    int[] mag = new int[n];
    for (int y = 0; y < h; y++) {
      int ym = Math.max(y - 1, 0) * w;
      int yp = Math.min(y + 1, h - 1) * w;
      int y0 = y * w;
      for (int x = 0; x < w; x++) {
        int xm = Math.max(x - 1, 0);
        int xp = Math.min(x + 1, w - 1);
        int gx = (img[ym + xp] - img[ym + xm]) + 2 * (img[y0 + xp] - img[y0 + xm])
            + (img[yp + xp] - img[yp + xm]);
        int gy = (img[yp + xm] - img[ym + xm]) + 2 * (img[yp + x] - img[ym + x])
            + (img[yp + xp] - img[ym + xp]);
        dx[y0 + x] = gx;
        dy[y0 + x] = gy;
        mag[y0 + x] = Math.abs(gx) + Math.abs(gy);
      }
    }
    boolean[] strong = new boolean[n];
    boolean[] weak = new boolean[n];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = y * w + x;
        int m = mag[p];
        if (m <= low) {
          continue;
        }
        int xs = Math.abs(dx[p]);
        long ys = (long) Math.abs(dy[p]) << 15;
        long tg22x = (long) xs * TG22;
        boolean keep;
        if (ys < tg22x) {
          keep = m > magAt(mag, h, w, y, x - 1) && m >= magAt(mag, h, w, y, x + 1);
        } else {
          long tg67x = tg22x + ((long) xs << 16);
          if (ys > tg67x) {
            keep = m > magAt(mag, h, w, y - 1, x) && m >= magAt(mag, h, w, y + 1, x);
          } else {
            int s = (dx[p] ^ dy[p]) < 0 ? -1 : 1;
            keep = m > magAt(mag, h, w, y - 1, x - s) && m > magAt(mag, h, w, y + 1, x + s);
          }
        }
        if (keep) {
          weak[p] = true;
          strong[p] = m > high;
        }
      }
    }
    return hysteresis(strong, weak, h, w);
  }

  private static int magAt(int[] mag, int h, int w, int y, int x) {
    return y < 0 || y >= h || x < 0 || x >= w ? 0 : mag[y * w + x];
  }
}
