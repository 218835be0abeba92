package org.quantlens.engine.train.grad;

import org.quantlens.engine.kernels.ConvGeometry;

/**
 * The patch matrix of a convolution and its adjoint. {@link #im2col} writes, for one sample and a
 * run of channels, row {@code c * kernelSize + kernelPosition} and column {@code outputPosition} at
 * {@code col[off + row * ld + column]} (padding reads as zero); {@link #col2im} adds such a matrix
 * back onto the input positions it was read from, which is the gradient of im2col. A leading
 * dimension {@code ld} larger than the output size lets several samples share one matrix side by
 * side, so a whole batch becomes one GEMM.
 */
public final class Patches {
  private Patches() {}

  /** Writes channel {@code c}'s rows (kernelSize of them) of the patch matrix of plane {@code x[xOff..]}. */
  public static void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int off, int ld) {
    if (g.rank == 2) {
      walk2d(g, x, xOff, col, off, ld, false);
    } else {
      walk(g, x, xOff, col, off, ld, false);
    }
  }

  /** Adds channel {@code c}'s rows of a patch-matrix gradient onto plane {@code dx[xOff..]}. */
  public static void col2im(ConvGeometry g, float[] dcol, int off, int ld, float[] dx, int xOff) {
    if (g.rank == 2) {
      walk2d(g, dx, xOff, dcol, off, ld, true);
    } else {
      walk(g, dx, xOff, dcol, off, ld, true);
    }
  }

  /** The 2-D case: per kernel column, the output columns reading inside the row are one range. */
  private static void walk2d(ConvGeometry g, float[] x, int xOff, float[] col, int off, int ld,
      boolean back) {
    int h = g.in[0];
    int w = g.in[1];
    int oh = g.out[0];
    int ow = g.out[1];
    int sy = g.strides[0];
    int sx = g.strides[1];
    int kh = g.kernel[0];
    int kw = g.kernel[1];
    int row = 0;
    for (int ky = 0; ky < kh; ky++) {
      int rowShift = ky * g.dilations[0] - g.padBegin[0];
      for (int kx = 0; kx < kw; kx++, row++) {
        int shift = kx * g.dilations[1] - g.padBegin[1];
        int lo = shift >= 0 ? 0 : Math.min(ow, (-shift + sx - 1) / sx);
        int hi = Math.max(lo, Math.min(ow, (w - shift + sx - 1) / sx));
        int base = off + row * ld;
        for (int oy = 0; oy < oh; oy++) {
          int iy = oy * sy + rowShift;
          int d = base + oy * ow;
          if (iy < 0 || iy >= h) {
            if (!back) {
              java.util.Arrays.fill(col, d, d + ow, 0f);
            }
            continue;
          }
          int src = xOff + iy * w + shift;
          if (back) {
            for (int ox = lo; ox < hi; ox++) {
              x[src + ox * sx] += col[d + ox];
            }
          } else {
            for (int ox = 0; ox < lo; ox++) {
              col[d + ox] = 0f;
            }
            for (int ox = lo; ox < hi; ox++) {
              col[d + ox] = x[src + ox * sx];
            }
            for (int ox = hi; ox < ow; ox++) {
              col[d + ox] = 0f;
            }
          }
        }
      }
    }
  }

  /** Any spatial rank: odometers over kernel and output positions. */
  private static void walk(ConvGeometry g, float[] x, int xOff, float[] col, int off, int ld,
      boolean back) {
    int r = g.rank;
    int[] inStride = new int[r];
    int st = 1;
    for (int d = r - 1; d >= 0; d--) {
      inStride[d] = st;
      st *= g.in[d];
    }
    int[] k = new int[r];
    int[] o = new int[r];
    for (int kp = 0; kp < g.kernelSize; kp++) {
      java.util.Arrays.fill(o, 0);
      int base = off + kp * ld;
      for (int p = 0; p < g.outSize; p++) {
        int src = xOff;
        boolean inside = true;
        for (int d = 0; d < r; d++) {
          int i = o[d] * g.strides[d] - g.padBegin[d] + k[d] * g.dilations[d];
          inside &= i >= 0 && i < g.in[d];
          src += i * inStride[d];
        }
        if (back) {
          if (inside) {
            x[src] += col[base + p];
          }
        } else {
          col[base + p] = inside ? x[src] : 0f;
        }
        next(o, g.out);
      }
      next(k, g.kernel);
    }
  }

  private static void next(int[] idx, int[] dims) {
    for (int d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) {
        return;
      }
      idx[d] = 0;
    }
  }
}
