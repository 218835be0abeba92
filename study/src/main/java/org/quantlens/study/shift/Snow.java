package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Snow: a layer {@code L ~ N(mu, sd)} per pixel, {@link Zoom clipped-zoomed}, zeroed below a
 * threshold, quantised to uint8, motion-blurred (the {@link Motion} port of ImageMagick's kernel,
 * angle U(-135, -45) degrees) and quantised again (the PNG round trip of the reference); the image
 * is brightened {@code b x + (1 - b) max(x, 1.5 gray + 0.5)} (gray = .299 R + .587 G + .114 B as
 * OpenCV; a gray image is its own gray), then {@code clip(x + L + rot180(L))}.
 * CIFAR-10-C only: (mu, sd, zoom, thr, radius, sigma, b) = (.1,.2,1,.6,8,3,.95)
 * (.1,.2,1,.5,10,4,.9) (.15,.3,1.75,.55,10,4,.9) (.25,.3,2.25,.6,12,6,.85) (.3,.3,1.25,.65,14,12,.8).
 */
public final class Snow extends Corruption {
  private final double[][] params;

  private Snow(String name, double[][] params) {
    super(name);
    this.params = params;
  }

  /** CIFAR-10-C {@code snow}. */
  public static Snow cifar10C() {
    return new Snow("cifar10-c/snow", new double[][] {
        {.1, .2, 1, .6, 8, 3, .95}, {.1, .2, 1, .5, 10, 4, .9}, {.15, .3, 1.75, .55, 10, 4, .9},
        {.25, .3, 2.25, .6, 12, 6, .85}, {.3, .3, 1.25, .65, 14, 12, .8}});
  }

  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder("snow layer + its 180-degree rotation over a brightened"
        + " image; (mu, sd, zoom, thr, radius, sigma, blend)");
    for (double[] p : params) {
      sb.append(' ').append(levels(p).replace('[', '(').replace(']', ')'));
    }
    return sb.toString();
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    double[] p = params[severity - 1];
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    int n = h * w;
    Rng.Normal normal = new Rng.Normal(rng);
    float[] layer = new float[n];
    for (int i = 0; i < n; i++) {
      layer[i] = (float) normal.next(p[0], p[1]);
    }
    layer = Zoom.clipped(layer, h, w, 1, p[2]);
    float thr = (float) p[3];
    for (int i = 0; i < n; i++) {
      float v = layer[i] < thr ? 0f : layer[i];
      v = v > 1f ? 1f : (v < 0f ? 0f : v);
      layer[i] = (int) (v * 255f) / 255f;
    }
    double angle = Rng.uniform(rng, -135, -45);
    layer = Motion.blur(layer, h, w, 1, (int) p[4], p[5], angle);
    for (int i = 0; i < n; i++) {
      float v = layer[i];
      v = v > 1f ? 1f : (v < 0f ? 0f : v);
      layer[i] = Math.round(v * 255f) / 255f;
    }
    float b = (float) p[6];
    float[] x = image.data();
    float[] out = new float[x.length];
    for (int y = 0; y < h; y++) {
      for (int xx = 0; xx < w; xx++) {
        int i = y * w + xx;
        float gray = c == 1 ? x[i]
            : 0.299f * x[3 * i] + 0.587f * x[3 * i + 1] + 0.114f * x[3 * i + 2];
        float bright = gray * 1.5f + 0.5f;
        float snow = layer[i] + layer[(h - 1 - y) * w + (w - 1 - xx)];
        for (int ch = 0; ch < c; ch++) {
          float v = x[i * c + ch];
          out[i * c + ch] = b * v + (1 - b) * Math.max(v, bright) + snow;
        }
      }
    }
    return new FloatImage(h, w, c, out);
  }
}
