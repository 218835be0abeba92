package org.quantlens.engine.kernels;

/**
 * Im2col for the quantized convolutions, on {@link Int8Gemm} operands: the input image is first
 * widened once into zero-point-padded float planes ({@link #padImage}), then each task copies the
 * patch rows of its tile of output positions ({@link #tile}) into a row-major
 * {@code [channels * kernelSize][width]} matrix. Padding holds the widened input zero point, so
 * padded taps contribute {@code (w - zw) * 0} like ONNX's zero padding of {@code x - x_zero_point}.
 */
public final class QuantIm2col {
  private QuantIm2col() {}

  /** Floats one padded image of {@code channels} planes takes. */
  public static int paddedSize(QuantConvGeometry g, int channels) {
    long n = channels;
    for (int i = 0; i < g.rank; i++) {
      n *= g.padded(i);
    }
    return Math.toIntExact(n);
  }

  /**
   * Widens channels {@code [c0, c1)} of the image at {@code x[xOff]} (each {@code g.inSize} long)
   * into padded planes in {@code dst} (plane c at {@code dstOff + c * planeSize}); padding gets
   * {@code padValue} (the widened zero point).
   */
  public static void padImage(QuantConvGeometry g, byte[] x, int xOff, boolean unsigned, int c0, int c1,
      float padValue, float[] dst, int dstOff) {
    int plane = paddedSize(g, 1);
    int lastIn = g.in[g.rank - 1];
    int lastPad = g.padded(g.rank - 1);
    int rows = g.inSize / Math.max(1, lastIn); // input rows along the last dimension
    QuantizeKernels qk = QuantizeKernels.get();
    int[] idx = new int[g.rank];
    for (int c = c0; c < c1; c++) {
      int base = dstOff + c * plane;
      java.util.Arrays.fill(dst, base, base + plane, padValue);
      if (lastIn == 0) {
        continue;
      }
      java.util.Arrays.fill(idx, 0);
      for (int r = 0; r < rows; r++) {
        int o = base;
        int stride = 1;
        for (int d = g.rank - 1; d >= 0; d--) {
          int pos = d == g.rank - 1 ? g.padBegin[d] : idx[d] + g.padBegin[d];
          o += pos * stride;
          stride *= g.padded(d);
        }
        qk.widen(x, xOff + c * g.inSize + r * lastIn, lastIn, unsigned, dst, o);
        for (int d = g.rank - 2; d >= 0; d--) {
          if (++idx[d] < g.in[d]) {
            break;
          }
          idx[d] = 0;
        }
      }
    }
  }

  /**
   * Patch matrix of output positions {@code [p0, p1)} for {@code channels} padded planes starting
   * at {@code src[srcOff]}: row {@code c * kernelSize + kernelPosition}, column {@code p - p0},
   * row length {@code width} (&gt;= p1 - p0; extra columns are set to 0).
   */
  public static void tile(QuantConvGeometry g, float[] src, int srcOff, int channels, int p0, int p1,
      float[] col, int width) {
    if (g.rank == 2) {
      tile2d(g, src, srcOff, channels, p0, p1, col, width);
    } else if (g.rank == 1) {
      tile1d(g, src, srcOff, channels, p0, p1, col, width);
    } else {
      tileNd(g, src, srcOff, channels, p0, p1, col, width);
    }
  }

  private static void tile2d(QuantConvGeometry g, float[] src, int srcOff, int channels, int p0, int p1,
      float[] col, int width) {
    int ow = g.out[1];
    int pw = g.padded(1);
    int plane = g.padded(0) * pw;
    int sy = g.strides[0];
    int sx = g.strides[1];
    int kh = g.kernel[0];
    int kw = g.kernel[1];
    int len = p1 - p0;
    int row = 0;
    for (int c = 0; c < channels; c++) {
      int cb = srcOff + c * plane;
      for (int ky = 0; ky < kh; ky++) {
        for (int kx = 0; kx < kw; kx++, row++) {
          int dst = row * width;
          int koff = cb + ky * g.dilations[0] * pw + kx * g.dilations[1];
          int p = p0;
          while (p < p1) {
            int oy = p / ow;
            int ox = p - oy * ow;
            int run = Math.min(p1 - p, ow - ox);
            int s = koff + oy * sy * pw + ox * sx;
            int d = dst + (p - p0);
            if (sx == 1) {
              System.arraycopy(src, s, col, d, run);
            } else {
              for (int t = 0; t < run; t++) {
                col[d + t] = src[s + t * sx];
              }
            }
            p += run;
          }
          for (int t = len; t < width; t++) {
            col[dst + t] = 0;
          }
        }
      }
    }
  }

  private static void tile1d(QuantConvGeometry g, float[] src, int srcOff, int channels, int p0, int p1,
      float[] col, int width) {
    int plane = g.padded(0);
    int sx = g.strides[0];
    int len = p1 - p0;
    int row = 0;
    for (int c = 0; c < channels; c++) {
      for (int kx = 0; kx < g.kernel[0]; kx++, row++) {
        int s = srcOff + c * plane + kx * g.dilations[0] + p0 * sx;
        int dst = row * width;
        for (int t = 0; t < len; t++) {
          col[dst + t] = src[s + t * sx];
        }
        for (int t = len; t < width; t++) {
          col[dst + t] = 0;
        }
      }
    }
  }

  private static void tileNd(QuantConvGeometry g, float[] src, int srcOff, int channels, int p0, int p1,
      float[] col, int width) {
    int r = g.rank;
    int[] pstride = new int[r];
    int st = 1;
    for (int d = r - 1; d >= 0; d--) {
      pstride[d] = st;
      st *= g.padded(d);
    }
    int plane = st;
    int[] k = new int[r];
    int[] o = new int[r];
    int len = p1 - p0;
    int row = 0;
    for (int c = 0; c < channels; c++) {
      java.util.Arrays.fill(k, 0);
      for (int kp = 0; kp < g.kernelSize; kp++, row++) {
        int koff = srcOff + c * plane;
        for (int d = 0; d < r; d++) {
          koff += k[d] * g.dilations[d] * pstride[d];
        }
        int rem = p0;
        for (int d = r - 1; d >= 0; d--) {
          o[d] = rem % g.out[d];
          rem /= g.out[d];
        }
        int dst = row * width;
        for (int p = p0; p < p1; p++) {
          int s = koff;
          for (int d = 0; d < r; d++) {
            s += o[d] * g.strides[d] * pstride[d];
          }
          col[dst + p - p0] = src[s];
          for (int d = r - 1; d >= 0; d--) {
            if (++o[d] < g.out[d]) {
              break;
            }
            o[d] = 0;
          }
        }
        for (int t = len; t < width; t++) {
          col[dst + t] = 0;
        }
        for (int d = r - 1; d >= 0; d--) {
          if (++k[d] < g.kernel[d]) {
            break;
          }
          k[d] = 0;
        }
      }
    }
  }
}
