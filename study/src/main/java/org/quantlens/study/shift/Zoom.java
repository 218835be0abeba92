package org.quantlens.study.shift;

/**
 * The references' {@code clipped_zoom}: crop the centre {@code ceil(n / z)} pixels of each axis,
 * enlarge them with {@code scipy.ndimage.zoom(order=1)} to {@code round(ceil(n / z) * z)} pixels
 * (Python's round: half to even), which maps output {@code o} to input {@code o (in-1)/(out-1)},
 * then trim the centre {@code n} pixels.
 */
final class Zoom {
  private Zoom() {}

  /** Per output index along one axis: source indices {@code i0, i1} and the weight of i1. */
  private static void axis(int n, double z, int[] i0, int[] i1, float[] f) {
    int ch = (int) Math.ceil(n / z);
    if (ch > n) {
      ch = n;
    }
    int top = (n - ch) / 2;
    int outN = (int) Math.rint(ch * z);
    int trim = Math.max(0, (outN - n) / 2);
    double scale = outN > 1 ? (double) (ch - 1) / (outN - 1) : 0;
    for (int o = 0; o < n; o++) {
      double pos = (o + trim) * scale;
      int a = (int) Math.floor(pos);
      if (a > ch - 1) {
        a = ch - 1;
      }
      int b = Math.min(a + 1, ch - 1);
      i0[o] = top + a;
      i1[o] = top + b;
      f[o] = (float) (pos - a);
    }
  }

  static float[] clipped(float[] src, int h, int w, int c, double z) {
    int[] y0 = new int[h];
    int[] y1 = new int[h];
    float[] fy = new float[h];
    int[] x0 = new int[w];
    int[] x1 = new int[w];
    float[] fx = new float[w];
    axis(h, z, y0, y1, fy);
    axis(w, z, x0, x1, fx);
    float[] out = new float[src.length];
    addClipped(src, h, w, c, y0, y1, fy, x0, x1, fx, out);
    return out;
  }

  /** Adds the zoomed image for factor z to {@code acc}. */
  static void addClipped(float[] src, int h, int w, int c, double z, float[] acc) {
    int[] y0 = new int[h];
    int[] y1 = new int[h];
    float[] fy = new float[h];
    int[] x0 = new int[w];
    int[] x1 = new int[w];
    float[] fx = new float[w];
    axis(h, z, y0, y1, fy);
    axis(w, z, x0, x1, fx);
    addClipped(src, h, w, c, y0, y1, fy, x0, x1, fx, acc);
  }

  private static void addClipped(float[] src, int h, int w, int c, int[] y0, int[] y1, float[] fy,
      int[] x0, int[] x1, float[] fx, float[] acc) {
    for (int y = 0; y < h; y++) {
      int ra = y0[y] * w;
      int rb = y1[y] * w;
      float wy = fy[y];
      for (int x = 0; x < w; x++) {
        float wx = fx[x];
        int o = (y * w + x) * c;
        for (int ch = 0; ch < c; ch++) {
          float top = src[(ra + x0[x]) * c + ch] * (1 - wx) + src[(ra + x1[x]) * c + ch] * wx;
          float bot = src[(rb + x0[x]) * c + ch] * (1 - wx) + src[(rb + x1[x]) * c + ch] * wx;
          acc[o + ch] += top * (1 - wy) + bot * wy;
        }
      }
    }
  }
}
