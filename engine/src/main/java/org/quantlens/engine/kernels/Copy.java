package org.quantlens.engine.kernels;

import java.util.Arrays;

/**
 * Data-movement kernels shared by Transpose, Slice, Expand, Tile, Pad, Gather and friends. They
 * work on backing arrays of any element type ({@code float[]}, {@code double[]}, {@code int[]},
 * {@code long[]}, {@code short[]}, {@code byte[]}); the type is dispatched once per block, never per
 * element. Contiguous runs go through {@link System#arraycopy}.
 */
public final class Copy {
  /** Side of the square tiles a strided 2-D copy (a transpose) is cut into. */
  private static final int TILE = 32;
  /** Below this many elements a copy stays on the calling thread. */
  private static final int PARALLEL_MIN = 1 << 16;

  private Copy() {}

  /**
   * Copies the strided view of {@code src} (element {@code (i0, i1, ...)} at
   * {@code srcOff + sum(ik * strides[k])}; strides may be zero or negative) into {@code dst} as a
   * contiguous C-order block starting at {@code dstOff}.
   */
  public static void strided(Parallel par, Object src, int srcOff, int[] shape, int[] strides,
      Object dst, int dstOff) {
    if (coalesced(shape, strides)) { // nothing to merge or drop: no arrays per call
      copyView(par, src, srcOff, shape, strides, dst, dstOff);
      return;
    }
    int[][] view = coalesce(shape, strides);
    if (view != null) {
      copyView(par, src, srcOff, view[0], view[1], dst, dstOff);
    }
  }

  /**
   * {@link #strided} with the view coalesced beforehand by {@link #coalesce}: a caller copying
   * one geometry again and again (Transpose of one input shape) merges its dimensions once.
   */
  public static void strided(Parallel par, Object src, int srcOff, int[][] view, Object dst,
      int dstOff) {
    if (view != null) {
      copyView(par, src, srcOff, view[0], view[1], dst, dstOff);
    }
  }

  /**
   * The view {@code (shape, strides)} with dimensions of 1 dropped and neighbours that step like
   * one dimension merged, as {dims, strides} of rank >= 2 (a single element as {1, 1} with zero
   * strides); null when the view is empty. The arrays are new: the caller may keep them.
   */
  public static int[][] coalesce(int[] shape, int[] strides) {
    int r = shape.length;
    int[] n = new int[r];
    int[] s = new int[r];
    int k = 0;
    long total = 1;
    for (int i = 0; i < r; i++) {
      total *= shape[i];
      if (shape[i] == 1) {
        continue;
      }
      // Merge with the previous dimension when together they step like one dimension.
      if (k > 0 && s[k - 1] == (long) strides[i] * shape[i]) {
        n[k - 1] *= shape[i];
        s[k - 1] = strides[i];
      } else {
        n[k] = shape[i];
        s[k] = strides[i];
        k++;
      }
    }
    if (total == 0) {
      return null;
    }
    if (k == 0) {
      return new int[][] {{1, 1}, {0, 0}};
    }
    if (k == 1) {
      return new int[][] {{1, n[0]}, {0, s[0]}};
    }
    return new int[][] {Arrays.copyOf(n, k), Arrays.copyOf(s, k)};
  }

