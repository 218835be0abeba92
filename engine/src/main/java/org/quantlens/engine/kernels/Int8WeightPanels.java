package org.quantlens.engine.kernels;

/**
 * A constant 8-bit weight matrix {@code [k][n]} (k inputs, n output columns) with per-column
 * scale and zero point, packed once into {@link Int8Gemm} panels of int8 bytes (one byte per
 * weight; the kernel widens them), and the product that turns a
 * block of quantized rows into float: {@code out[i][j] = (float) acc_ij * (s_a[i] * s_w[j])} with
 * {@code acc_ij = sum_p (qa_ip - za_i) (qw_pj - zw_j)} exact in int32.
 *
 * <p>Zero points never enter the inner loop. The activation's is already subtracted from A (its
 * operands are {@code qa - za}, see {@link RowQuantizer}), so no per-column weight sums are held
 * for it (they cost 4 bytes per output, 1/7 of a GRU's 28-input W); the weights' is applied
 * afterwards as {@code S - zw_j * rowA_i} (wrapping int32 like the accumulation), skipped when
 * every weight zero point is 0 (symmetric weights, the common case). The dequantization multiplies by {@code s_a * s_w} computed in float32, as ONNX
 * Runtime's quantized GEMM output processor does. All steps are exact or fixed-order float32, so
 * results equal those of the scalar kernels bit for bit. Immutable and thread-safe.
 */
public final class Int8WeightPanels {
  /** Products smaller than this many multiply-adds run on one thread (a fork costs more). */
  private static final long MIN_PARALLEL_MACS = 1 << 17;

  private final int k;
  private final int n;
  private final int nr;
  /**
   * int8 bytes (uint8 shifted by -128), {@code [panel][p][nr]}: a quarter of a float copy; or, for
   * weights read in place, the caller's row-major int8 matrix.
   */
  private final byte[] data;
  /** Where panel 0 starts in data, how far apart panels are, and rows within a panel. */
  private final int base;
  private final int panelStride;
  private final int rowStride;
  /** Widened zero point per column, or null when all are zero. */
  private final int[] zw;
  private final float[] scale;
  private final Int8Gemm gemm;
  private final Requantize rq;

  private Int8WeightPanels(int k, int n, int nr, byte[] data, int base, int panelStride,
      int rowStride, int[] zw, float[] scale, Int8Gemm gemm, Requantize rq) {
    this.k = k;
    this.n = n;
    this.nr = nr;
    this.data = data;
    this.base = base;
    this.panelStride = panelStride;
    this.rowStride = rowStride;
    this.zw = zw;
    this.scale = scale;
    this.gemm = gemm;
    this.rq = rq;
  }

  /**
   * Packs columns {@code [j0, j0 + n)} of the row-major matrix {@code w[off + p * ld + j]},
   * {@code p < k}.
   *
   * @param unsigned the bytes are uint8 (else int8)
   * @param scale per column, {@code scale[scaleOff + jj]} for column {@code j0 + jj}
   * @param zp raw zero points (uint8 or int8 values), per column like scale
   */
  public static Int8WeightPanels pack(byte[] w, int off, int ld, int j0, int k, int n,
      boolean unsigned, float[] scale, int scaleOff, int[] zp, int zpOff, Int8Gemm gemm,
      Requantize rq) {
    return pack(w, off, ld, j0, k, n, unsigned, scale, scaleOff, zp, zpOff, gemm, rq, false);
  }

  /**
   * As {@link #pack(byte[], int, int, int, int, int, boolean, float[], int, int[], int, Int8Gemm,
   * Requantize)}; with {@code inPlace}, int8 weights whose n is a whole number of panels are not
   * copied: the products read {@code w} where it is (it must not change afterwards), so a model's
   * int8 initializer is the only copy of its weights in memory.
   */
  public static Int8WeightPanels pack(byte[] w, int off, int ld, int j0, int k, int n,
      boolean unsigned, float[] scale, int scaleOff, int[] zp, int zpOff, Int8Gemm gemm,
      Requantize rq, boolean inPlace) {
    int nr = gemm.panelWidth();
    if (inPlace && !unsigned && n % nr == 0) {
      return finish(w, off + j0, nr, ld, k, n, nr, false, scale, scaleOff, zp, zpOff, gemm, rq);
    }
    int panels = (n + nr - 1) / nr;
    byte[] data = new byte[panels * k * nr];
    int flip = unsigned ? 0x80 : 0;
    for (int q = 0; q < panels; q++) {
      int c0 = q * nr;
      int width = Math.min(nr, n - c0);
      for (int p = 0; p < k; p++) {
        int src = off + p * ld + j0 + c0;
        int dst = (q * k + p) * nr;
        for (int jj = 0; jj < width; jj++) {
          data[dst + jj] = (byte) (w[src + jj] ^ flip);
        }
      }
    }
    return finish(data, 0, k * nr, nr, k, n, nr, unsigned, scale, scaleOff, zp, zpOff, gemm, rq);
  }

