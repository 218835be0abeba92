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
    if (g.rank == 2) {
      tile2d(g, x, xOff, channels, p0, p1, col);
      return;
    }
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

  /** The 2-D case with loops the JIT keeps tight: valid column ranges per kernel column. */
  private static void tile2d(ConvGeometry g, float[] x, int xOff, int channels, int p0, int p1,
      float[] col) {
    int h = g.in[0];
    int w = g.in[1];
    int ow = g.out[1];
    int sy = g.strides[0];
    int sx = g.strides[1];
    int kh = g.kernel[0];
    int kw = g.kernel[1];
    int len = p1 - p0;
    int[] lo = new int[kw];
    int[] hi = new int[kw];
    for (int kx = 0; kx < kw; kx++) {
      int shift = kx * g.dilations[1] - g.padBegin[1];
      lo[kx] = shift >= 0 ? 0 : Math.min(ow, (-shift + sx - 1) / sx);
      hi[kx] = Math.max(lo[kx], Math.min(ow, (w - shift + sx - 1) / sx));
    }
    int oyStart = p0 / ow;
    int oxStart = p0 % ow;
    int dst = 0;
    for (int c = 0; c < channels; c++) {
      int plane = xOff + c * g.inSize;
      for (int ky = 0; ky < kh; ky++) {
        int rowShift = ky * g.dilations[0] - g.padBegin[0];
        for (int kx = 0; kx < kw; kx++) {
          int shift = kx * g.dilations[1] - g.padBegin[1];
          int d = dst;
          for (int p = p0, oy = oyStart, ox = oxStart; p < p1; oy++, ox = 0) {
            int end = Math.min(ow, ox + p1 - p);
            int iy = oy * sy + rowShift;
            int a = end;
            int b = end;
            if (iy >= 0 && iy < h) {
              a = Math.min(Math.max(ox, lo[kx]), end);
              b = Math.max(a, Math.min(end, hi[kx]));
            }
            for (int j = ox; j < a; j++) {
              col[d++] = 0f;
            }
            int src = plane + iy * w + shift;
            if (sx == 1) {
              for (int j = a; j < b; j++) {
                col[d++] = x[src + j];
              }
            } else {
              for (int j = a; j < b; j++) {
                col[d++] = x[src + j * sx];
              }
            }
            for (int j = b; j < end; j++) {
              col[d++] = 0f;
            }
            p += end - ox;
          }
          dst += len;
        }
      }
    }
  }

  /** One row of the patch matrix: kernel position {@code k}, output positions from {@code o}. */
  private static void rowOfPatch(ConvGeometry g, float[] x, int cOff, int[] inStride, int[] k,
      int[] o, int p0, int p1, float[] col, int dst) {
    int last = g.rank - 1;
    int outLast = g.out[last];
    int s = g.strides[last];
    int shift = k[last] * g.dilations[last] - g.padBegin[last]; // input column of output column 0
    // Output columns [lo, hi) read inside the input row; computed once per row, not per segment.
    int lo = shift >= 0 ? 0 : Math.min(outLast, (-shift + s - 1) / s);
    int hi = Math.max(lo, Math.min(outLast, (g.in[last] - shift + s - 1) / s));
    for (int p = p0; p < p1; ) {
      int ox = o[last];
      int seg = Math.min(outLast - ox, p1 - p);
      int base = cOff + shift;
      boolean inside = true;
      for (int d = 0; d < last; d++) {
        int i = o[d] * g.strides[d] - g.padBegin[d] + k[d] * g.dilations[d];
        inside &= i >= 0 && i < g.in[d];
        base += i * inStride[d];
      }
      int a = inside ? Math.min(Math.max(ox, lo), ox + seg) : ox + seg;
      int b = inside ? Math.max(a, Math.min(ox + seg, hi)) : ox + seg;
      zero(col, dst, a - ox);
      copy(x, base + a * s, s, col, dst + a - ox, b - a);
      zero(col, dst + b - ox, ox + seg - b);
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

  /** Short runs are common (small feature maps): plain loops beat the library calls there. */
  private static void zero(float[] col, int from, int n) {
    if (n >= 32) {
      Arrays.fill(col, from, from + n, 0f);
    } else {
      for (int j = 0; j < n; j++) {
        col[from + j] = 0f;
      }
    }
  }

  private static void copy(float[] x, int src, int s, float[] col, int dst, int n) {
    if (s == 1 && n >= 32) {
      System.arraycopy(x, src, col, dst, n);
    } else {
      for (int j = 0; j < n; j++, src += s) {
        col[dst + j] = x[src];
      }
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
