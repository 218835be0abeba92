package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Brightness: in HSV, {@code V = min(V + c, 1)}, hue and saturation kept. Since every RGB
 * component is V times a function of (H, S), this is {@code rgb * V'/V} (black becomes gray V').
 * On gray images it reduces to {@code min(x + c, 1)}, which is also what MNIST-C's
 * gray -> RGB -> HSV -> RGB -> gray chain computes. On RGB images the MNIST-C variant skips the
 * final gray conversion, so the image keeps its colours.
 * MNIST-C: c = .1 .2 .3 .4 .5, default <b>severity 5 (+0.5)</b>. CIFAR-10-C: c = .05 .1 .15 .2 .3.
 */
public final class Brightness extends Corruption {
  private final double[] delta;

  private Brightness(String name, double[] delta) {
    super(name);
    this.delta = delta;
  }

  /** MNIST-C {@code brightness}; severity 5 is the MNIST-C dataset. */
  public static Brightness mnistC() {
    return new Brightness("mnist-c/brightness", new double[] {.1, .2, .3, .4, .5});
  }

  /** CIFAR-10-C {@code brightness}. */
  public static Brightness cifar10C() {
    return new Brightness("cifar10-c/brightness", new double[] {.05, .1, .15, .2, .3});
  }

  @Override
  public String describe() {
    return "HSV value + c (gray: min(x + c, 1)); c " + levels(delta)
        + (name().startsWith("mnist-c") ? "; MNIST-C default = severity 5" : "");
  }

  @Override
  public boolean isRandom() {
    return false;
  }

  @Override
  protected FloatImage corrupt(FloatImage image, int severity, SplittableRandom rng) {
    float c = (float) delta[severity - 1];
    float[] x = image.data();
    float[] out = new float[x.length];
    if (image.channels() == 1) {
      for (int i = 0; i < x.length; i++) {
        out[i] = Math.min(x[i] + c, 1f);
      }
    } else {
      for (int i = 0; i < x.length; i += 3) {
        float v = Math.max(x[i], Math.max(x[i + 1], x[i + 2]));
        float v2 = Math.min(v + c, 1f);
        if (v <= 0f) {
          out[i] = out[i + 1] = out[i + 2] = v2;
        } else {
          float k = v2 / v;
          out[i] = x[i] * k;
          out[i + 1] = x[i + 1] * k;
          out[i + 2] = x[i + 2] * k;
        }
      }
    }
    return new FloatImage(image.height(), image.width(), image.channels(), out);
  }
}