  /**
   * Whether a view of rank >= 2 has no dimension of 1 or 0 and no two neighbours that step like
   * one dimension, so {@link #strided} would coalesce it to itself.
   */
  private static boolean coalesced(int[] shape, int[] strides) {
    if (shape.length < 2) {
      return false;
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] <= 1 || i > 0 && strides[i - 1] == (long) strides[i] * shape[i]) {
        return false;
      }
    }
    return true;
  }

  /** {@link #strided} over a coalesced view of rank >= 2 with no empty dimension. */
  private static void copyView(Parallel par, Object src, int srcOff, int[] dims, int[] strd,
      Object dst, int dstOff) {
    long total = 1;
    for (int d : dims) {
      total *= d;
    }
    int rank = dims.length;
    long rows = total / dims[rank - 1];
    int tasks = total < PARALLEL_MIN || par.threads() <= 1 ? 1
        : (int) Math.min(rows, par.threads() * 4L);
    if (tasks <= 1) {
      copyRows(src, srcOff, dims, strd, dst, dstOff, 0, (int) rows);
      return;
    }
    par.forRange(tasks, t -> copyRows(src, srcOff, dims, strd, dst, dstOff,
        (int) (rows * t / tasks), (int) (rows * (t + 1) / tasks)));
  }

  /**
   * Copies rows {@code [from, to)} of a coalesced view (rank >= 2); a row is one run of the last
   * dimension, rows are numbered in C order over the other dimensions.
   */
  private static void copyRows(Object src, int srcOff, int[] dims, int[] strides, Object dst,
      int dstOff, int from, int to) {
    int rank = dims.length;
    int n1 = dims[rank - 2];
    int n0 = dims[rank - 1];
    int s1 = strides[rank - 2];
    int s0 = strides[rank - 1];
    int row = from;
    while (row < to) {
      // Position of this row: block index over the outer dims, then row within the block.
      int block = row / n1;
      int i1 = row - block * n1;
      int so = srcOff;
      int rem = block;
      for (int d = rank - 3; d >= 0; d--) {
        int q = rem / dims[d];
        so += (rem - q * dims[d]) * strides[d];
        rem = q;
      }
      int count = Math.min(n1 - i1, to - row);
      block2d(src, so + i1 * s1, count, s1, n0, s0, dst, dstOff + row * n0);
      row += count;
    }
  }

  /** {@code rows} runs of {@code n0} elements: run i starts at {@code so + i*s1}, steps {@code s0}. */
  private static void block2d(Object src, int so, int rows, int s1, int n0, int s0, Object dst,
      int d) {
    if (s0 == 1) {
      for (int i = 0; i < rows; i++) {
        System.arraycopy(src, so + i * s1, dst, d + i * n0, n0);
      }
    } else if (src instanceof float[]) {
      block((float[]) src, so, rows, s1, n0, s0, (float[]) dst, d);
    } else if (src instanceof long[]) {
      block((long[]) src, so, rows, s1, n0, s0, (long[]) dst, d);
    } else if (src instanceof int[]) {
      block((int[]) src, so, rows, s1, n0, s0, (int[]) dst, d);
    } else if (src instanceof byte[]) {
      block((byte[]) src, so, rows, s1, n0, s0, (byte[]) dst, d);
    } else if (src instanceof short[]) {
      block((short[]) src, so, rows, s1, n0, s0, (short[]) dst, d);
    } else {
      block((double[]) src, so, rows, s1, n0, s0, (double[]) dst, d);
    }
  }

  /** {@code dst[d + k] = src[base + idx[io + k]]} for {@code k < n}. */
  public static void gather(Object src, int base, int[] idx, int io, Object dst, int d, int n) {
    if (src instanceof float[]) {
      gather((float[]) src, base, idx, io, (float[]) dst, d, n);
    } else if (src instanceof long[]) {
      gather((long[]) src, base, idx, io, (long[]) dst, d, n);
    } else if (src instanceof int[]) {
      gather((int[]) src, base, idx, io, (int[]) dst, d, n);
    } else if (src instanceof byte[]) {
      gather((byte[]) src, base, idx, io, (byte[]) dst, d, n);
    } else if (src instanceof short[]) {
      gather((short[]) src, base, idx, io, (short[]) dst, d, n);
    } else {
      gather((double[]) src, base, idx, io, (double[]) dst, d, n);
    }
  }

  /**
   * Fills {@code dst[from, to)} with {@code value[0]}, where {@code value} is a one-element array
   * of the same class as {@code dst}.
   */
  public static void fill(Object dst, int from, int to, Object value) {
    if (dst instanceof float[]) {
      Arrays.fill((float[]) dst, from, to, ((float[]) value)[0]);
    } else if (dst instanceof long[]) {
      Arrays.fill((long[]) dst, from, to, ((long[]) value)[0]);
    } else if (dst instanceof int[]) {
      Arrays.fill((int[]) dst, from, to, ((int[]) value)[0]);
    } else if (dst instanceof byte[]) {
      Arrays.fill((byte[]) dst, from, to, ((byte[]) value)[0]);
    } else if (dst instanceof short[]) {
      Arrays.fill((short[]) dst, from, to, ((short[]) value)[0]);
    } else {
      Arrays.fill((double[]) dst, from, to, ((double[]) value)[0]);
    }
  }

  private static void block(float[] src, int so, int rows, int s1, int n0, int s0, float[] dst, int d) {
    if (s0 == 0) {
      for (int i = 0; i < rows; i++, d += n0) {
        java.util.Arrays.fill(dst, d, d + n0, src[so + i * s1]);
      }
      return;
    }
    if (rows < TILE || n0 < TILE) {
      for (int i = 0; i < rows; i++, d += n0) {
        int p = so + i * s1;
        for (int j = 0; j < n0; j++, p += s0) {
          dst[d + j] = src[p];
        }
      }
      return;
    }
    // Tiles keep both the strided reads and the contiguous writes in cache (transposes).
    for (int ib = 0; ib < rows; ib += TILE) {
      int ie = Math.min(rows, ib + TILE);
      for (int jb = 0; jb < n0; jb += TILE) {
        int je = Math.min(n0, jb + TILE);
        for (int i = ib; i < ie; i++) {
          int p = so + i * s1 + jb * s0;
          int q = d + i * n0;
          for (int j = jb; j < je; j++, p += s0) {
            dst[q + j] = src[p];
          }
        }
      }
    }
  }

  private static void gather(float[] src, int base, int[] idx, int io, float[] dst, int d, int n) {
    for (int k = 0; k < n; k++) {
      dst[d + k] = src[base + idx[io + k]];
    }
  }

  private static void block(double[] src, int so, int rows, int s1, int n0, int s0, double[] dst, int d) {
    if (s0 == 0) {
      for (int i = 0; i < rows; i++, d += n0) {
        java.util.Arrays.fill(dst, d, d + n0, src[so + i * s1]);
      }
      return;
    }
    if (rows < TILE || n0 < TILE) {
      for (int i = 0; i < rows; i++, d += n0) {
        int p = so + i * s1;
        for (int j = 0; j < n0; j++, p += s0) {
          dst[d + j] = src[p];
        }
      }
      return;
    }
    // Tiles keep both the strided reads and the contiguous writes in cache (transposes).
    for (int ib = 0; ib < rows; ib += TILE) {
      int ie = Math.min(rows, ib + TILE);
      for (int jb = 0; jb < n0; jb += TILE) {
        int je = Math.min(n0, jb + TILE);
        for (int i = ib; i < ie; i++) {
          int p = so + i * s1 + jb * s0;
          int q = d + i * n0;
          for (int j = jb; j < je; j++, p += s0) {
            dst[q + j] = src[p];
          }
        }
      }
    }
  }

  private static void gather(double[] src, int base, int[] idx, int io, double[] dst, int d, int n) {
    for (int k = 0; k < n; k++) {
      dst[d + k] = src[base + idx[io + k]];
    }
  }

  private static void block(int[] src, int so, int rows, int s1, int n0, int s0, int[] dst, int d) {
    if (s0 == 0) {
      for (int i = 0; i < rows; i++, d += n0) {
        java.util.Arrays.fill(dst, d, d + n0, src[so + i * s1]);
      }
      return;
    }
    if (rows < TILE || n0 < TILE) {
      for (int i = 0; i < rows; i++, d += n0) {
        int p = so + i * s1;
        for (int j = 0; j < n0; j++, p += s0) {
          dst[d + j] = src[p];
        }
      }
      return;
    }
    // Tiles keep both the strided reads and the contiguous writes in cache (transposes).
    for (int ib = 0; ib < rows; ib += TILE) {
      int ie = Math.min(rows, ib + TILE);
      for (int jb = 0; jb < n0; jb += TILE) {
        int je = Math.min(n0, jb + TILE);
        for (int i = ib; i < ie; i++) {
          int p = so + i * s1 + jb * s0;
          int q = d + i * n0;
          for (int j = jb; j < je; j++, p += s0) {
            dst[q + j] = src[p];
          }
        }
      }
    }
  }

  private static void gather(int[] src, int base, int[] idx, int io, int[] dst, int d, int n) {
    for (int k = 0; k < n; k++) {
      dst[d + k] = src[base + idx[io + k]];
    }
  }

  private static void block(long[] src, int so, int rows, int s1, int n0, int s0, long[] dst, int d) {
    if (s0 == 0) {
      for (int i = 0; i < rows; i++, d += n0) {
        java.util.Arrays.fill(dst, d, d + n0, src[so + i * s1]);
      }
      return;
    }
    if (rows < TILE || n0 < TILE) {
      for (int i = 0; i < rows; i++, d += n0) {
        int p = so + i * s1;
        for (int j = 0; j < n0; j++, p += s0) {
          dst[d + j] = src[p];
        }
      }
      return;
    }
    // Tiles keep both the strided reads and the contiguous writes in cache (transposes).
    for (int ib = 0; ib < rows; ib += TILE) {
      int ie = Math.min(rows, ib + TILE);
      for (int jb = 0; jb < n0; jb += TILE) {
        int je = Math.min(n0, jb + TILE);
        for (int i = ib; i < ie; i++) {
          int p = so + i * s1 + jb * s0;
          int q = d + i * n0;
          for (int j = jb; j < je; j++, p += s0) {
            dst[q + j] = src[p];
          }
        }
      }
    }
  }

  private static void gather(long[] src, int base, int[] idx, int io, long[] dst, int d, int n) {
    for (int k = 0; k < n; k++) {
      dst[d + k] = src[base + idx[io + k]];
    }
  }

  private static void block(short[] src, int so, int rows, int s1, int n0, int s0, short[] dst, int d) {
    if (s0 == 0) {
      for (int i = 0; i < rows; i++, d += n0) {
        java.util.Arrays.fill(dst, d, d + n0, src[so + i * s1]);
      }
      return;
    }
    if (rows < TILE || n0 < TILE) {
      for (int i = 0; i < rows; i++, d += n0) {
        int p = so + i * s1;
        for (int j = 0; j < n0; j++, p += s0) {
          dst[d + j] = src[p];
        }
      }
      return;
    }
    // Tiles keep both the strided reads and the contiguous writes in cache (transposes).
    for (int ib = 0; ib < rows; ib += TILE) {
      int ie = Math.min(rows, ib + TILE);
      for (int jb = 0; jb < n0; jb += TILE) {
        int je = Math.min(n0, jb + TILE);
        for (int i = ib; i < ie; i++) {
          int p = so + i * s1 + jb * s0;
          int q = d + i * n0;
          for (int j = jb; j < je; j++, p += s0) {
            dst[q + j] = src[p];
          }
        }
      }
    }
  }

  private static void gather(short[] src, int base, int[] idx, int io, short[] dst, int d, int n) {
    for (int k = 0; k < n; k++) {
      dst[d + k] = src[base + idx[io + k]];
    }
  }

  private static void block(byte[] src, int so, int rows, int s1, int n0, int s0, byte[] dst, int d) {
    if (s0 == 0) {
      for (int i = 0; i < rows; i++, d += n0) {
        java.util.Arrays.fill(dst, d, d + n0, src[so + i * s1]);
      }
      return;
    }
    if (rows < TILE || n0 < TILE) {
      for (int i = 0; i < rows; i++, d += n0) {
        int p = so + i * s1;
        for (int j = 0; j < n0; j++, p += s0) {
          dst[d + j] = src[p];
        }
      }
      return;
    }
    // Tiles keep both the strided reads and the contiguous writes in cache (transposes).
    for (int ib = 0; ib < rows; ib += TILE) {
      int ie = Math.min(rows, ib + TILE);
      for (int jb = 0; jb < n0; jb += TILE) {
        int je = Math.min(n0, jb + TILE);
        for (int i = ib; i < ie; i++) {
          int p = so + i * s1 + jb * s0;
          int q = d + i * n0;
          for (int j = jb; j < je; j++, p += s0) {
            dst[q + j] = src[p];
          }
        }
      }
    }
  }

  private static void gather(byte[] src, int base, int[] idx, int io, byte[] dst, int d, int n) {
    for (int k = 0; k < n; k++) {
      dst[d + k] = src[base + idx[io + k]];
    }
  }

}
