package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.Int8Gemm;
import org.quantlens.engine.kernels.QuantScratch;
import org.quantlens.engine.kernels.QuantizeKernels;
import org.quantlens.engine.kernels.Requantize;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The int8 matrix product behind MatMulInteger, QLinearMatMul, QGemm, MatMulIntegerToFloat and
 * DynamicQuantizeMatMul: {@code Y[i][j] = sum_p (A[i][p] - za_i) (B[p][j] - zb_j)}, computed as
 * {@code S - zb_j * rowA_i - za_i * (colB_j - K zb_j)} from the raw product S of the widened
 * operands (uint8 shifted by -128, its zero point too), so zero points never enter the inner
 * loop. B is packed into {@link Int8Gemm#panelWidth()}-column int8 panels with its column sums,
 * once at load when constant. Work is split over (row block, panel range) tiles; each output is
 * computed by one task, exactly, so results do not depend on the thread count.
 */
final class QuantMatMul {
  private static final int ROW_BLOCK = 64;
  /** Rows from which a shared transposed B is read from its packed panel copy. */
  static final int PANEL_ROWS = 8;
  /** Accumulators per block of panels a task computes before its epilogue (64 KB: L2-resident). */
  private static final int GROUP_INTS = 16 * 1024;
  private static final long MIN_PARALLEL_MACS = 1 << 17;

  private QuantMatMul() {}

  /** The value subtracted from 8-bit data to widen it: 128 for uint8, 0 for int8. */
  static int shift(boolean unsigned) {
    return unsigned ? 128 : 0;
  }

  /**
   * B as int8 bytes with column sums, in one of two layouts. Packed: uint8 shifted by -128, in
   * panels of {@code nr} columns ({@code [panel][p][nr]}, zero padded), a copy made once. Shared:
   * a constant int8 B read where it is stored ({@code [k][n]}, or {@code [n][k]} when transposed,
   * from {@code off}), so the session holds the weights once instead of the initializer plus a copy.
   */
  static final class PackedB {
    final int k;
    final int n;
    final int nr;
    final byte[] data;
    final int[] colSums;
    /** Shared layouts only: where B starts in {@link #data}; -1 when packed. */
    private final int off;
    private final boolean trans;
    /**
     * A shared {@code [n][k]} B packed into panels ({@code [panel][p][nr]}), made on the first
     * product of {@link #PANEL_ROWS}+ rows. Those products read panels: from the transposed rows
     * the kernel re-transposed every K block of every panel per call, scalar (a fifth of a batch-64
     * MLP). Batch 1 keeps reading the rows in place (faster there), so a model run only at batch 1
     * never holds the copy. Racy initialization is benign: every thread packs the same bytes.
     */
    private volatile byte[] panelCopy;

    private PackedB(int k, int n, int nr, byte[] data, int[] colSums, int off, boolean trans) {
      this.k = k;
      this.n = n;
      this.nr = nr;
      this.data = data;
      this.colSums = colSums;
      this.off = off;
      this.trans = trans;
    }

    int panels() {
      return (n + nr - 1) / nr;
    }

    /**
     * {@code acc[r * nr + jj] = sum_p a[aOff + r * k + p] * B[p][j0 + jj]} for {@code r < rows},
     * {@code jj < min(nr, n - j0)}, where {@code j0 = q * nr}.
     */
    void multiplyPanel(Int8Gemm gemm, int q, int rows, float[] a, int aOff, int[] acc) {
      multiplyPanel(gemm, q, rows, a, aOff, acc, 0, nr);
    }

    /**
     * As {@link #multiplyPanel(Int8Gemm, int, int, float[], int, int[])} into {@code acc[accOff + r
     * * ldc + jj]}: panels side by side in one accumulator block (up to nr columns are written,
     * past n as well when B is packed).
     */
    void multiplyPanel(Int8Gemm gemm, int q, int rows, float[] a, int aOff, int[] acc, int accOff, int ldc) {
      int j0 = q * nr;
      if (off < 0) {
        gemm.multiply(rows, nr, k, a, aOff, k, data, q * k * nr, nr, acc, accOff, ldc);
      } else if (trans && rows >= PANEL_ROWS) {
        gemm.multiply(rows, nr, k, a, aOff, k, panelCopy(), q * k * nr, nr, acc, accOff, ldc);
      } else if (trans) {
        gemm.multiplyTransposed(rows, Math.min(nr, n - j0), k, a, aOff, k, data, off + j0 * k, k, acc, accOff, ldc);
      } else {
        gemm.multiply(rows, Math.min(nr, n - j0), k, a, aOff, k, data, off + j0, n, acc, accOff, ldc);
      }
    }

    /**
     * Panels one kernel call covers for {@code rows} rows: all of them for one row on a shared B.
     * {@code [k][n]}: the kernel then reads each B row as one contiguous run instead of a 16-byte
     * slice per panel (a new page per step when n is 4096: batch 1 ran at half the float kernel's
     * rate; with 1024-column runs at about par, with whole rows at 1.9x). {@code [n][k]}: the
     * kernel reads B as four long sequential streams. Else 1.
     */
    int span(int rows) {
      return rows == 1 && off >= 0 ? panels() : 1;
    }

    /**
     * {@link #multiplyPanel} for one row and panels {@code [q, q + count)}: {@code acc[jj]} for
     * columns {@code q * nr + jj}, {@code jj < min(count * nr, n - q * nr)}.
     */
    void multiplyPanels(Int8Gemm gemm, int q, int count, float[] a, int aOff, int[] acc) {
      if (count == 1) {
        multiplyPanel(gemm, q, 1, a, aOff, acc);
        return;
      }
      int j0 = q * nr;
      int w = Math.min(count * nr, n - j0);
      if (trans) {
        gemm.multiplyTransposed(1, w, k, a, aOff, k, data, off + j0 * k, k, acc, 0, count * nr);
      } else {
        gemm.multiply(1, w, k, a, aOff, k, data, off + j0, n, acc, 0, count * nr);
      }
    }

    /** The panels of a shared transposed B, packed on first use. */
    private byte[] panelCopy() {
      byte[] p = panelCopy;
      if (p == null) {
        p = new byte[panels() * k * nr];
        for (int j = 0; j < n; j++) {
          int src = off + j * k;
          int dst = j / nr * k * nr + j % nr;
          for (int pp = 0; pp < k; pp++) {
            p[dst + pp * nr] = data[src + pp];
          }
        }
        panelCopy = p;
      }
      return p;
    }

    /**
     * Bytes this object holds beyond a shared B: the packed copy (if any, including one made for
     * batched products) and the column sums.
     */
    long ownedBytes() {
      byte[] copy = panelCopy;
      return (off < 0 ? data.length : 0) + (copy == null ? 0 : copy.length) + 4L * colSums.length;
    }

    /**
     * A constant signed B ({@code int8}, {@code [k][n]} or {@code [n][k]} when {@code trans}) used
     * in place: only its column sums are computed. The array must never be written afterwards.
     */
    static PackedB share(byte[] b, int off, boolean trans, int k, int n, int nr) {
      int[] sums = new int[n];
      for (int j = 0; j < n; j++) {
        int s = 0;
        for (int p = 0; p < k; p++) {
          s += b[off + (trans ? j * k + p : p * n + j)];
        }
        sums[j] = s;
      }
      return new PackedB(k, n, nr, b, sums, off, trans);
    }

    /** Packs B {@code [k][n]} (or {@code [n][k]} when {@code trans}) from {@code b[off..]}. */
    static PackedB pack(byte[] b, int off, boolean unsigned, boolean trans, int k, int n, int nr,
        byte[] into, int[] sumsInto) {
      int panels = (n + nr - 1) / nr;
      byte[] d = into != null ? into : new byte[panels * k * nr];
      int[] sums = sumsInto != null ? sumsInto : new int[n];
      Arrays.fill(sums, 0, n, 0);
      int flip = unsigned ? 0x80 : 0;
      for (int q = 0; q < panels; q++) {
        int j0 = q * nr;
        int w = Math.min(nr, n - j0);
        int base = q * k * nr;
        for (int p = 0; p < k; p++) {
          int o = base + p * nr;
          for (int jj = 0; jj < w; jj++) {
            byte v = (byte) (b[off + (trans ? (j0 + jj) * k + p : p * n + j0 + jj)] ^ flip);
            d[o + jj] = v;
            sums[j0 + jj] += v;
          }
          Arrays.fill(d, o + w, o + nr, (byte) 0);
        }
      }
      return new PackedB(k, n, nr, d, sums, -1, false);
    }
  }

  /** B's zero points, widened, with {@code d_j = colB_j - K zb_j}. */
  static final class ZeroB {
    /** Null when {@link #zero} and held by an op (never read then). */
    final int[] zb;
    final int[] d;
    final boolean zero;

    ZeroB(int[] zb, int[] d, boolean zero) {
      this.zb = zb;
      this.d = d;
      this.zero = zero;
    }

    /** From raw zero points ({@code raw.length} 1 or n, offset {@code rawOff}). */
    static ZeroB of(PackedB b, int[] raw, int rawOff, int rawLen, boolean unsigned, int[] zbInto, int[] dInto) {
      int n = b.n;
      boolean zero = true;
      for (int j = 0; j < n; j++) {
        zero &= raw[rawOff + (rawLen == 1 ? 0 : j)] - shift(unsigned) == 0;
      }
      if (zero && zbInto == null && dInto == null) {
        return new ZeroB(null, b.colSums, true); // held with the op: d is B's column sums, zb unused
      }
      int[] zb = zbInto != null ? zbInto : new int[n];
      int[] d = dInto != null ? dInto : new int[n];
      for (int j = 0; j < n; j++) {
        zb[j] = raw[rawOff + (rawLen == 1 ? 0 : j)] - shift(unsigned);
        d[j] = b.colSums[j] - b.k * zb[j];
      }
      return new ZeroB(zb, d, zero);
    }
  }

  /** What becomes of the corrected int32 results. */
  static final class Epilogue {
    enum Mode { INT32, QUANT, FLOAT }

    final Mode mode;
    /** Per output column (length &gt;= n): the requantization or float scale. */
    final float[] scale;
    final int zp;
    final int lo;
    final int hi;
    /** Float mode: per-column bias or null; activation applied to float results. */
    final float[] floatBias;
    final FusedActivation activation;
    /** Quant mode with saturation counting on: the counting, else null. */
    final RequantizeCounting counting;

    private Epilogue(Mode mode, float[] scale, int zp, int lo, int hi, float[] floatBias, FusedActivation act) {
      this(mode, scale, zp, lo, hi, floatBias, act, null);
    }

    private Epilogue(Mode mode, float[] scale, int zp, int lo, int hi, float[] floatBias, FusedActivation act,
        RequantizeCounting counting) {
      this.mode = mode;
      this.scale = scale;
      this.zp = zp;
      this.lo = lo;
      this.hi = hi;
      this.floatBias = floatBias;
      this.activation = act;
      this.counting = counting;
    }

    static Epilogue int32() {
      return new Epilogue(Mode.INT32, null, 0, 0, 0, null, FusedActivation.NONE);
    }

    static Epilogue quant(float[] scale, int zp, int lo, int hi) {
      return quant(scale, zp, lo, hi, null);
    }

    /** Quantized output, saturation counted by {@code counting} when not null. */
    static Epilogue quant(float[] scale, int zp, int lo, int hi, RequantizeCounting counting) {
      return new Epilogue(Mode.QUANT, scale, zp, lo, hi, null, FusedActivation.NONE, counting);
    }

    static Epilogue toFloat(float[] scale, float[] bias, FusedActivation act) {
      return new Epilogue(Mode.FLOAT, scale, 0, 0, 0, bias, act);
    }
  }

  /** An int32 addend broadcast to (M, N): QGemm's C. */
  static final class IntBias {
    final int[] data;
    final int rowStride;
    final int colStride;

    IntBias(int[] data, int rowStride, int colStride) {
      this.data = data;
      this.rowStride = rowStride;
      this.colStride = colStride;
    }

    /** C of shape (), (N), (1, N), (M, 1) or (M, N), or an error. */
    static IntBias of(Tensor c, int m, int n, String where) {
      int[] d = c.ints();
      if (c.size() == 1) {
        return new IntBias(d, 0, 0);
      }
      int r = c.rank(); // dims read one by one: shape() would copy them on every run
      if (r == 1 && c.dim(0) == n || r == 2 && c.dim(0) == 1 && c.dim(1) == n) {
        return new IntBias(d, 0, 1);
      }
      if (r == 2 && c.dim(0) == m && c.dim(1) == 1) {
        return new IntBias(d, 1, 0);
      }
      if (r == 2 && c.dim(0) == m && c.dim(1) == n) {
        return new IntBias(d, n, 1);
      }
      throw new ShapeMismatchException(where + ": C of shape " + Arrays.toString(c.shape())
          + " does not broadcast to (" + m + ", " + n + ")");
    }
  }

  /**
   * Widens A rows {@code [m][k]} (or {@code [k][m]} when {@code trans}) into {@code dst} and their
   * sums into {@code rowSums}.
   */
  static void widenA(byte[] a, int off, int m, int k, boolean unsigned, boolean trans, float[] dst,
      int[] rowSums) {
    QuantizeKernels qk = QuantizeKernels.get();
    if (!trans) {
      for (int i = 0; i < m; i++) {
        rowSums[i] = qk.widen(a, off + i * k, k, unsigned, dst, i * k);
      }
      return;
    }
    int flip = unsigned ? 0x80 : 0;
    for (int i = 0; i < m; i++) {
      int s = 0;
      for (int p = 0; p < k; p++) {
        int v = (byte) (a[off + p * m + i] ^ flip);
        dst[i * k + p] = v;
        s += v;
      }
      rowSums[i] = s;
    }
  }

  /**
   * Computes rows {@code [0, m)} of one product into {@code out} (int[], byte[] or float[],
   * row-major {@code [m][n]} from {@code outOff}).
   *
   * @param a widened A, row i at {@code aOff + i * k}
   * @param rowSums sums of widened A rows, row i at {@code rsOff + i}
   * @param za widened per-tensor zero point of A, used when {@code zaRows} is null
   * @param zaRows widened per-row zero points of A (row i at {@code zaOff + i}) or null
   * @param c QGemm's int32 addend or null
   */
  static void multiply(ExecContext ex, float[] a, int aOff, int[] rowSums, int rsOff, int m,
      int za, int[] zaRows, int zaOff, PackedB b, ZeroB zb, IntBias c, Epilogue e, Object out,
      int outOff) {
    int k = b.k;
    int n = b.n;
    int panels = b.panels();
    int rowBlocks = (m + ROW_BLOCK - 1) / ROW_BLOCK;
    long macs = (long) m * n * Math.max(1, k);
    int tasks = 1;
    int groups = 1;
    if (ex.threads() > 1 && macs >= MIN_PARALLEL_MACS) {
      int want = ex.threads() * 2;
      groups = Math.max(1, Math.min(panels, (want + rowBlocks - 1) / rowBlocks));
      tasks = rowBlocks * groups;
    }
    int tasksFinal = tasks;
    int groupsFinal = groups;
    Int8Gemm gemm = Int8Gemm.get();
    Requantize rq = Requantize.get();
    java.util.function.IntConsumer body = t -> {
      int rb = t / groupsFinal;
      int g = t % groupsFinal;
      int i0 = rb * ROW_BLOCK;
      int i1 = tasksFinal == 1 ? m : Math.min(m, i0 + ROW_BLOCK);
      int q0 = (int) ((long) panels * g / groupsFinal);
      int q1 = tasksFinal == 1 ? panels : (int) ((long) panels * (g + 1) / groupsFinal);
      int rows = i1 - i0;
      int nr = b.nr;
      int span = b.span(rows);
      if (span == 1) {
        // several panels side by side per accumulator block: the zero-point, bias and
        // requantization steps then run once per row over all their columns, not per panel
        int group = Math.max(1, Math.min(q1 - q0, GROUP_INTS / (rows * nr)));
        int ldc = group * nr;
        int[] acc = QuantScratch.ints(QuantScratch.TASK_A, rows * ldc);
        for (int qs = q0; qs < q1; qs += group) {
          int count = Math.min(group, q1 - qs);
          for (int q = qs; q < qs + count; q++) {
            b.multiplyPanel(gemm, q, rows, a, aOff + i0 * k, acc, (q - qs) * nr, ldc);
          }
          int j0 = qs * nr;
          int w = Math.min(count * nr, n - j0);
          for (int r = 0; r < rows; r++) {
            finish(rq, acc, r * ldc, w, i0 + r, j0, rowSums, rsOff, za, zaRows, zaOff, zb, c, e, out,
                outOff + (i0 + r) * n);
          }
        }
        return;
      }
      int[] acc = QuantScratch.ints(QuantScratch.TASK_A, rows * nr * span);
      for (int q = q0; q < q1; q++) {
        int j0 = q * nr;
        int w = Math.min(nr, n - j0);
        int slot = (q - q0) % span; // which panel of the span acc holds (one row)
        if (slot == 0) {
          b.multiplyPanels(gemm, q, Math.min(span, q1 - q), a, aOff + i0 * k, acc);
        }
        finish(rq, acc, slot * nr, w, i0, j0, rowSums, rsOff, za, zaRows, zaOff, zb, c, e, out, outOff + i0 * n);
      }
    };
    if (tasks == 1) {
      body.accept(0);
    } else {
      ex.forRange(tasks, body);
    }
  }

  /**
   * Row i's {@code w} accumulators at {@code acc[o]} (columns from j0): zero-point corrections,
   * C, then the epilogue into the output row starting at {@code rowOut}.
   */
  private static void finish(Requantize rq, int[] acc, int o, int w, int i, int j0, int[] rowSums, int rsOff,
      int za, int[] zaRows, int zaOff, ZeroB zb, IntBias c, Epilogue e, Object out, int rowOut) {
    if (!zb.zero) {
      rq.addScaled(acc, o, w, -rowSums[rsOff + i], zb.zb, j0);
    }
    int zai = zaRows != null ? zaRows[zaOff + i] : za;
    if (zai != 0) {
      rq.addScaled(acc, o, w, -zai, zb.d, j0);
    }
    if (c != null) {
      addBias(rq, acc, o, w, c, i, j0);
    }
    emit(rq, acc, o, w, e, out, rowOut + j0, j0);
  }

  private static void addBias(Requantize rq, int[] acc, int o, int w, IntBias c, int i, int j0) {
    if (c.colStride == 0) {
      int v = c.data[i * c.rowStride];
      for (int jj = 0; jj < w; jj++) {
        acc[o + jj] += v;
      }
    } else {
      rq.addScaled(acc, o, w, 1, c.data, i * c.rowStride + j0);
    }
  }

  private static void emit(Requantize rq, int[] acc, int o, int w, Epilogue e, Object out, int at, int j0) {
    switch (e.mode) {
      case INT32:
        System.arraycopy(acc, o, (int[]) out, at, w);
        return;
      case QUANT:
        rq.requantizeColumns(acc, o, w, e.scale, j0, e.zp, e.lo, e.hi, (byte[]) out, at);
        if (e.counting != null) {
          e.counting.columns(acc, o, w, e.scale, j0, e.zp);
        }
        return;
      default:
        float[] f = (float[]) out;
        rq.toFloatColumns(acc, o, w, e.scale, j0, e.floatBias, j0, f, at);
        e.activation.apply(f, at, at + w);
    }
  }

  /**
   * numpy matmul shapes: A {@code [..., M, K]} (1-D: {@code [K]}), B {@code [..., K, N]} (1-D:
   * {@code [K]}), batch dimensions broadcast.
   */
  static final class Shape {
    final int m;
    final int k;
    final int n;
    final int[] out;
    final int batches;
    /** Per output batch: the A and B matrix indices. */
    final int[] aIndex;
    final int[] bIndex;
    final int aMatrices;
    final int bMatrices;

    private Shape(int m, int k, int n, int[] out, int[] aIndex, int[] bIndex, int aMatrices, int bMatrices) {
      this.m = m;
      this.k = k;
      this.n = n;
      this.out = out;
      this.batches = aIndex.length;
      this.aIndex = aIndex;
      this.bIndex = bIndex;
      this.aMatrices = aMatrices;
      this.bMatrices = bMatrices;
    }

    static Shape of(int[] as, int[] bs, String where) {
      if (as.length == 0 || bs.length == 0) {
        throw new ShapeMismatchException(where + ": matmul inputs need at least one dimension, got "
            + Arrays.toString(as) + " and " + Arrays.toString(bs));
      }
      int[] a = as.length == 1 ? new int[] {1, as[0]} : as;
      int[] b = bs.length == 1 ? new int[] {bs[0], 1} : bs;
      int m = a[a.length - 2];
      int k = a[a.length - 1];
      int n = b[b.length - 1];
      if (b[b.length - 2] != k) {
        throw new ShapeMismatchException(where + ": A " + Arrays.toString(as) + " and B "
            + Arrays.toString(bs) + " do not multiply (K " + k + " vs " + b[b.length - 2] + ")");
      }
      int[] ab = Arrays.copyOf(a, a.length - 2);
      int[] bb = Arrays.copyOf(b, b.length - 2);
      int[] batch = org.quantlens.engine.tensor.Shapes.broadcast(ab, bb);
      int count = org.quantlens.engine.tensor.Shapes.size(batch);
      int[] aStr = org.quantlens.engine.tensor.Shapes.broadcastStrides(ab, batch);
      int[] bStr = org.quantlens.engine.tensor.Shapes.broadcastStrides(bb, batch);
      int[] ai = new int[count];
      int[] bi = new int[count];
      int[] idx = new int[batch.length];
      for (int t = 0; t < count; t++) {
        int x = 0;
        int y = 0;
        for (int d = 0; d < batch.length; d++) {
          x += idx[d] * aStr[d];
          y += idx[d] * bStr[d];
        }
        ai[t] = x;
        bi[t] = y;
        for (int d = batch.length - 1; d >= 0; d--) {
          if (++idx[d] < batch[d]) {
            break;
          }
          idx[d] = 0;
        }
      }
      int[] out = Arrays.copyOf(batch, batch.length + 2);
      out[batch.length] = m;
      out[batch.length + 1] = n;
      if (as.length == 1 || bs.length == 1) { // drop the dimension a 1-D operand added
        int[] o = new int[out.length - (as.length == 1 ? 1 : 0) - (bs.length == 1 ? 1 : 0)];
        int w = 0;
        for (int d = 0; d < out.length; d++) {
          if (d == out.length - 2 && as.length == 1 || d == out.length - 1 && bs.length == 1) {
            continue;
          }
          o[w++] = out[d];
        }
        out = o;
      }
      return new Shape(m, k, n, out, ai, bi, org.quantlens.engine.tensor.Shapes.size(ab),
          org.quantlens.engine.tensor.Shapes.size(bb));
    }
  }

  /** Type of 8-bit operand {@code t}, or an error. */
  static boolean unsignedOf(Tensor t, String what, String where) {
    if (t.dtype() == DType.U8) {
      return true;
    }
    if (t.dtype() == DType.I8) {
      return false;
    }
    throw new ShapeMismatchException(where + ": " + what + " must be int8 or uint8, got " + t.dtype());
  }
}
