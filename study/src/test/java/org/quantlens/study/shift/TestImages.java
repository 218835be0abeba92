package org.quantlens.study.shift;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.study.data.ImageDataset;

/** Image sets for the shift tests: drawn digits, coloured scenes, and Fashion-MNIST when present. */
final class TestImages {
  static final Path FASHION_TEST =
      Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");

  private TestImages() {}

  /** Strokes of each digit as polylines in a unit box (x right, y down). */
  private static final double[][][] DIGITS = {
      {{.5, .1, .78, .3, .78, .7, .5, .9, .22, .7, .22, .3, .5, .1}},
      {{.35, .25, .55, .1, .55, .9}, {.35, .9, .75, .9}},
      {{.25, .3, .5, .1, .75, .3, .7, .5, .25, .9, .8, .9}},
      {{.25, .15, .7, .15, .45, .45, .75, .65, .5, .9, .22, .8}},
      {{.65, .9, .65, .1, .2, .65, .8, .65}},
      {{.75, .1, .3, .1, .27, .45, .6, .42, .75, .65, .55, .9, .22, .82}},
      {{.7, .12, .35, .4, .25, .7, .45, .9, .72, .75, .6, .52, .3, .6}},
      {{.22, .12, .78, .12, .42, .9}},
      {{.5, .5, .28, .3, .5, .1, .72, .3, .5, .5, .25, .72, .5, .9, .75, .72, .5, .5}},
      {{.72, .45, .5, .55, .3, .4, .45, .12, .72, .3, .7, .6, .55, .9}},
  };

  /** {@code n} anti-aliased white-on-black digits 28 x 28 with random pose and stroke width. */
  static ImageDataset digits(int n, long seed) {
    int h = 28;
    int w = 28;
    byte[] px = new byte[n * h * w];
    long[] labels = new long[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      int d = i % 10;
      labels[i] = d;
      double scale = 17 + 4 * r.nextDouble();
      double angle = (r.nextDouble() - 0.5) * 0.5;
      double slant = (r.nextDouble() - 0.5) * 0.4;
      double cx = 14 + (r.nextDouble() - 0.5) * 3;
      double cy = 14 + (r.nextDouble() - 0.5) * 3;
      double half = 1.0 + 0.8 * r.nextDouble();
      float[] img = new float[h * w];
      for (double[] stroke : DIGITS[d]) {
        for (int k = 0; k + 3 < stroke.length; k += 2) {
          double[] a = pose(stroke[k], stroke[k + 1], scale, angle, slant, cx, cy);
          double[] b = pose(stroke[k + 2], stroke[k + 3], scale, angle, slant, cx, cy);
          segment(img, h, w, a[0], a[1], b[0], b[1], half);
        }
      }
      for (int j = 0; j < h * w; j++) {
        px[i * h * w + j] = (byte) Math.round(img[j] * 255);
      }
    }
    return new ImageDataset("digits", Tensor.wrap(DType.U8, px, n, h, w, 1), Tensor.of(labels, n),
        List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
  }

  private static double[] pose(double u, double v, double scale, double angle, double slant,
      double cx, double cy) {
    double x = (u - 0.5 + slant * (0.5 - v)) * scale;
    double y = (v - 0.5) * scale;
    double c = Math.cos(angle);
    double s = Math.sin(angle);
    return new double[] {cx + c * x - s * y, cy + s * x + c * y};
  }

  private static void segment(float[] img, int h, int w, double x0, double y0, double x1,
      double y1, double half) {
    double vx = x1 - x0;
    double vy = y1 - y0;
    double len2 = vx * vx + vy * vy;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double t = len2 > 0 ? ((x - x0) * vx + (y - y0) * vy) / len2 : 0;
        t = Math.max(0, Math.min(1, t));
        double dx = x0 + t * vx - x;
        double dy = y0 + t * vy - y;
        double dist = Math.sqrt(dx * dx + dy * dy);
        float v = (float) Math.max(0, Math.min(1, half + 0.5 - dist));
        img[y * w + x] = Math.max(img[y * w + x], v);
      }
    }
  }

  /** {@code n} coloured h x w scenes: a gradient sky, a coloured disk and a striped box. */
  static ImageDataset scenes(int n, int h, int w, long seed) {
    byte[] px = new byte[n * h * w * 3];
    long[] labels = new long[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      double[] top = {r.nextDouble(), r.nextDouble(), r.nextDouble()};
      double[] bottom = {r.nextDouble(), r.nextDouble(), r.nextDouble()};
      double[] disk = {r.nextDouble(), r.nextDouble(), r.nextDouble()};
      double[] box = {r.nextDouble(), r.nextDouble(), r.nextDouble()};
      double dcx = w * (0.2 + 0.6 * r.nextDouble());
      double dcy = h * (0.2 + 0.6 * r.nextDouble());
      double rad = Math.min(h, w) * (0.15 + 0.2 * r.nextDouble());
      int bx0 = r.nextInt(w / 2);
      int by0 = r.nextInt(h / 2);
      int bx1 = bx0 + 3 + r.nextInt(w / 2);
      int by1 = by0 + 3 + r.nextInt(h / 2);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double t = (double) y / (h - 1);
          double[] v = new double[3];
          for (int c = 0; c < 3; c++) {
            v[c] = top[c] * (1 - t) + bottom[c] * t;
          }
          double dd = Math.hypot(x - dcx, y - dcy);
          double a = Math.max(0, Math.min(1, rad + 0.5 - dd));
          for (int c = 0; c < 3; c++) {
            v[c] = v[c] * (1 - a) + disk[c] * a;
          }
          if (x >= bx0 && x < bx1 && y >= by0 && y < by1) {
            double stripe = ((x + y) / 2) % 2 == 0 ? 1 : 0.6;
            for (int c = 0; c < 3; c++) {
              v[c] = box[c] * stripe;
            }
          }
          for (int c = 0; c < 3; c++) {
            px[((i * h + y) * w + x) * 3 + c] = (byte) Math.round(v[c] * 255);
          }
        }
      }
      labels[i] = i % 10;
    }
    return new ImageDataset("scenes", Tensor.wrap(DType.U8, px, n, h, w, 3), Tensor.of(labels, n),
        List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
  }

  /** Whether the Fashion-MNIST test images are installed. */
  static boolean hasFashion() {
    return Files.isReadable(FASHION_TEST);
  }

  /** The first {@code n} Fashion-MNIST test images (IDX3, gzip), labels all 0. */
  static ImageDataset fashion(int n) {
    try (InputStream raw = Files.newInputStream(FASHION_TEST);
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
      int magic = in.readInt();
      if (magic != 0x00000803) {
        throw new IOException("not an IDX3 ubyte file: magic " + Integer.toHexString(magic));
      }
      int count = in.readInt();
      int rows = in.readInt();
      int cols = in.readInt();
      int k = Math.min(n, count);
      byte[] px = new byte[k * rows * cols];
      in.readFully(px);
      return new ImageDataset("fashion-mnist/test", Tensor.wrap(DType.U8, px, k, rows, cols, 1),
          Tensor.of(new long[k], k), List.of("item"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Image {@code i} of a dataset as a FloatImage in [0, 1]. */
  static FloatImage image(ImageDataset ds, int i) {
    int per = ds.height() * ds.width() * ds.channels();
    byte[] px = ds.images().bytes();
    float[] f = new float[per];
    for (int j = 0; j < per; j++) {
      f[j] = (px[i * per + j] & 0xff) / 255f;
    }
    return new FloatImage(ds.height(), ds.width(), ds.channels(), f);
  }
}
