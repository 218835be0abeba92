package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * Fog: {@code clip((x + c0 * plasma) * max(x) / (max(x) + c0))}, plasma being the top-left crop
 * of a {@link Plasma} map with decay {@code c1}, the same for every channel.
 * <ul>
 *   <li><b>MNIST-C</b>: (c0, decay) = (1.5,2) (2,2) (2.5,1.7) (2.5,1.5) (3,1.4) on a 256 x 256
 *       map, default <b>severity 5</b>.</li>
 *   <li><b>CIFAR-10-C</b>: (.2,3) (.5,3) (.75,2.5) (1,2) (1.5,1.75) on a 32 x 32 map.</li>
 * </ul>
 * Images larger than the map use the smallest power of two that covers them.
 */
public final class Fog extends Corruption {
  private final double[] amount;
  private final double[] decay;
  private final int mapSize;

  private Fog(String name, double[] amount, double[] decay, int mapSize) {
    super(name);
    this.amount = amount;
    this.decay = decay;
    this.mapSize = mapSize;
  }

  /** MNIST-C {@code fog}; severity 5 is the MNIST-C dataset. */
  public static Fog mnistC() {
    return new Fog("mnist-c/fog", new double[] {1.5, 2, 2.5, 2.5, 3},
        new double[] {2, 2, 1.7, 1.5, 1.4}, 256);
  }

  /** CIFAR-10-C {@code fog}. */
  public static Fog cifar10C() {
    return new Fog("cifar10-c/fog", new double[] {.2, .5, .75, 1, 1.5},
        new double[] {3, 3, 2.5, 2, 1.75}, 32);
  }

  @Override
  public String describe() {
    return "x + c0 * plasma(" + mapSize + ", decay), rescaled by max/(max + c0); c0 "
        + levels(amount) + ", decay " + levels(decay)
        + (name().startsWith("mnist-c") ? "; MNIST-C default = severity 5" : "");
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
    int size = Math.max(mapSize, Plasma.pow2AtLeast(Math.max(h, w)));
    float[] p = new float[h * w];
    Plasma.crop(size, decay[severity - 1], rng, p, h, w);
    float[] x = image.data();
    float maxv = ImageOps.max(x);
    double c0 = amount[severity - 1];
    double scale = maxv / (maxv + c0);
    float[] out = new float[x.length];
    for (int i = 0; i < h * w; i++) {
      for (int ch = 0; ch < c; ch++) {
        out[i * c + ch] = (float) ((x[i * c + ch] + c0 * p[i]) * scale);
      }
    }
    return new FloatImage(h, w, c, out);
  }
}
