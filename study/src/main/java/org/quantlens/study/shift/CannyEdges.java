package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * MNIST-C canny edges: the image replaced by its binary edge map, skimage {@code canny} with
 * sigma 1 and thresholds 0.1 / 0.2 (see {@link Canny#skimage}). RGB images are reduced to gray
 * with skimage's {@code rgb2gray} weights and the edge map is written to every channel.
 *
 * <p>MNIST-C's setting removes all content but the edges, the strongest form, so it is
 * <b>severity 5</b>; lower severities keep a faded copy under the edges,
 * {@code max((1 - t) x, edges)} with t = .2 .4 .6 .8 1. Deterministic.
 */
public final class CannyEdges extends Corruption {
  private static final float[] FADE = {.2f, .4f, .6f, .8f, 1f};

  public CannyEdges() {
    super("mnist-c/canny_edges");
  }

  @Override
  public String describe() {
    return "max((1 - t) x, skimage canny edges (sigma 1, thresholds .1/.2)); t [0.2, 0.4, 0.6, 0.8, 1]"
        + "; MNIST-C default = severity 5";
  }

  @Override
  public boolean isRandom() {
    return false;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    boolean[] edges = Canny.skimage(ImageOps.gray(image), h, w, 1.0, 0.1, 0.2);
    float keep = 1f - FADE[severity - 1];
    float[] x = image.data();
    float[] out = new float[x.length];
    for (int p = 0; p < h * w; p++) {
      for (int ch = 0; ch < c; ch++) {
        out[p * c + ch] = edges[p] ? 1f : x[p * c + ch] * keep;
      }
    }
    return new FloatImage(h, w, c, out);
  }
}
