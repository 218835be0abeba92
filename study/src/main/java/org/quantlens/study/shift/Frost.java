package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Frost, <b>an approximation</b>: CIFAR-10-C blends the image with a random crop of one of five
 * photographs of frost ({@code clip(a x + b frost)}); we do not have those photographs, so the
 * frost layer here is procedural, not the reference's. The blend and its parameters are the
 * reference's: (a, b) = (1,.2) (1,.3) (.9,.4) (.85,.4) (.75,.45).
 *
 * <p>The texture: a milky haze (a {@link Plasma} map of side {@code 2 * pow2(max(H, W))}, decay
 * 1.6, random crop, with a fine per-pixel grain U(.75, 1.25)) carrying ice crystals: about one needle per 28 pixels, each a thin anti-aliased
 * streak of random angle, length 3 .. 0.45 min(H, W) and strength U(.5, 1), with two side branches
 * at +-60 degrees, brighter where the haze is thick; the result is thresholded softly so gaps stay
 * dark. Mean about 0.45, like a bright frost photograph. RGB frost is tinted ice blue
 * (.80, .90, 1.0); gray frost is that tint's gray value (.887), as the MNIST-C frost reads its
 * photographs in gray.
 */
public final class Frost extends Corruption {
  private static final float[] TINT = {.80f, .90f, 1.0f};

  private final double[] imageWeight;
  private final double[] frostWeight;

  private Frost(String name, double[] imageWeight, double[] frostWeight) {
    super(name);
    this.imageWeight = imageWeight;
    this.frostWeight = frostWeight;
  }

  /** CIFAR-10-C {@code frost} with a procedural texture (approximation). */
  public static Frost cifar10C() {
    return new Frost("cifar10-c/frost", new double[] {1, 1, .9, .85, .75},
        new double[] {.2, .3, .4, .4, .45});
  }

  @Override
  public String describe() {
    return "APPROXIMATION (procedural frost texture, the reference's photographs are not available):"
        + " a x + b frost; a " + levels(imageWeight) + ", b " + levels(frostWeight);
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    float[] tex = texture(h, w, rng);
    float a = (float) imageWeight[severity - 1];
    float b = (float) frostWeight[severity - 1];
    float gray = ImageOps.LUMA_R * TINT[0] + ImageOps.LUMA_G * TINT[1] + ImageOps.LUMA_B * TINT[2];
    float[] x = image.data();
    float[] out = new float[x.length];
    for (int i = 0; i < h * w; i++) {
      for (int ch = 0; ch < c; ch++) {
        float tint = c == 1 ? gray : TINT[ch];
        out[i * c + ch] = a * x[i * c + ch] + b * tint * tex[i];
      }
    }
    return new FloatImage(h, w, c, out);
  }

  /** The frost layer in [0, 1], row-major h x w. */
  static float[] texture(int h, int w, SplittableRandom rng) {
    int size = 2 * Plasma.pow2AtLeast(Math.max(h, w));
    float[] big = new float[size * size];
    Plasma.crop(size, 1.6, rng, big, size, size);
    int oy = rng.nextInt(size - h + 1);
    int ox = rng.nextInt(size - w + 1);
    float[] haze = new float[h * w];
    for (int y = 0; y < h; y++) {
      System.arraycopy(big, (y + oy) * size + ox, haze, y * w, w);
    }
    float[] ice = new float[h * w];
    int needles = Math.max(1, Math.round(h * w / 28f));
    double maxLen = Math.max(3.5, 0.45 * Math.min(h, w));
    for (int k = 0; k < needles; k++) {
      double x0 = Rng.uniform(rng, -2, w + 2);
      double y0 = Rng.uniform(rng, -2, h + 2);
      double angle = Rng.uniform(rng, 0, Math.PI);
      double len = Rng.uniform(rng, 3, maxLen);
      float strength = (float) Rng.uniform(rng, .5, 1);
      double dx = StrictMath.cos(angle);
      double dy = StrictMath.sin(angle);
      double x1 = x0 + len * dx;
      double y1 = y0 + len * dy;
      streak(ice, h, w, x0, y0, x1, y1, strength);
      double t = Rng.uniform(rng, .3, .8);
      double bx = x0 + t * len * dx;
      double by = y0 + t * len * dy;
      double blen = len * Rng.uniform(rng, .25, .45);
      for (int side = -1; side <= 1; side += 2) {
        double ba = angle + side * Math.PI / 3;
        streak(ice, h, w, bx, by, bx + blen * StrictMath.cos(ba), by + blen * StrictMath.sin(ba),
            strength * 0.8f);
      }
    }
    float[] out = new float[h * w];
    for (int i = 0; i < out.length; i++) {
      float grain = 0.75f + 0.5f * (float) rng.nextDouble(); // rime: fine per-pixel speckle
      float v = 0.12f + 0.45f * haze[i] * grain + ice[i] * (0.45f + 0.55f * haze[i]);
      // soft threshold: thin haze sinks towards dark gaps, crystals stay bright
      v = (v - 0.18f) * 1.25f;
      out[i] = v > 1f ? 1f : (v < 0f ? 0f : v);
    }
    return out;
  }

  /** Max-composites an anti-aliased segment about 1.6 px wide into {@code layer}. */
  private static void streak(float[] layer, int h, int w, double x0, double y0, double x1,
      double y1, float strength) {
    int xa = Math.max(0, (int) Math.floor(Math.min(x0, x1) - 1));
    int xb = Math.min(w - 1, (int) Math.ceil(Math.max(x0, x1) + 1));
    int ya = Math.max(0, (int) Math.floor(Math.min(y0, y1) - 1));
    int yb = Math.min(h - 1, (int) Math.ceil(Math.max(y0, y1) + 1));
    double vx = x1 - x0;
    double vy = y1 - y0;
    double len2 = vx * vx + vy * vy;
    for (int y = ya; y <= yb; y++) {
      for (int x = xa; x <= xb; x++) {
        double t = len2 > 0 ? ((x - x0) * vx + (y - y0) * vy) / len2 : 0;
        t = t < 0 ? 0 : (t > 1 ? 1 : t);
        double ex = x0 + t * vx - x;
        double ey = y0 + t * vy - y;
        double d = Math.sqrt(ex * ex + ey * ey);
        float v = (float) (1 - d / 0.8) * strength;
        int i = y * w + x;
        if (v > layer[i]) {
          layer[i] = v;
        }
      }
    }
  }
}
