package org.quantlens.study.shift;

/**
 * skimage's {@code rgb2hsv} / {@code hsv2rgb} for one pixel. On ties for the maximum, blue wins
 * over green over red (skimage assigns the hue cases in that order); grays have hue and
 * saturation 0.
 */
final class Hsv {
  private Hsv() {}

  /** RGB in [0,1] to {h, s, v} written into {@code hsv}. */
  static void fromRgb(float r, float g, float b, float[] hsv) {
    float v = Math.max(r, Math.max(g, b));
    float delta = v - Math.min(r, Math.min(g, b));
    float s = v == 0f ? 0f : delta / v;
    float h;
    if (delta == 0f) {
      h = 0f;
    } else {
      if (b == v) {
        h = 4f + (r - g) / delta;
      } else if (g == v) {
        h = 2f + (b - r) / delta;
      } else {
        h = (g - b) / delta;
      }
      h = h / 6f;
      h = h - (float) Math.floor(h); // Python's % 1 for negative values
    }
    hsv[0] = h;
    hsv[1] = s;
    hsv[2] = v;
  }

  /** HSV to RGB, written into {@code rgb}. */
  static void toRgb(float h, float s, float v, float[] rgb) {
    float hi = (float) Math.floor(h * 6f);
    float f = h * 6f - hi;
    float p = v * (1f - s);
    float q = v * (1f - f * s);
    float t = v * (1f - (1f - f) * s);
    int sector = Math.floorMod((int) hi, 6);
    switch (sector) {
      case 0:
        set(rgb, v, t, p);
        break;
      case 1:
        set(rgb, q, v, p);
        break;
      case 2:
        set(rgb, p, v, t);
        break;
      case 3:
        set(rgb, p, q, v);
        break;
      case 4:
        set(rgb, t, p, v);
        break;
      default:
        set(rgb, v, p, q);
        break;
    }
  }

  private static void set(float[] rgb, float r, float g, float b) {
    rgb[0] = r;
    rgb[1] = g;
    rgb[2] = b;
  }
}
