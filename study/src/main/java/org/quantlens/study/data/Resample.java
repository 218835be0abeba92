package org.quantlens.study.data;

/**
 * Bilinear resizing of one single-channel image, with pixel centres aligned as OpenCV's
 * {@code INTER_LINEAR} and PIL's upsampling do: output pixel {@code x} samples the input at
 * {@code (x + 0.5) * in / out - 0.5}, clamped to the edge pixels. No anti-aliasing filter is
 * applied when shrinking (the study shrinks by at most 32 to 28).
 */
final class Resample {
  private Resample() {}

  /** {@code src} is [h, w] row-major; the result is [oh, ow]. */
  static float[] bilinear(float[] src, int h, int w, int oh, int ow) {
    float[] out = new float[oh * ow];
    int[] x0 = new int[ow];
    int[] x1 = new int[ow];
    float[] fx = new float[ow];
    axis(w, ow, x0, x1, fx);
    int[] y0 = new int[oh];
    int[] y1 = new int[oh];
    float[] fy = new float[oh];
    axis(h, oh, y0, y1, fy);
    for (int y = 0; y < oh; y++) {
      int r0 = y0[y] * w;
      int r1 = y1[y] * w;
      float wy = fy[y];
      for (int x = 0; x < ow; x++) {
        float top = src[r0 + x0[x]] + (src[r0 + x1[x]] - src[r0 + x0[x]]) * fx[x];
        float bottom = src[r1 + x0[x]] + (src[r1 + x1[x]] - src[r1 + x0[x]]) * fx[x];
        out[y * ow + x] = top + (bottom - top) * wy;
      }
    }
    return out;
  }

  /** The two neighbours and the weight of the second, for each output coordinate. */
  private static void axis(int in, int out, int[] i0, int[] i1, float[] f) {
    double scale = (double) in / out;
    for (int o = 0; o < out; o++) {
      double s = (o + 0.5) * scale - 0.5;
      if (s < 0) {
        s = 0;
      }
      int a = (int) Math.floor(s);
      if (a >= in - 1) {
        a = in - 1;
        s = a;
      }
      i0[o] = a;
      i1[o] = Math.min(a + 1, in - 1);
      f[o] = (float) (s - a);
    }
  }

  /** Rounds to the nearest integer (halves up) and clamps to [0, 255]. */
  static byte toByte(float v) {
    int r = (int) Math.floor(v + 0.5f);
    return (byte) Math.max(0, Math.min(255, r));
  }
}
