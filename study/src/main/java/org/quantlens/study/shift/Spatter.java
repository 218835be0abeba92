package org.quantlens.study.shift;

import java.util.SplittableRandom;
import org.quantlens.study.shift.ImageOps.Border;

/**
 * Spatter: a liquid layer {@code L ~ N(mu, sd)} per pixel, Gaussian-blurred (sigma, border
 * nearest), zeroed below a threshold, then either
 * <ul>
 *   <li><b>mud</b>: {@code m = gaussian(1[L > thr], k)}, zeroed below 0.8;
 *       {@code x (1 - m) + colour m};</li>
 *   <li><b>water</b> (CIFAR-10-C severities 1-3): OpenCV Canny(50, 150) of the uint8 layer, L2
 *       distance to the edges (5 x 5 chamfer 1 / 1.4 / 2.1969), truncated at 20, 3 x 3 box blur,
 *       uint8, histogram equalisation, the emboss kernel {@code [[-2,-1,0],[-1,1,1],[0,1,2]]}
 *       (saturated to uint8), 3 x 3 box blur; {@code m = L dist / max * k};
 *       {@code x + m * (175, 238, 238)/255}.</li>
 * </ul>
 * Parameters (mu, sd, sigma, thr, k):
 * <ul>
 *   <li><b>MNIST-C</b> (its code has only the mud branch, with colour 63/255 on every channel):
 *       the dataset is its default <b>severity 4</b>, (.65,.3,1,.65,1.5); severity 5 is its list's
 *       (.67,.4,1,.65,1.5). Its list's severities 1-3 are ImageNet-C's <i>water</i> settings
 *       (.65,.3,4,.69,.6) (.65,.3,3,.68,.6) (.65,.3,2,.68,.5), which its mud-only code turns into
 *       more mud than the default (mean L2 to the clean image about 1.5 times severity 4's), so
 *       our ladder replaces them with the default at higher thresholds, thr = .71 .69 .67: less
 *       liquid passes, less mud, and severity orders the amount of mud.</li>
 *   <li><b>CIFAR-10-C</b>: water (.62,.1,.7,.7,.5) (.65,.1,.8,.7,.5) (.65,.3,1,.69,.5), mud
 *       (.65,.1,.7,.69,.6) (.65,.1,.5,.68,.6), mud colour (63, 42, 20)/255. On gray images each
 *       colour becomes its gray value by skimage's {@code rgb2gray} weights (water 224.6/255, mud
 *       44.9/255).</li>
 * </ul>
 */
public final class Spatter extends Corruption {
  private static final float[] MUD_RGB = {63 / 255f, 42 / 255f, 20 / 255f};
  private static final float[] WATER_RGB = {175 / 255f, 238 / 255f, 238 / 255f};

  private final double[][] params;
  private final boolean[] water;
  private final boolean mnist;

  private Spatter(String name, double[][] params, boolean[] water, boolean mnist) {
    super(name);
    this.params = params;
    this.water = water;
    this.mnist = mnist;
  }

  /** MNIST-C {@code spatter}; severity 4 is the MNIST-C dataset. */
  public static Spatter mnistC() {
    return new Spatter("mnist-c/spatter", new double[][] {
        {.65, .3, 1, .71, 1.5}, {.65, .3, 1, .69, 1.5}, {.65, .3, 1, .67, 1.5},
        {.65, .3, 1, .65, 1.5}, {.67, .4, 1, .65, 1.5}},
        new boolean[5], true);
  }

