package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * MNIST-C zigzag: a polyline of {@link Lines soft line} segments, added segment by segment with
 * clipping. With a = b = 2, it runs from column 2 to column W-3 (25 on 28 columns), starting at
 * row r0 drawn from {@code [0, H-2]} and ending near {@code r1 = r0 + randint(-5, 5)}: along a
 * baseline of length {@code d = 23 / cos(theta)}, {@code theta = atan((r1 - r0) / 23)}, the
 * vertices are (0, 0) and ((2i+1) a, (-1)^i b) for {@code i <= (d - a) // 2a}, plus, when d is not
 * a multiple of 2a, the end vertex {@code (d, r_i / (2 (d - max_c)))} exactly as MNIST-C writes
 * it; then rotated by theta and offset to (2, r0).
 *
 * <p>MNIST-C has one setting; the ladder is: severity 1 the zigzag at 40% intensity, 2 at 70%,
 * <b>3 the MNIST-C default</b>, 4 two independent zigzags, 5 three.
 */
public final class Zigzag extends Corruption {
  private static final float[] OPACITY = {.4f, .7f, 1f, 1f, 1f};
  private static final int[] COUNT = {1, 1, 1, 2, 3};

  public Zigzag() {
    super("mnist-c/zigzag");
  }

  @Override
  public String describe() {
    return "zigzag polyline of soft lines; intensity [0.4, 0.7, 1, 1, 1], zigzags [1, 1, 1, 2, 3]"
        + "; MNIST-C default = severity 3";
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
    float[] out = image.data().clone();
    for (int k = 0; k < COUNT[severity - 1]; k++) {
      draw(out, h, w, c, rng, OPACITY[severity - 1]);
    }
    return new FloatImage(h, w, c, out);
  }

  private static void draw(float[] img, int h, int w, int c, SplittableRandom rng, float opacity) {
    double a = 2;
    double b = 2;
    double c0 = 2;
    double c1 = w - 3;
    int r0 = Rng.randint(rng, 0, Math.max(h - 1, 1));
    int r1 = r0 + Rng.randint(rng, -5, 5);
    double theta = StrictMath.atan((r1 - r0) / (c1 - c0));
    double d = (c1 - c0) / StrictMath.cos(theta);
    int n = (int) Math.floor((d - a) / (2 * a)) + 1;
    int count = Math.max(n, 0) + 2;
    double[] cs = new double[count];
    double[] rs = new double[count];
    int m = 1;
    double ri = 0;
    for (int i = 0; i < n; i++) {
      cs[m] = (2 * i + 1) * a;
      ri = (i % 2 == 0 ? 1 : -1) * b;
      rs[m] = ri;
      m++;
    }
    double maxC = 2 * a * Math.floor(d / (2 * a));
    if (d != maxC) {
      cs[m] = d;
      rs[m] = ri / (2 * (d - maxC));
      m++;
    }
    double cos = StrictMath.cos(theta);
    double sin = StrictMath.sin(theta);
    for (int i = 0; i < m; i++) {
      double cc = cs[i] * cos - rs[i] * sin + c0;
      double rr = cs[i] * sin + rs[i] * cos + r0;
      cs[i] = cc;
      rs[i] = rr;
    }
    for (int i = 1; i < m; i++) {
      Lines.add(img, h, w, c, cs[i - 1], rs[i - 1], cs[i], rs[i], opacity);
    }
  }
}
