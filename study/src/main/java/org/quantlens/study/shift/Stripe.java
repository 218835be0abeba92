package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * MNIST-C stripe: inverts ({@code 1 - x}) a band of columns at each side of the image. MNIST-C has
 * one setting, columns 0-6 and 21-27 of 28 (a quarter each side); the ladder varies the band width
 * per side, {@code round(W k / 28)} columns with k = 3 5 7 9 11, so the MNIST-C default is
 * <b>severity 3</b>. Deterministic.
 */
public final class Stripe extends Corruption {
  private static final int[] BAND = {3, 5, 7, 9, 11};

  public Stripe() {
    super("mnist-c/stripe");
  }

  /** Columns inverted at each side for an image {@code width} wide. */
  static int band(int width, int severity) {
    return (int) Math.round(width * BAND[severity - 1] / 28.0);
  }

  @Override
  public String describe() {
    return "invert round(W k/28) columns at each side; k [3, 5, 7, 9, 11]"
        + "; MNIST-C default = severity 3";
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
    int band = band(w, severity);
    float[] out = image.data().clone();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (x < band || x >= w - band) {
          for (int ch = 0; ch < c; ch++) {
            int i = (y * w + x) * c + ch;
            out[i] = 1f - out[i];
          }
        }
      }
    }
    return new FloatImage(h, w, c, out);
  }
}
