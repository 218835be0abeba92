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
    for (int i = 0; i < width; i++) {
      int dy = (int) -Math.ceil(i * py / hyp - 0.5);
      int dx = (int) -Math.ceil(i * px / hyp - 0.5);
      if (Math.abs(dy) >= h || Math.abs(dx) >= w) {
        break;
      }
      float kv = (float) (k[i] / sum);
      // output column x reads column x - dx, clamped: left edge, contiguous middle, right edge
      int midStart = Math.max(dx, 0);
      int midEnd = Math.min(w + dx, w);
      for (int y = 0; y < h; y++) {
        int sy = Math.min(Math.max(y - dy, 0), h - 1);
        int row = y * w * c;
        int srow = sy * w * c;
        for (int x = 0; x < midStart; x++) {
          for (int ch = 0; ch < c; ch++) {
            out[row + x * c + ch] += kv * src[srow + ch];
          }
        }
        int o = row + midStart * c;
        int s = srow + (midStart - dx) * c;
        int len = (midEnd - midStart) * c;
        for (int t = 0; t < len; t++) {
          out[o + t] += kv * src[s + t];
        }
        for (int x = midEnd; x < w; x++) {
          for (int ch = 0; ch < c; ch++) {
            out[row + x * c + ch] += kv * src[srow + (w - 1) * c + ch];
          }
        }
      }
    }
    return out;
  }
}
