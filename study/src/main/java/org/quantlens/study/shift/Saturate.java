package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Saturation: in HSV, {@code S = clip(S * a + b, 0, 1)} (skimage conversions). CIFAR-10-C only:
 * (a, b) = (.3,0) (.1,0) (1.5,0) (2,.1) (2.5,.2).
 *
 * <p><b>Gray images</b> follow the MNIST-C convention for colour operations (gray -> RGB -> HSV
 * -> RGB -> gray with skimage's {@code rgb2gray} weights .2125/.7154/.0721): a gray pixel has hue
 * 0 and saturation 0, gets saturation b, becomes (V, V(1-b), V(1-b)), and its gray value is
 * {@code V (1 - .7875 b)}. Severities 1-3 (b = 0) therefore leave gray images unchanged; 4 and 5
 * darken them by 7.9% and 15.8%.
 */
public final class Saturate extends Corruption {
  private final double[] gain;
  private final double[] offset;

  private Saturate(String name, double[] gain, double[] offset) {
    super(name);
    this.gain = gain;
    this.offset = offset;
  }

  /** CIFAR-10-C {@code saturate}. */
  public static Saturate cifar10C() {
    return new Saturate("cifar10-c/saturate", new double[] {.3, .1, 1.5, 2, 2.5},
        new double[] {0, 0, 0, .1, .2});
  }

  @Override
  public String describe() {
    return "HSV saturation * a + b (gray: x * (1 - .7875 b)); a " + levels(gain) + ", b "
        + levels(offset);
  }

  @Override
  public boolean isRandom() {
    return false;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    float a = (float) gain[severity - 1];
    float b = (float) offset[severity - 1];
    float[] x = image.data();
    float[] out = new float[x.length];
    if (image.channels() == 1) {
      float k = 1f - (1f - ImageOps.LUMA_R) * b;
      for (int i = 0; i < x.length; i++) {
        out[i] = x[i] * k;
      }
    } else {
      float[] hsv = new float[3];
      float[] rgb = new float[3];
      for (int i = 0; i < x.length; i += 3) {
        Hsv.fromRgb(x[i], x[i + 1], x[i + 2], hsv);
        float s = hsv[1] * a + b;
        s = s > 1f ? 1f : (s < 0f ? 0f : s);
        Hsv.toRgb(hsv[0], s, hsv[2], rgb);
        out[i] = rgb[0];
        out[i + 1] = rgb[1];
        out[i + 2] = rgb[2];
      }
    }
    return new FloatImage(image.height(), image.width(), image.channels(), out);
  }
}