  private static Int8WeightPanels finish(byte[] data, int base, int panelStride, int rowStride,
      int k, int n, int nr, boolean unsigned, float[] scale, int scaleOff, int[] zp, int zpOff,
      Int8Gemm gemm, Requantize rq) {
    int shift = unsigned ? 128 : 0;
    int[] zw = new int[n];
    boolean zero = true;
    float[] s = new float[n];
    for (int j = 0; j < n; j++) {
      zw[j] = zp[zpOff + j] - shift;
      zero &= zw[j] == 0;
      s[j] = scale[scaleOff + j];
    }
    return new Int8WeightPanels(k, n, nr, data, base, panelStride, rowStride, zero ? null : zw, s,
        gemm, rq);
  }

  public int k() {
    return k;
  }

  public int n() {
    return n;
  }

  /**
   * Bytes of the arrays this object holds (weights, zero points, scales), without
   * object headers: what the packed weights cost in memory.
   */
  public long residentBytes() {
    long bytes = rowStride == nr ? data.length : (long) k * n; // in place: the part it reads
    return bytes + 4L * (scale.length + (zw == null ? 0 : zw.length));
  }

  /** Columns per packed panel: a product split by columns cuts at multiples of it. */
  public int panelWidth() {
    return nr;
  }

  /** Columns of the int32 scratch rows {@link #multiply} needs (n rounded up to the panel width). */
  public int paddedWidth() {
    return (n + nr - 1) / nr * nr;
  }

  /**
   * Rows {@code [0, rows)}: {@code out[outOff + i * ldo + j] = (float) acc_ij * (aScale[i] *
   * scale_j)} for {@code j < n}.
   *
   * @param a A less its zero points, {@code qa - za} (row i at {@code i * k}), with its row sums
   *     and scales, as {@link RowQuantizer#quantizeRows} leaves them
   * @param acc scratch of {@code rows * paddedWidth()} ints
   * @param rowScale scratch of n floats
   */
  public void multiply(int rows, float[] a, int[] aSums, float[] aScale, int[] acc,
      float[] rowScale, float[] out, int outOff, int ldo) {
    multiply(Parallel.SERIAL, rows, a, aSums, aScale, acc, rowScale, out, outOff, ldo);
  }

  /**
   * As {@link #multiply(int, float[], int[], float[], int[], float[], float[], int, int)},
   * the integer product split over groups of panels on {@code par} when it is large enough (each
   * panel is computed whole by one task, so results do not depend on the split).
   */
  public void multiply(Parallel par, int rows, float[] a, int[] aSums, float[] aScale,
      int[] acc, float[] rowScale, float[] out, int outOff, int ldo) {
    multiply(par, rows, a, aSums, aScale, acc, rowScale, out, outOff, ldo, null, 0);
  }

  /** Floats of a widened copy of the weights ({@link #widen}): {@code k * paddedWidth()}. */
  public int widenedSize() {
    return k * paddedWidth();
  }

  /**
   * Writes the weights as floats into {@code dst[dstOff, dstOff + widenedSize())}, packed as
   * panels of the kernel's width, for {@link #multiply(Parallel, int, float[], int[], float[],
   * int[], float[], float[], int, int, float[], int) multiply} to read instead of the bytes.
   * Columns past n are 0.
   */
  public void widen(float[] dst, int dstOff) {
    if (rowStride == nr && panelStride == k * nr) {
      gemm.widen(data, base, dst, dstOff, widenedSize()); // packed: one run of bytes
      return;
    }
    for (int q = 0, o = dstOff; q < paddedWidth() / nr; q++) {
      for (int p = 0; p < k; p++, o += nr) {
        gemm.widen(data, base + q * panelStride + p * rowStride, dst, o, nr);
      }
    }
  }

