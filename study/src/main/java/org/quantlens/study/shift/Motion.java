package org.quantlens.study.shift;

/**
 * Linear motion blur, the numpy port of ImageMagick's {@code MotionBlurImage} from
 * bethgelab/imagecorruptions: a one-sided Gaussian kernel of width {@code 2 radius + 1}, each
 * tap a copy of the image shifted {@code i} pixels along the angle (edge replicated); the sum stops
 * (without renormalising) at the first tap whose shift leaves the image.
 */
final class Motion {
  private Motion() {}

  static float[] blur(float[] src, int h, int w, int c, int radius, double sigma, double angleDeg) {
    int width = 2 * radius + 1;
    double[] k = new double[width];
    double sum = 0;
    for (int i = 0; i < width; i++) {
      k[i] = StrictMath.exp(-(double) i * i / (2 * sigma * sigma));
      sum += k[i];
    }
    double theta = angleDeg * (Math.PI / 180);
    double py = width * StrictMath.sin(theta);
    double px = width * StrictMath.cos(theta);
    double hyp = StrictMath.hypot(py, px);
    float[] out = new float[src.length];
    int[] colMap = new int[w];
    for (int i = 0; i < width; i++) {
      int dy = (int) -Math.ceil(i * py / hyp - 0.5);
      int dx = (int) -Math.ceil(i * px / hyp - 0.5);
      if (Math.abs(dy) >= h || Math.abs(dx) >= w) {
        break;
      }
      float kv = (float) (k[i] / sum);
      for (int x = 0; x < w; x++) {
        colMap[x] = Math.min(Math.max(x - dx, 0), w - 1);
      }
      for (int y = 0; y < h; y++) {
        int sy = Math.min(Math.max(y - dy, 0), h - 1);
        int row = y * w * c;
        int srow = sy * w * c;
        for (int x = 0; x < w; x++) {
          int o = row + x * c;
          int s = srow + colMap[x] * c;
          for (int ch = 0; ch < c; ch++) {
            out[o + ch] += kv * src[s + ch];
          }
        }
      }
    }
    return out;
  }
}
