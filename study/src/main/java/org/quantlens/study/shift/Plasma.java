package org.quantlens.study.shift;

import java.util.SplittableRandom;

/**
 * The references' plasma fractal: diamond-square on a {@code size x size} torus (numpy
 * {@code roll} wraps), corner value 0, starting wibble 100. Every new point is the mean of its
 * four parents plus {@code wibble * U(-wibble, wibble)} (so the noise scales with wibble squared,
 * as written in the references), wibble is divided by {@code decay} at each level, and the map is
 * finally min-max normalised to [0, 1] over the whole torus.
 */
final class Plasma {
  private Plasma() {}

  /** Reused per thread: the 256 x 256 MNIST-C map would otherwise be 512 KiB of garbage per image. */
  private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[0]);

  /** Smallest power of two >= n. */
  static int pow2AtLeast(int n) {
    int p = 1;
    while (p < n) {
      p <<= 1;
    }
    return p;
  }

  /**
   * The top-left {@code h x w} crop of a fresh normalised map of side {@code size} (a power of two
   * >= h, w), row-major into {@code out}.
   */
  static void crop(int size, double decay, SplittableRandom r, float[] out, int h, int w) {
    double[] m = SCRATCH.get();
    if (m.length < size * size) {
      m = new double[size * size];
      SCRATCH.set(m);
    }
    fill(m, size, decay, r);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    int n = size * size;
    for (int i = 0; i < n; i++) {
      double v = m[i]; // plain compares: Math.min/max's NaN and -0.0 rules cost 3x here
      if (v < min) {
        min = v;
      }
      if (v > max) {
        max = v;
      }
    }
    double range = max - min;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out[y * w + x] = (float) (range > 0 ? (m[y * size + x] - min) / range : 0);
      }
    }
  }

  /**
   * Uniform [0, 1) deviates two at a time from one 64-bit draw (32 bits each): the map needs
   * one per cell and 65,536 cells per MNIST-C image, so this halves the generator's cost.
   */
  private static final class Uniforms {
    private final SplittableRandom r;
    private long bits;
    private boolean half;

    Uniforms(SplittableRandom r) {
      this.r = r;
    }

    double next() {
      if (half) {
        half = false;
        return (bits & 0xffffffffL) * 0x1.0p-32;
      }
      bits = r.nextLong();
      half = true;
      return (bits >>> 32) * 0x1.0p-32;
    }
  }

  /**
   * Diamond-square over the torus. The wrap-around neighbour of each row is peeled out of the
   * inner loops, which then run branch-free (this map is most of MNIST-C fog's cost). Random
   * values are drawn in numpy's order: the squares row by row, then the diamonds on the corner
   * rows, then those on the centre rows.
   */
  private static void fill(double[] m, int n, double decay, SplittableRandom rng) {
    Uniforms r = new Uniforms(rng);
    m[0] = 0;
    double wib = 100;
    for (int step = n; step >= 2; step /= 2) {
      int half = step / 2;
      int last = n - step; // column (and row) of the last corner; its right neighbour wraps to 0
      int rowStep = step * n;
      int halfRow = half * n;
      double lo = -wib;
      double span = 2 * wib;
      // squares: the centre of each square of corners step apart
      for (int r0 = 0; r0 < n * n; r0 += rowStep) {
        int r1 = r0 == last * n ? 0 : r0 + rowStep;
        int dst = r0 + halfRow + half;
        for (int c0 = 0; c0 < last; c0 += step) {
          double s = (m[r0 + c0] + m[r1 + c0]) + (m[r0 + c0 + step] + m[r1 + c0 + step]);
          m[dst + c0] = s * 0.25 + wib * (lo + span * r.next());
        }
        double s = (m[r0 + last] + m[r1 + last]) + (m[r0] + m[r1]);
        m[dst + last] = s * 0.25 + wib * (lo + span * r.next());
      }
      // diamonds on the corner rows: (i*step, j*step + half), between two centres above/below
      // and two corners left/right
      for (int row = 0; row < n * n; row += rowStep) {
        int down = row + halfRow + half;
        int up = (row == 0 ? last * n : row - rowStep) + halfRow + half;
        for (int c = 0; c < last; c += step) {
          double s = (m[down + c] + m[up + c]) + (m[row + c] + m[row + c + step]);
          m[row + c + half] = s * 0.25 + wib * (lo + span * r.next());
        }
        double s = (m[down + last] + m[up + last]) + (m[row + last] + m[row]);
        m[row + last + half] = s * 0.25 + wib * (lo + span * r.next());
      }
      // diamonds on the centre rows: (i*step + half, j*step), between two centres left/right
      // and two corners above/below
      for (int top = 0; top < n * n; top += rowStep) {
        int row = top + halfRow;
        int bottom = top == last * n ? 0 : top + rowStep;
        double s0 = (m[row + half] + m[row + last + half]) + (m[top] + m[bottom]);
        m[row] = s0 * 0.25 + wib * (lo + span * r.next());
        for (int c = step; c < n; c += step) {
          double s = (m[row + c + half] + m[row + c - step + half]) + (m[top + c] + m[bottom + c]);
          m[row + c] = s * 0.25 + wib * (lo + span * r.next());
        }
      }
      wib /= decay;
    }
  }
}