  /**
   * As {@link #multiply(Parallel, int, float[], int[], float[], int[], float[], float[], int, int)}
   * with the weights read from {@code widened} at {@code wOff}, a copy {@link #widen} wrote (null:
   * from the bytes). Same results bit for bit: products and block sums are exact either way.
   */
  public void multiply(Parallel par, int rows, float[] a, int[] aSums, float[] aScale,
      int[] acc, float[] rowScale, float[] out, int outOff, int ldo, float[] widened, int wOff) {
    int ldc = paddedWidth();
    int panels = ldc / nr;
    int groups = par.threads() > 1 && (long) rows * k * ldc >= MIN_PARALLEL_MACS
        ? Math.min(panels, 2 * par.threads()) : 1;
    if (groups == 1) {
      productPanels(0, panels, rows, a, acc, widened, wOff);
    } else {
      par.forRange(groups, gi -> productPanels(panels * gi / groups, panels * (gi + 1) / groups,
          rows, a, acc, widened, wOff));
    }
    for (int i = 0; i < rows; i++) {
      int o = i * ldc;
      if (zw != null) {
        rq.addScaled(acc, o, n, -aSums[i], zw, 0);
      }
      float sa = aScale[i];
      for (int j = 0; j < n; j++) {
        rowScale[j] = sa * scale[j];
      }
      rq.toFloatColumns(acc, o, n, rowScale, 0, null, 0, out, outOff + i * ldo);
    }
  }

  /**
   * Columns {@code [j0, j1)} of a one-row {@link #multiply multiply} into {@code out[outOff + j]},
   * j0 a multiple of {@link #panelWidth()} and j1 one too or n: a step split among threads by
   * columns. Each column is computed exactly as the whole product computes it.
   *
   * @param a the row, less its zero point, with its sum and scale
   * @param acc scratch of {@link #paddedWidth()} ints (columns j0.. are used)
   * @param rowScale scratch of n floats
   * @param widened a copy {@link #widen} wrote, at {@code wOff}, or null for the bytes
   */
  public void multiplyColumns(int j0, int j1, float[] a, int aSum, float aScale, int[] acc,
      float[] rowScale, float[] out, int outOff, float[] widened, int wOff) {
    if (j0 % nr != 0 || j0 < 0 || j1 > n || j1 % nr != 0 && j1 != n || j0 > j1) {
      throw new IllegalArgumentException("columns [" + j0 + ", " + j1 + ") of " + n
          + " in panels of " + nr);
    }
    productPanels(j0 / nr, (j1 + nr - 1) / nr, 1, a, acc, widened, wOff);
    if (zw != null) {
      rq.addScaled(acc, j0, j1 - j0, -aSum, zw, j0);
    }
    for (int j = j0; j < j1; j++) {
      rowScale[j] = aScale * scale[j];
    }
    rq.toFloatColumns(acc, j0, j1 - j0, rowScale, j0, null, 0, out, outOff + j0);
  }

  /** The int32 product of panels [q0, q1) into their columns of acc. */
  private void productPanels(int q0, int q1, int rows, float[] a, int[] acc, float[] widened,
      int wOff) {
    int ldc = paddedWidth();
    if (rows == 1 && k > 0 && widened != null) {
      gemm.multiplyPanelsRow(q1 - q0, k, a, 0, widened, wOff + q0 * k * nr, k * nr, nr, acc, q0 * nr);
    } else if (rows == 1 && k > 0) {
      gemm.multiplyPanelsRow(q1 - q0, k, a, 0, data, base + q0 * panelStride, panelStride, rowStride,
          acc, q0 * nr);
    } else {
      for (int q = q0; q < q1; q++) {
        if (widened != null) {
          gemm.multiply(rows, nr, k, a, 0, k, widened, wOff + q * k * nr, nr, acc, q * nr, ldc);
        } else {
          gemm.multiply(rows, nr, k, a, 0, k, data, base + q * panelStride, rowStride, acc, q * nr, ldc);
        }
      }
    }
  }
}
