package org.quantlens.engine.kernels;

import java.util.Arrays;

/**
 * Lays the input patches of a convolution out as a matrix so the convolution becomes one GEMM:
 * row {@code c * kernelSize + kernelPosition}, column = output position. Works for any spatial
 * rank and produces one tile of output positions at a time, so the matrix stays in cache.
 */
public final class Im2col {
  private Im2col() {}

  /**
   * Writes the patch matrix of output positions {@code [p0, p1)} (flat C-order indices into
   * {@code g.out}) for {@code channels} input channels starting at {@code x[xOff]} (each
   * {@code g.inSize} long) into {@code col}, row-major with {@code p1 - p0} columns. Padding reads
   * as zero.
   */
  public static void tile(ConvGeometry g, float[] x, int xOff, int channels, int p0, int p1,
      float[] col) {
    int r = g.rank;
    int len = p1 - p0;
    int[] k = new int[r];
    int[] o = new int[r];
    int[] inStride = new int[r];
    int st = 1;
    for (int d = r - 1; d >= 0; d--) {
      inStride[d] = st;
      st *= g.in[d];
    }
    int row = 0;
    for (int c = 0; c < channels; c++) {
      Arrays.fill(k, 0);
      for (int kp = 0; kp < g.kernelSize; kp++, row++) {
        decompose(p0, g.out, o);
        rowOfPatch(g, x, xOff + c * g.inSize, inStride, k, o, p0, p1, col, row * len);
        next(k, g.kernel);
      }
    }
  }

  /** One row of the patch matrix: kernel position {@code k}, output positions from {@code o}. */
  private static void rowOfPatch(ConvGeometry g, float[] x, int cOff, int[] inStride, int[] k,
      int[] o, int p0, int p1, float[] col, int dst) {
    int last = g.rank - 1;
    int outLast = g.out[last];
    int inLast = g.in[last];
    int s = g.strides[last];
    int kOffLast = k[last] * g.dilations[last] - g.padBegin[last];
    for (int p = p0; p < p1; ) {
      int seg = Math.min(outLast - o[last], p1 - p);
      int base = cOff;
      boolean inside = true;
      for (int d = 0; d < last; d++) {
        int i = o[d] * g.strides[d] - g.padBegin[d] + k[d] * g.dilations[d];
        inside &= i >= 0 && i < g.in[d];
        base += i * inStride[d];
      }
      if (!inside) {
        Arrays.fill(col, dst, dst + seg, 0f);
      } else {
        segment(x, base, o[last] * s + kOffLast, s, inLast, col, dst, seg);
      }
      dst += seg;
      p += seg;
      o[last] += seg;
      if (o[last] == outLast) {
        o[last] = 0;
        for (int d = last - 1; d >= 0 && ++o[d] == g.out[d]; d--) {
          o[d] = 0;
        }
      }
    }
  }

  /** col[dst + j] = x[base + ix0 + j * s] where that index is inside [0, inLast), else 0. */
  private static void segment(float[] x, int base, int ix0, int s, int inLast, float[] col, int dst,
      int seg) {
    int jlo = ix0 >= 0 ? 0 : Math.min(seg, (-ix0 + s - 1) / s);
    int jhi = ix0 >= inLast ? 0 : Math.min(seg, (inLast - ix0 + s - 1) / s);
    if (jhi < jlo) {
      jhi = jlo;
    }
    if (jlo > 0) {
      Arrays.fill(col, dst, dst + jlo, 0f);
    }
    if (s == 1) {
      if (jhi > jlo) {
        System.arraycopy(x, base + ix0 + jlo, col, dst + jlo, jhi - jlo);
      }
    } else {
      for (int j = jlo, src = base + ix0 + jlo * s; j < jhi; j++, src += s) {
        col[dst + j] = x[src];
      }
    }
    if (jhi < seg) {
      Arrays.fill(col, dst + jhi, dst + seg, 0f);
    }
  }

  /** C-order coordinates of flat index {@code p} in {@code dims}. */
  static void decompose(int p, int[] dims, int[] coords) {
    for (int d = dims.length - 1; d >= 0; d--) {
      coords[d] = p % dims[d];
      p /= dims[d];
    }
  }

  /** Advances a C-order odometer; returns false after the last position. */
  static boolean next(int[] idx, int[] dims) {
    for (int d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) {
        return true;
      }
      idx[d] = 0;
    }
    return false;
  }
}
