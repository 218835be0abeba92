package org.quantlens.study.shift;

import java.util.SplittableRandom;
import org.quantlens.study.shift.ImageOps.Border;

/**
 * Elastic transform: a random affine warp, then a smooth random displacement field.
 * <ol>
 *   <li>Points {@code (c0 + s, c1 + s), (c0 + s, c1 - s), (c0 - s, c1 - s)} with
 *       {@code (c0, c1) = (H//2, W//2)}, {@code s = min(H, W)//3} (as OpenCV (x, y) points), each
 *       coordinate jittered by U(-aff, aff); the affine map between the two triangles warps the
 *       image (bilinear, border REFLECT_101, as {@code cv2.warpAffine}).</li>
 *   <li>{@code dx, dy = gaussian(U(-1, 1), sigma, border reflect, truncate 3) * alpha}; the output
 *       samples the warped image at {@code (y + dy, x + dx)} bilinearly with border reflect
 *       ({@code map_coordinates(order=1, mode='reflect')}).</li>
 * </ol>
 * CIFAR-10-C only, in units of the image size S = min(H, W) (32 for CIFAR): (alpha, sigma, aff) =
 * S x (0,0,.08) (.05,.2,.07) (.08,.06,.06) (.1,.04,.05) (.1,.03,.03); severity 1 is affine only.
 */
public final class ElasticTransform extends Corruption {
  private final double[][] params;

  private ElasticTransform(String name, double[][] params) {
    super(name);
    this.params = params;
  }

  /** CIFAR-10-C {@code elastic_transform}. */
  public static ElasticTransform cifar10C() {
    return new ElasticTransform("cifar10-c/elastic_transform", new double[][] {
        {0, 0, .08}, {.05, .2, .07}, {.08, .06, .06}, {.1, .04, .05}, {.1, .03, .03}});
  }

  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder("random affine + Gaussian-smoothed displacement;"
        + " (alpha, sigma, aff) x min(H, W):");
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
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    double size = Math.min(h, w);
    double[] p = params[severity - 1];
    double alpha = size * p[0];
    double sigma = size * p[1];
    double aff = size * p[2];
    double c0 = h / 2;
    double c1 = w / 2;
    double s = Math.min(h, w) / 3;
    double[][] src = {{c0 + s, c1 + s}, {c0 + s, c1 - s}, {c0 - s, c1 - s}};
    double[][] dst = new double[3][2];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 2; j++) {
        dst[i][j] = (float) (src[i][j] + Rng.uniform(rng, -aff, aff)); // float32 in the reference
      }
    }
    double[] m = affineFromPoints(src, dst);
    double[] inv = invert(m);
    float[] x = image.data();
    float[] warped = new float[x.length];
    for (int row = 0; row < h; row++) {
      for (int col = 0; col < w; col++) {
        double sx = inv[0] * col + inv[1] * row + inv[2];
        double sy = inv[3] * col + inv[4] * row + inv[5];
        for (int ch = 0; ch < c; ch++) {
          warped[(row * w + col) * c + ch] = ImageOps.bilinear(x, h, w, c, ch, sy, sx, Border.MIRROR);
        }
      }
    }
    float[] dx = field(h, w, sigma, alpha, rng);
    float[] dy = field(h, w, sigma, alpha, rng);
    float[] out = new float[x.length];
    for (int row = 0; row < h; row++) {
      for (int col = 0; col < w; col++) {
        int i = row * w + col;
        double yy = row + dy[i];
        double xx = col + dx[i];
        for (int ch = 0; ch < c; ch++) {
          out[i * c + ch] = ImageOps.bilinear(warped, h, w, c, ch, yy, xx, Border.REFLECT);
        }
      }
    }
    return new FloatImage(h, w, c, out);
  }

  private static float[] field(int h, int w, double sigma, double alpha, SplittableRandom rng) {
    float[] u = new float[h * w];
    for (int i = 0; i < u.length; i++) {
      u[i] = (float) Rng.uniform(rng, -1, 1);
    }
    float[] g = ImageOps.gaussianBlur(u, h, w, 1, sigma, sigma, 3.0, Border.REFLECT);
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) (g[i] * alpha);
    }
    return g;
  }

  /** The 2 x 3 map {a, b, c, d, e, f}: (x, y) -> (a x + b y + c, d x + e y + f) taking src to dst. */
  static double[] affineFromPoints(double[][] src, double[][] dst) {
    double[][] a = {
        {src[0][0], src[0][1], 1}, {src[1][0], src[1][1], 1}, {src[2][0], src[2][1], 1}};
    double det = det3(a);
    double[] out = new double[6];
    for (int row = 0; row < 2; row++) {
      double[] rhs = {dst[0][row], dst[1][row], dst[2][row]};
      for (int k = 0; k < 3; k++) {
        double[][] t = {a[0].clone(), a[1].clone(), a[2].clone()};
        for (int i = 0; i < 3; i++) {
          t[i][k] = rhs[i];
        }
        out[row * 3 + k] = det3(t) / det;
      }
    }
    return out;
  }

  private static double det3(double[][] m) {
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  }

  /** Inverse of the 2 x 3 affine map {a, b, c, d, e, f}. */
  static double[] invert(double[] m) {
    double det = m[0] * m[4] - m[1] * m[3];
    double ia = m[4] / det;
    double ib = -m[1] / det;
    double id = -m[3] / det;
    double ie = m[0] / det;
    return new double[] {ia, ib, -(ia * m[2] + ib * m[5]), id, ie, -(id * m[2] + ie * m[5])};
  }
}
