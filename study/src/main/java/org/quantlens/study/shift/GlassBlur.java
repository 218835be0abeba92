package org.quantlens.study.shift;

import java.util.SplittableRandom;
import org.quantlens.study.shift.ImageOps.Border;

/**
 * Glass blur: Gaussian blur, quantise to uint8 by truncation, locally shuffle pixels, blur again.
 * The shuffle visits rows from {@code H - delta} down to {@code delta + 1} and, in each, columns
 * from {@code W - delta} down to {@code delta + 1}, drawing {@code dx, dy} uniformly from
 * {@code [-delta, delta - 1]} (numpy's {@code randint} excludes its high end).
 *
 * <p>The two references differ, and each variant keeps its reference's behaviour:
 * <ul>
 *   <li><b>MNIST-C</b> (sigma, delta, iterations) = (.7,1,2) (.9,2,1) (1,2,3) (1.1,3,2) (1.5,4,2),
 *       default <b>severity 1</b>. Each visited pixel moves only on a fair coin, and is truly
 *       swapped with its neighbour (MNIST-C images are 2-D arrays). skimage treats the last axis
 *       of a 2-D gray array as channels under {@code multichannel=True}, so on gray images the
 *       blur is <b>vertical only</b>; RGB images are blurred on both axes.</li>
 *   <li><b>CIFAR-10-C</b> (.05,1,1) (.25,1,1) (.4,1,1) (.25,1,2) (.4,1,2). No coin. On its HWC
 *       arrays numpy's tuple "swap" of two pixel views copies the neighbour into the visited
 *       pixel and leaves the neighbour unchanged; we reproduce that copy, on gray images too.</li>
 * </ul>
 */
public final class GlassBlur extends Corruption {
  private final double[] sigma;
  private final int[] delta;
  private final int[] iterations;
  private final boolean mnist;

  private GlassBlur(String name, double[] sigma, int[] delta, int[] iterations, boolean mnist) {
    super(name);
    this.sigma = sigma;
    this.delta = delta;
    this.iterations = iterations;
    this.mnist = mnist;
  }

  /** MNIST-C {@code glass_blur}; severity 1 is the MNIST-C dataset. */
  public static GlassBlur mnistC() {
    return new GlassBlur("mnist-c/glass_blur", new double[] {.7, .9, 1, 1.1, 1.5},
        new int[] {1, 2, 2, 3, 4}, new int[] {2, 1, 3, 2, 2}, true);
  }

  /** CIFAR-10-C {@code glass_blur}. */
  public static GlassBlur cifar10C() {
    return new GlassBlur("cifar10-c/glass_blur", new double[] {.05, .25, .4, .25, .4},
        new int[] {1, 1, 1, 1, 1}, new int[] {1, 1, 1, 2, 2}, false);
  }

  @Override
  public String describe() {
    return "blur, uint8, local pixel " + (mnist ? "swaps on a coin (gray: vertical-only blur)"
        : "copies from a neighbour") + ", blur; sigma " + levels(sigma) + ", delta "
        + levels(toD(delta)) + ", iterations " + levels(toD(iterations))
        + (mnist ? "; MNIST-C default = severity 1" : "");
  }

  private static double[] toD(int[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
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
    double s = sigma[severity - 1];
    double sx = mnist && c == 1 ? 0 : s;
    float[] x = ImageOps.gaussianBlur(image.data(), h, w, c, s, sx, 4.0, Border.NEAREST);
    for (int i = 0; i < x.length; i++) {
      float v = x[i];
      x[i] = (int) ((v >= 1f ? 1f : (v > 0f ? v : 0f)) * 255f); // np.uint8(... * 255)
    }
    int d = delta[severity - 1];
    for (int it = 0; it < iterations[severity - 1]; it++) {
      for (int yy = h - d; yy > d; yy--) {
        for (int xx = w - d; xx > d; xx--) {
          if (mnist && !rng.nextBoolean()) {
            continue;
          }
          int dx = Rng.randint(rng, -d, d);
          int dy = Rng.randint(rng, -d, d);
          int a = (yy * w + xx) * c;
          int b = ((yy + dy) * w + xx + dx) * c;
          for (int ch = 0; ch < c; ch++) {
            float t = x[a + ch];
            x[a + ch] = x[b + ch];
            if (mnist) {
              x[b + ch] = t;
            }
          }
        }
      }
    }
    for (int i = 0; i < x.length; i++) {
      x[i] /= 255f;
    }
    return new FloatImage(h, w, c, ImageOps.gaussianBlur(x, h, w, c, s, sx, 4.0, Border.NEAREST));
  }
}
