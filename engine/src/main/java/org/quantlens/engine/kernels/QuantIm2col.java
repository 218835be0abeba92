package org.quantlens.engine.kernels;

/**
 * Im2col for the quantized convolutions, on {@link Int8Gemm} operands: the input image is first
 * widened once into zero-point-padded float planes ({@link #padImage}), then each task copies the
 * patch rows of its tile of output positions ({@link #tile}) straight into {@link Int8Gemm}'s
 * packed-panel layout: column {@code t} of patch row {@code r} at
 * {@code (t / nr) * rows * nr + r * nr + t % nr} (B rows {@code nr} apart keep the kernel fast). Padding holds the widened input zero point, so
 * padded taps contribute {@code (w - zw) * 0} like ONNX's zero padding of {@code x - x_zero_point}.
 */
public final class QuantIm2col {
  private QuantIm2col() {}

  /** Floats one padded image of {@code channels} planes takes. */
  public static int paddedSize(ConvGeometry g, int channels) {
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
  public static void padImage(ConvGeometry g, byte[] x, int xOff, boolean unsigned, int c0, int c1,
      float padValue, float[] dst, int dstOff) {
    if (g.rank == 2) {
      padImage2d(g, x, xOff, unsigned, c0, c1, padValue, dst, dstOff);
      return;
    }
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
   * {@link #padImage} in 2-D: the interior rows widened in one kernel call per plane, and only the
   * border (top and bottom rows, left and right columns) filled with the pad value; no allocation.
   */
  private static void padImage2d(ConvGeometry g, byte[] x, int xOff, boolean unsigned, int c0, int c1,
      float padValue, float[] dst, int dstOff) {
    int ih = g.in[0];
    int iw = g.in[1];
    int pw = g.padded(1);
    int plane = g.padded(0) * pw;
    int top = g.padBegin[0] * pw;
    int left = g.padBegin[1];
    int right = g.padEnd[1];
    QuantizeKernels qk = QuantizeKernels.get();
    for (int c = c0; c < c1; c++) {
      int base = dstOff + c * plane;
      java.util.Arrays.fill(dst, base, base + top, padValue);
      if (left > 0 || right > 0) {
        for (int r = 0, o = base + top; r < ih; r++, o += pw) {
          java.util.Arrays.fill(dst, o, o + left, padValue);
          java.util.Arrays.fill(dst, o + left + iw, o + pw, padValue);
        }
      }
      qk.widenRows(x, xOff + c * g.inSize, ih, iw, unsigned, dst, base + top + left, pw);
      java.util.Arrays.fill(dst, base + top + ih * pw, base + plane, padValue);
    }
  }

  /**
   * Patch matrix of output positions {@code [p0, p1)} for {@code channels} padded planes starting
   * at {@code src[srcOff]}: row {@code c * kernelSize + kernelPosition}, column {@code p - p0}, in
   * panels of {@code nr} columns; {@code width} (a multiple of nr, &gt;= p1 - p0) columns are
   * written, the extra ones 0.
   */
  public static void tile(ConvGeometry g, float[] src, int srcOff, int channels, int p0, int p1,
      float[] col, int width, int nr) {
    // the layout passed as plain values: an object holding it was allocated on every call at
    // batch 64 (7.7 KB per int8 ResNet-20 run)
    int rows = channels * g.kernelSize;
    if (g.rank == 2) {
      tile2d(g, src, srcOff, channels, p0, p1, col, rows, nr);
    } else if (g.rank == 1) {
      tile1d(g, src, srcOff, channels, p0, p1, col, rows, nr);
    } else {
      tileNd(g, src, srcOff, channels, p0, p1, col, rows, nr);
    }
    zeroColumns(col, rows, nr, p1 - p0, width);
  }

  /** Index of row r, column t of the packed-panel layout ({@code rows} rows, panels of nr). */
  private static int index(int rows, int nr, int r, int t) {
    return (t / nr) * rows * nr + r * nr + t % nr;
  }

  /**
   * {@code len} values from {@code src[s]} (stride {@code step}) into row r from column t of the
   * packed panels in {@code col}.
   */
  private static void run(float[] col, int rows, int nr, int r, int t, float[] src, int s, int step,
      int len) {
    while (len > 0) {
      int o = t % nr;
      int cnt = Math.min(len, nr - o);
      int d = (t / nr) * rows * nr + r * nr + o;
      if (step == 1) {
        System.arraycopy(src, s, col, d, cnt);
      } else {
        for (int i = 0; i < cnt; i++) {
          col[d + i] = src[s + i * step];
        }
      }
      s += cnt * step;
      t += cnt;
      len -= cnt;
    }
  }

  private static void zeroColumns(float[] col, int rows, int nr, int from, int to) {
    for (int t = from; t < to; t++) {
      for (int r = 0; r < rows; r++) {
        col[index(rows, nr, r, t)] = 0;
      }
    }
  }

  private static void tile2d(ConvGeometry g, float[] src, int srcOff, int channels, int p0, int p1,
      float[] col, int rows, int nr) {
    int ow = g.out[1];
    int pw = g.padded(1);
    int plane = g.padded(0) * pw;
    int sy = g.strides[0];
    int sx = g.strides[1];
    int kh = g.kernel[0];
    int kw = g.kernel[1];
    int row = 0;
    for (int c = 0; c < channels; c++) {
      int cb = srcOff + c * plane;
      for (int ky = 0; ky < kh; ky++) {
        for (int kx = 0; kx < kw; kx++, row++) {
          int koff = cb + ky * g.dilations[0] * pw + kx * g.dilations[1];
          int p = p0;
          while (p < p1) {
            int oy = p / ow;
            int ox = p - oy * ow;
            int run = Math.min(p1 - p, ow - ox);
            run(col, rows, nr, row, p - p0, src, koff + oy * sy * pw + ox * sx, sx, run);
            p += run;
          }
        }
      }
    }
  }

  private static void tile1d(ConvGeometry g, float[] src, int srcOff, int channels, int p0, int p1,
      float[] col, int rows, int nr) {
    int plane = g.padded(0);
    int sx = g.strides[0];
    int row = 0;
    for (int c = 0; c < channels; c++) {
      for (int kx = 0; kx < g.kernel[0]; kx++, row++) {
        run(col, rows, nr, row, 0, src, srcOff + c * plane + kx * g.dilations[0] + p0 * sx, sx, p1 - p0);
      }
    }
  }

  private static void tileNd(ConvGeometry g, float[] src, int srcOff, int channels, int p0, int p1,
      float[] col, int rows, int nr) {
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
        for (int p = p0; p < p1; p++) {
          int s = koff;
          for (int d = 0; d < r; d++) {
            s += o[d] * g.strides[d] * pstride[d];
          }
          col[index(rows, nr, row, p - p0)] = src[s];
          for (int d = r - 1; d >= 0; d--) {
            if (++o[d] < g.out[d]) {
              break;
            }
            o[d] = 0;
          }
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
