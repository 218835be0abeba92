package org.quantlens.study.shift;

/**
 * Distances between a clean and a corrupted image, written for the tests.
 *
 * <p>SSIM follows Wang et al. (2004) with a 7 x 7 uniform window (scikit-image's default),
 * K1 = 0.01, K2 = 0.03, data range 1, sample (N-1) covariances, averaged over the windows that
 * fit inside the image and over channels.
 */
final class ImageMetrics {
  private ImageMetrics() {}

  /** Euclidean distance over all values. */
  static double l2(FloatImage a, FloatImage b) {
    float[] x = a.data();
    float[] y = b.data();
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      double d = x[i] - y[i];
      s += d * d;
    }
    return Math.sqrt(s);
  }

  /** Mean SSIM over 7 x 7 windows and channels. */
  static double ssim(FloatImage a, FloatImage b) {
    int h = a.height();
    int w = a.width();
    int c = a.channels();
    int win = Math.min(7, Math.min(h, w));
    int np = win * win;
    double c1 = Math.pow(0.01, 2);
    double c2 = Math.pow(0.03, 2);
    double total = 0;
    int count = 0;
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y + win <= h; y++) {
        for (int x = 0; x + win <= w; x++) {
          double sa = 0;
          double sb = 0;
          double saa = 0;
          double sbb = 0;
          double sab = 0;
          for (int dy = 0; dy < win; dy++) {
            for (int dx = 0; dx < win; dx++) {
              int i = ((y + dy) * w + x + dx) * c + ch;
              double u = a.data()[i];
              double v = b.data()[i];
              sa += u;
              sb += v;
              saa += u * u;
              sbb += v * v;
              sab += u * v;
            }
          }
          double ma = sa / np;
          double mb = sb / np;
          double norm = np / (np - 1.0);
          double va = (saa / np - ma * ma) * norm;
          double vb = (sbb / np - mb * mb) * norm;
          double cov = (sab / np - ma * mb) * norm;
          total += ((2 * ma * mb + c1) * (2 * cov + c2))
              / ((ma * ma + mb * mb + c1) * (va + vb + c2));
          count++;
        }
      }
    }
    return total / count;
  }
}
