package org.quantlens.study.shift;

/**
 * MNIST-C's {@code line_from_points}: a soft line through (c0, r0) and (c1, r1) whose intensity at
 * a pixel depends on its <i>vertical</i> distance d to the line, {@code clip(log(1 - d/2.3) + 1,
 * 0, 1)} (d capped just below 2.3), so about 1.45 px either side is inked. Columns left of
 * {@code floor(c0)} and from {@code ceil(c1)} on are blank; a vertical segment (c1 == c0) is
 * blank.
 */
final class Lines {
  private Lines() {}

  /** Half-height beyond which the intensity is 0: log(1 - d/2.3) + 1 > 0 iff d < 2.3 (1 - 1/e). */
  private static final double REACH = 2.3 * (1 - StrictMath.exp(-1));

  /**
   * Adds {@code opacity} times the line to every channel of {@code img} (HWC), clipping each
   * touched value to at most 1, as MNIST-C's {@code clip(x + line, 0, 1)}.
   */
  static void add(float[] img, int h, int w, int c, double c0, double r0, double c1, double r1,
      float opacity) {
    if (c1 == c0) {
      return;
    }
    double m = (r1 - r0) / (c1 - c0);
    int left = Math.max((int) Math.floor(c0), 0);
    int right = Math.min((int) Math.ceil(c1), w);
    for (int col = left; col < right; col++) {
      double f = m * (col - c0) + r0;
      int top = Math.max((int) Math.ceil(f - REACH), 0);
      int bottom = Math.min((int) Math.floor(f + REACH), h - 1);
      for (int row = top; row <= bottom; row++) {
        double d = Math.min(Math.abs(row - f), 2.3 - 1e-10);
        double v = StrictMath.log(1 - d / 2.3) + 1;
        if (v <= 0) {
          continue;
        }
        float add = (float) Math.min(v, 1) * opacity;
        for (int ch = 0; ch < c; ch++) {
          int i = (row * w + col) * c + ch;
          img[i] = Math.min(img[i] + add, 1f);
        }
      }
    }
  }

  /** Like {@link #add} but only on columns whose 2-column block index is odd (MNIST-C dots). */
  static void addDotted(float[] img, int h, int w, int c, double c0, double r0, double c1,
      double r1, float opacity, int period) {
    float[] layer = new float[h * w];
    add(layer, h, w, 1, c0, r0, c1, r1, 1f);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if ((x / 2) % period != period - 1) {
          continue; // MNIST-C blanks columns [0,2), [4,6), ...: with period 2, block 1 of 2 is on
        }
        float v = layer[y * w + x] * opacity;
        if (v > 0f) {
          for (int ch = 0; ch < c; ch++) {
            int i = (y * w + x) * c + ch;
            img[i] = Math.min(img[i] + v, 1f);
          }
        }
      }
    }
  }
}