  /** CIFAR-10-C {@code spatter}. */
  public static Spatter cifar10C() {
    return new Spatter("cifar10-c/spatter", new double[][] {
        {.62, .1, .7, .7, .5}, {.65, .1, .8, .7, .5}, {.65, .3, 1, .69, .5},
        {.65, .1, .7, .69, .6}, {.65, .1, .5, .68, .6}},
        new boolean[] {true, true, true, false, false}, false);
  }

  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder(mnist ? "mud spatter (gray 63/255)" : "water (1-3) / mud (4-5) spatter");
    sb.append("; (mu, sd, sigma, thr, k)");
    for (double[] p : params) {
      sb.append(' ').append(levels(p).replace('[', '(').replace(']', ')'));
    }
    return sb.append(mnist ? "; MNIST-C default = severity 4" : "").toString();
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
    int n = h * w;
    Rng.Normal normal = new Rng.Normal(rng);
    float[] liquid = new float[n];
    for (int i = 0; i < n; i++) {
      liquid[i] = (float) normal.next(p[0], p[1]);
    }
    liquid = ImageOps.gaussianBlur(liquid, h, w, 1, p[2], Border.NEAREST);
    float thr = (float) p[3];
    for (int i = 0; i < n; i++) {
      if (liquid[i] < thr) {
        liquid[i] = 0f;
      }
    }
    return water[severity - 1] ? water(image, liquid, p[4]) : mud(image, liquid, thr, p[4]);
  }

  private FloatImage mud(FloatImage image, float[] liquid, float thr, double k) {
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    float[] m = new float[h * w];
    for (int i = 0; i < m.length; i++) {
      m[i] = liquid[i] > thr ? 1f : 0f;
    }
    m = ImageOps.gaussianBlur(m, h, w, 1, k, Border.NEAREST);
    float[] colour = mnist ? new float[] {63 / 255f, 63 / 255f, 63 / 255f} : colour(MUD_RGB, c);
    float[] x = image.data();
    float[] out = new float[x.length];
    for (int i = 0; i < m.length; i++) {
      float mi = m[i] < 0.8f ? 0f : m[i];
      for (int ch = 0; ch < c; ch++) {
        out[i * c + ch] = x[i * c + ch] * (1 - mi) + colour[ch] * mi;
      }
    }
    return new FloatImage(h, w, c, out);
  }

  /** The colour per channel; for gray, its rgb2gray value. */
  private static float[] colour(float[] rgb, int channels) {
    if (channels == 3) {
      return rgb;
    }
    return new float[] {
        ImageOps.LUMA_R * rgb[0] + ImageOps.LUMA_G * rgb[1] + ImageOps.LUMA_B * rgb[2]};
  }

  private static FloatImage water(FloatImage image, float[] liquid, double k) {
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    int n = h * w;
    int[] u8 = new int[n];
    for (int i = 0; i < n; i++) {
      u8[i] = Math.min((int) (liquid[i] * 255f), 255);
    }
    boolean[] edges = Canny.opencv(u8, h, w, 50, 150);
    float[] dist = distanceToEdges(edges, h, w);
    for (int i = 0; i < n; i++) {
      dist[i] = Math.min(dist[i], 20f);
    }
    float[] blurred = box3(dist, h, w);
    int[] d8 = new int[n];
    for (int i = 0; i < n; i++) {
      d8[i] = (int) blurred[i];
    }
    d8 = equalizeHist(d8);
    float[] p8 = pad1(toFloat(d8), h, w);
    int pw = w + 2;
    int[] emb = new int[n];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int a = y * pw + x; // top-left of the 3 x 3 window in the padded plane
        float acc = -2 * p8[a] - p8[a + 1] - p8[a + pw] + p8[a + pw + 1] + p8[a + pw + 2]
            + p8[a + 2 * pw + 1] + 2 * p8[a + 2 * pw + 2];
        emb[y * w + x] = Math.max(0, Math.min(255, (int) acc));
      }
    }
    float[] embF = new float[n];
    for (int i = 0; i < n; i++) {
      embF[i] = emb[i];
    }
    float[] smooth = box3(embF, h, w);
    float[] m = new float[n];
    float max = 0f;
    for (int i = 0; i < n; i++) {
      m[i] = liquid[i] * (float) Math.rint(smooth[i]); // cv2.blur on uint8 rounds
      max = Math.max(max, m[i]);
    }
    float[] colour = colour(WATER_RGB, c);
    float[] x = image.data();
    float[] out = new float[x.length];
    float scale = max > 0f ? (float) k / max : 0f;
    for (int i = 0; i < n; i++) {
      float mi = m[i] * scale;
      for (int ch = 0; ch < c; ch++) {
        out[i * c + ch] = x[i * c + ch] + mi * colour[ch];
      }
    }
    return new FloatImage(h, w, c, out);
  }

  private static float[] toFloat(int[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = v[i];
    }
    return f;
  }

  /** The plane with a one-pixel REFLECT_101 border, (h + 2) x (w + 2). */
  private static float[] pad1(float[] src, int h, int w) {
    int pw = w + 2;
    float[] p = new float[(h + 2) * pw];
    for (int y = -1; y <= h; y++) {
      int sy = ImageOps.index(y, h, Border.MIRROR) * w;
      int row = (y + 1) * pw;
      for (int x = -1; x <= w; x++) {
        p[row + x + 1] = src[sy + ImageOps.index(x, w, Border.MIRROR)];
      }
    }
    return p;
  }

  /** OpenCV {@code blur(3 x 3)}, border REFLECT_101. */
  private static float[] box3(float[] src, int h, int w) {
    float[] p = pad1(src, h, w);
    int pw = w + 2;
    float[] out = new float[src.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int a = y * pw + x;
        float acc = p[a] + p[a + 1] + p[a + 2] + p[a + pw] + p[a + pw + 1] + p[a + pw + 2]
            + p[a + 2 * pw] + p[a + 2 * pw + 1] + p[a + 2 * pw + 2];
        out[y * w + x] = acc / 9f;
      }
    }
    return out;
  }

  private static final float CHAMFER_A = 1f;
  private static final float CHAMFER_B = 1.4f;
  private static final float CHAMFER_C = 2.1969f;

  /**
   * Distance of each pixel to the nearest edge pixel, OpenCV {@code distanceTransform(DIST_L2, 5)}
   * (two-pass 5 x 5 chamfer); outside the image counts as far away.
   */
  static float[] distanceToEdges(boolean[] edges, int h, int w) {
    float inf = 1e6f;
    float[] d = new float[h * w];
    for (int i = 0; i < d.length; i++) {
      d[i] = edges[i] ? 0f : inf;
    }
    int[][] fwd = {{-2, -1}, {-2, 1}, {-1, -2}, {-1, 2}, {-1, -1}, {-1, 1}, {-1, 0}, {0, -1}};
    float[] cost = {CHAMFER_C, CHAMFER_C, CHAMFER_C, CHAMFER_C, CHAMFER_B, CHAMFER_B, CHAMFER_A,
        CHAMFER_A};
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        relax(d, h, w, y, x, fwd, cost, 1);
      }
    }
    for (int y = h - 1; y >= 0; y--) {
      for (int x = w - 1; x >= 0; x--) {
        relax(d, h, w, y, x, fwd, cost, -1);
      }
    }
    return d;
  }

  private static void relax(float[] d, int h, int w, int y, int x, int[][] offs, float[] cost,
      int sign) {
    float best = d[y * w + x];
    for (int k = 0; k < offs.length; k++) {
      int yy = y + sign * offs[k][0];
      int xx = x + sign * offs[k][1];
      if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
        best = Math.min(best, d[yy * w + xx] + cost[k]);
      }
    }
    d[y * w + x] = best;
  }

  /** OpenCV {@code equalizeHist} on values 0..255. */
  static int[] equalizeHist(int[] v) {
    int[] hist = new int[256];
    for (int a : v) {
      hist[a]++;
    }
    int first = 0;
    while (hist[first] == 0) {
      first++;
    }
    int[] out = new int[v.length];
    if (hist[first] == v.length) {
      java.util.Arrays.fill(out, first);
      return out;
    }
    float scale = 255f / (v.length - hist[first]);
    int[] lut = new int[256];
    int sum = 0;
    for (int i = first + 1; i < 256; i++) {
      sum += hist[i];
      lut[i] = Math.max(0, Math.min(255, (int) Math.rint(sum * scale)));
    }
    for (int i = 0; i < v.length; i++) {
      out[i] = lut[v[i]];
    }
    return out;
  }
}
