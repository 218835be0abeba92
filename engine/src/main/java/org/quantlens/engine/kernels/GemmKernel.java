package org.quantlens.engine.kernels;

/**
 * A float32 GEMM family: {@code C = alpha * op(A) * op(B) + beta * C}, row-major, BLAS conventions
 * ({@code beta == 0} ignores C's previous contents, even NaN). This class holds everything but the
 * arithmetic: packing into panels, cache blocking over k, the split of C into disjoint tiles for
 * {@link Parallel}, and the matrix-vector paths; subclasses supply the register-blocked
 * micro-kernel and the vector loops ({@link ScalarGemm} here, {@code SimdGemm} in
 * {@code kernels.simd}). Use it through {@link Gemm}, which picks the implementation once.
 *
 * <p>Summation order: each element of C sums k in blocks of {@link #KC} steps, each block from
 * zero in order of k, then adds {@code alpha * block} to C (the first block also applies beta).
 * Within one kernel the order depends on k only: not on the thread count, nor on m (a row of C
 * comes out bit-identical whatever the batch size), nor on whether an operand was packed. The
 * one exception is an unpacked {@code n == 1} product with A not transposed (matrix times
 * vector), which takes dot products of A's rows: its bits may differ from the packed path's,
 * within rounding, but still depend neither on m nor on threads. (How the blocked path keeps
 * partial sums between blocks, and whether a few rows run as matrix-vector products, changes no
 * bit of this order.)
 *
 * <p>Instances are stateless and thread-safe; scratch buffers are per thread.
 */
public abstract class GemmKernel {
  /** Steps of k summed in registers before the partial sum is added to C. */
  public static final int KC = 256;
  /** Register tiles (of {@link #mr()} rows) per block of rows one task owns. */
  private static final int MC_PANELS = 16;
  /** Products from this many multiply-adds on transpose their A with vectors (see packPanels). */
  static final long VECTOR_PACK_MIN_MACS = 1 << 18;
  /**
   * B panels whose partial sums a task stages at once when k spans several blocks: 96 x 1024
   * floats for the SIMD kernel on JDK 17 (384 KB, in L2 and under {@link #CACHE_LIMIT}).
   */
  private static final int NC_PANELS = 64;
  /** Output columns a row-streaming matrix-vector loop accumulates at once (kept in L1). */
  private static final int GEMV_CHUNK = 1024;
  /** Packed panels a matrix-vector task takes at once. */
  private static final int GEMV_PANELS = 4;
  /**
   * Up to this many rows, a product with B as stored (not transposed) runs row by row as
   * matrix-vector products: streaming B once per row beat packing it below about 16 rows
   * (1024 x 1024 B, paired runs), and it sums in the same order.
   */
  private static final int ROWS_AS_VECTORS = 8;
  /** Below this many multiply-adds a call runs on one thread. */
  private static final long PARALLEL_MIN_MACS = 1L << 17;
  /** Scratch buffers up to this many floats are kept per thread between calls. */
  private static final int CACHE_LIMIT = 1 << 21;

  private static final int SLOT_A = 0;
  private static final int SLOT_B = 1;
  private static final int SLOT_X = 2;
  private static final int SLOT_Y = 3;
  private static final int SLOT_P = 4;
  private static final int SLOT_T = 5;
  private static final int SLOT_G = 6;
  private static final int SLOT_SHARED_A = 7;
  private static final int SLOT_C = 8;
  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[9][]);

  private final int mr;
  private final int nr;

  /**
   * @param mr rows of the micro-kernel's register tile (the panel width of packed A)
   * @param nr columns of the register tile (the panel width of packed B)
   */
  protected GemmKernel(int mr, int nr) {
    this.mr = mr;
    this.nr = nr;
  }

  /** Rows of the register tile, the panel width of a packed A. */
  public final int mr() {
    return mr;
  }

  /** Columns of the register tile, the panel width of a packed B. */
  public final int nr() {
    return nr;
  }

  /** Columns a matrix-vector product of packed B takes at a time at full rate (four panels). */
  public final int gemvUnit() {
    return GEMV_PANELS * nr;
  }

  // ------------------------------------------------------------------------------------------
  // What a subclass supplies.

  /**
   * Accumulates one {@code mr x nr} register tile over {@code kc} steps, from zero, in order of
   * the steps: {@code tile[i * nr + j] = sum_p pa[ia + p * mr + i] * pb[ib + p * nr + j]}. Both
   * operands are packed panels: with constant strides every index is linear in the step, so the
   * JIT hoists the bounds checks out of the loop (a variable stride cost a compare per load).
   */
  protected abstract void microKernel(int kc, float[] pa, int ia, float[] pb, int ib,
      float[] tile);

  /**
   * Adds a finished block sum to C: for {@code r < rows, j < cols}, with {@code t = tile[tOff + r *
   * tileLd + j]} and {@code y = c[ci + r * ldc + j]}: {@code y = alpha * t + beta * y} on the first block
   * ({@code alpha * t} if beta is 0), {@code y = y + alpha * t} after. Subclasses may vectorize
   * but must round exactly like this (no fused multiply-add).
   */
  protected void storeTile(float[] tile, int tOff, int tileLd, int rows, int cols, float alpha,
      float beta, boolean first, float[] c, int ci, int ldc) {
    for (int r = 0; r < rows; r++) {
      int t = tOff + r * tileLd;
      int y = ci + r * ldc;
      if (!first) {
        for (int j = 0; j < cols; j++) {
          c[y + j] = c[y + j] + alpha * tile[t + j];
        }
      } else if (beta == 0) {
        for (int j = 0; j < cols; j++) {
          c[y + j] = alpha * tile[t + j];
        }
      } else {
        for (int j = 0; j < cols; j++) {
          c[y + j] = alpha * tile[t + j] + beta * c[y + j];
        }
      }
    }
  }

  /**
   * {@link #microKernel} then {@link #storeTile} of the whole {@code mr x nr} tile into C at
   * {@code c[ci]}, rows {@code ldc} apart. Subclasses may store straight from registers (same
   * rounding); {@code tile} is scratch for those that do not.
   */
  protected void microKernelInto(int kc, float[] pa, int ia, float[] pb, int ib, float[] tile,
      float alpha, float beta, boolean first, float[] c, int ci, int ldc) {
    microKernel(kc, pa, ia, pb, ib, tile);
    storeTile(tile, 0, nr, mr, nr, alpha, beta, first, c, ci, ldc);
  }

  /**
   * Copies {@code w} floats from {@code src[s]} to {@code dst[d]}: one step of a panel while
   * packing. Subclasses copy a panel width with vectors (the scalar loop ran at a third of it).
   */
  protected void copyRun(float[] src, int s, float[] dst, int d, int w) {
    for (int i = 0; i < w; i++) {
      dst[d + i] = src[s + i];
    }
  }

  /**
   * {@code dst[base + p * 4 + i] = src[s0 + i * so + p]} for {@code i < 4, p < depth}: four runs
   * interleaved into one panel of width 4. Subclasses may transpose with vectors.
   */
  protected void transpose4(float[] src, int s0, int so, int depth, float[] dst, int base) {
    int s1 = s0 + so;
    int s2 = s1 + so;
    int s3 = s2 + so;
    for (int p = 0, d = base; p < depth; p++, d += 4) {
      dst[d] = src[s0 + p];
      dst[d + 1] = src[s1 + p];
      dst[d + 2] = src[s2 + p];
      dst[d + 3] = src[s3 + p];
    }
  }

  /** {@code dst[d + p * w + i] = src[s0 + i * so + p]} for {@code i < 4, p < depth}. */
  private static void interleave4(float[] src, int s0, int so, int depth, float[] dst, int d,
      int w) {
    int s1 = s0 + so;
    int s2 = s1 + so;
    int s3 = s2 + so;
    for (int p = 0; p < depth; p++, d += w) {
      dst[d] = src[s0 + p];
      dst[d + 1] = src[s1 + p];
      dst[d + 2] = src[s2 + p];
      dst[d + 3] = src[s3 + p];
    }
  }

  /**
   * {@code dst[base + p * 6 + i] = src[s0 + i * so + p]} for {@code i < 6, p < depth}: six runs
   * interleaved into one panel of width 6, step by step so the stores are sequential. The unit
   * step lets C2 hoist the bounds checks (the general loop's variable step left one per load, and
   * packing A took a twentieth of a 512^3 product).
   */
  protected void transpose6(float[] src, int s0, int so, int depth, float[] dst, int base) {
    int s1 = s0 + so;
    int s2 = s1 + so;
    int s3 = s2 + so;
    int s4 = s3 + so;
    int s5 = s4 + so;
    for (int p = 0; p < depth; p++) {
      int d = base + p * 6;
      dst[d] = src[s0 + p];
      dst[d + 1] = src[s1 + p];
      dst[d + 2] = src[s2 + p];
      dst[d + 3] = src[s3 + p];
      dst[d + 4] = src[s4 + p];
      dst[d + 5] = src[s5 + p];
    }
  }

  /**
   * One column run of every row of a packed B panel, gathered from a padded image:
   * {@code dst[d + p * nr + i] = src[srcBase + offsets[p] + i]} for {@code p < k, i < len}
   * ({@code len <= nr}). Convolutions build their patch panels with it in one pass, no patch
   * matrix in between. Subclasses copy with vectors.
   */
  protected void gatherRuns(float[] src, int srcBase, int[] offsets, int k, int len, float[] dst,
      int d) {
    for (int p = 0; p < k; p++, d += nr) {
      int s = srcBase + offsets[p];
      for (int i = 0; i < len; i++) {
        dst[d + i] = src[s + i];
      }
    }
  }

  /**
   * Matrix-vector product against {@code panels} packed B panels, the first at {@code pb[pOff]}:
   * for the first {@code cols} columns {@code j} they cover, {@code c[cOff + j] = alpha * sum_p
   * x[xOff + p * xStride] * B[p][j] (+ beta * c)}, summed exactly like {@link #microKernel} plus
   * {@link #storeTile} (blocks of {@link #KC}). {@code acc} is scratch of {@link #gemvScratch}
   * floats.
   */
  protected void gemvPanels(int k, float[] x, int xOff, int xStride, float[] pb, int pOff,
      int panels, int cols, float alpha, float beta, float[] c, int cOff, float[] acc) {
    for (int q = 0; q < panels; q++) {
      int w = Math.min(nr, cols - q * nr);
      for (int k0 = 0; k0 < k; k0 += KC) {
        int kc = Math.min(KC, k - k0);
        java.util.Arrays.fill(acc, 0, nr, 0f);
        int ib = pOff + q * nr * k + k0 * nr;
        for (int p = 0; p < kc; p++, ib += nr) {
          float xv = x[xOff + (k0 + p) * xStride];
          for (int j = 0; j < nr; j++) {
            acc[j] += xv * pb[ib + j];
          }
        }
        storeTile(acc, 0, nr, 1, w, alpha, beta, k0 == 0, c, cOff + q * nr, 0);
      }
    }
  }

  /** Floats of scratch {@link #gemvPanels} needs. */
  protected int gemvScratch() {
    return nr;
  }

  /**
   * {@code y[yOff + j] = alpha * sum_p x[xOff + p * xStride] * mat[mOff + p * ld + j] (+ beta)} for
   * {@code j} in {@code [j0, j1)} (at most {@code tmp.length} columns), summed in blocks of
   * {@link #KC} like {@link #microKernel}; {@code tmp} is scratch.
   */
  protected void gemvRows(int k, float[] x, int xOff, int xStride, float[] mat, int mOff, int ld,
      int j0, int j1, float alpha, float beta, float[] y, int yOff, float[] tmp) {
    int len = j1 - j0;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kEnd = Math.min(k, k0 + KC);
      java.util.Arrays.fill(tmp, 0, len, 0f);
      for (int p = k0; p < kEnd; p++) {
        float xv = x[xOff + p * xStride];
        int row = mOff + p * ld + j0;
        for (int j = 0; j < len; j++) {
          tmp[j] += xv * mat[row + j];
        }
      }
      storeTile(tmp, 0, len, 1, len, alpha, beta, k0 == 0, y, yOff + j0, 0);
    }
  }

  /**
   * {@code y[yOff + j] = alpha * dot(mat[mOff + j * ld, + k), x[xOff, + k)) (+ beta * y)} for
   * {@code j} in {@code [j0, j1)}: each output is one dot product of contiguous data.
   */
  protected void gemvDots(int k, float[] x, int xOff, float[] mat, int mOff, int ld, int j0, int j1,
      float alpha, float beta, float[] y, int yOff) {
    for (int j = j0; j < j1; j++) {
      int row = mOff + j * ld;
      float s = 0;
      for (int p = 0; p < k; p++) {
        s += x[xOff + p] * mat[row + p];
      }
      int yi = yOff + j;
      y[yi] = beta == 0 ? alpha * s : alpha * s + beta * y[yi];
    }
  }

  // ------------------------------------------------------------------------------------------
  // Packing.

  /**
   * Packs {@code op(A)} ({@code m x k}; stored {@code k x m} when {@code transA}) for
   * {@link #sgemmPackedA}.
   */
  public final PackedMatrix packA(boolean transA, int m, int k, float[] a, int aOff, int lda) {
    checkDims(m, 1, k);
    int panels = ceilDiv(m, mr);
    float[] d = new float[checkedSize(panels, mr, k)];
    packPanels(a, aOff, transA ? 1 : lda, transA ? lda : 1, m, k, mr, d, 0, 0, panels);
    return new PackedMatrix(PackedMatrix.Side.A, m, k, mr, d);
  }

  /**
   * Packs {@code op(B)} ({@code k x n}; stored {@code n x k} when {@code transB}) for
   * {@link #sgemmPackedB}.
   */
  public final PackedMatrix packB(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
    checkDims(1, n, k);
    int panels = ceilDiv(n, nr);
    float[] d = new float[checkedSize(panels, nr, k)];
    packPanels(b, bOff, transB ? ldb : 1, transB ? 1 : ldb, n, k, nr, d, 0, 0, panels);
    return new PackedMatrix(PackedMatrix.Side.B, n, k, nr, d);
  }

  /** Floats a packed {@code k x n} B needs (see {@link #packedIndexB}). */
  public final int packedSizeB(int k, int n) {
    checkDims(1, n, k);
    return checkedSize(ceilDiv(n, nr), nr, k);
  }

  /**
   * Where element (p, j) of {@code op(B)} ({@code k x n}) goes in a packed B: {@code (j / nr) * nr
   * * k + p * nr + j % nr}. A producer such as im2col can write this layout directly and skip the
   * packing copy (see {@link #wrapPackedB}).
   */
  public final int packedIndexB(int k, int p, int j) {
    return (j / nr) * nr * k + p * nr + j % nr;
  }

  /**
   * A packed B over {@code data} as filled by the caller at {@link #packedIndexB} (not copied; do
   * not change it while a product runs). The padding lanes of the last panel are never read into
   * C, so they need not be cleared.
   */
  public final PackedMatrix wrapPackedB(float[] data, int k, int n) {
    int size = packedSizeB(k, n);
    if (data.length < size) {
      throw new IllegalArgumentException("packed B of " + k + " x " + n + " needs " + size
          + " floats, got " + data.length);
    }
    return new PackedMatrix(PackedMatrix.Side.B, n, k, nr, data);
  }

  /**
   * Writes panels {@code [q0, q1)} of width {@code w}, panel q at {@code dst[dstOff + (q - q0) * w *
   * depth]}; element (line o, step p) of the source is {@code src[off + o * so + p * sp]}. Lines
   * past {@code outer} are zero.
   */
  final void packPanels(float[] src, int off, int so, int sp, int outer, int depth, int w,
      float[] dst, int dstOff, int q0, int q1) {
    packPanels(src, off, so, sp, outer, depth, w, dst, dstOff, q0, q1, true);
  }

  /**
   * {@link #packPanels(float[], int, int, int, int, int, int, float[], int, int, int)}, with the
   * subclass's (vector) transposition only when {@code vectorTranspose}: a product below
   * {@link #VECTOR_PACK_MIN_MACS} transposes its A with the portable loop, whose share of the
   * product's time is small and which allocates nothing in any compiler tier. The vector one runs
   * a few times per call there (ResNet-20's last Gemm: 16 panels), so it took minutes of calls to
   * reach C2, and until then C1 boxed every vector (100-260 KB per call).
   */
  final void packPanels(float[] src, int off, int so, int sp, int outer, int depth, int w,
      float[] dst, int dstOff, int q0, int q1, boolean vectorTranspose) {
    if (so == 1) {
      packRuns(src, off, sp, outer, depth, w, dst, dstOff, q0, q1);
      return;
    }
    for (int q = q0; q < q1; q++) {
      int o0 = q * w;
      int lines = Math.min(w, outer - o0);
      int base = dstOff + (q - q0) * w * depth;
      // each line is a run along p: transpose it in, four lines per sweep (measured fastest of
      // line by line, step by step and 16-step blocks)
      int i = 0;
      if (w == 4 && lines == 4 && sp == 1) { // a whole 4-line panel of contiguous runs
        if (vectorTranspose) {
          transpose4(src, off + o0 * so, so, depth, dst, base);
        } else {
          interleave4(src, off + o0 * so, so, depth, dst, base, 4);
        }
        i = 4;
      } else if (w == 6 && lines == 6 && sp == 1) {
        transpose6(src, off + o0 * so, so, depth, dst, base);
        i = 6;
      }
      if (sp == 1) { // runs along p (B stored transposed): unit steps, so the source checks hoist
        for (; i + 4 <= lines; i += 4) {
          interleave4(src, off + (o0 + i) * so, so, depth, dst, base + i, w);
        }
      }
      for (; i + 4 <= lines; i += 4) {
        int s0 = off + (o0 + i) * so;
        int s1 = s0 + so;
        int s2 = s1 + so;
        int s3 = s2 + so;
        for (int p = 0, d = base + i; p < depth; p++, d += w) {
          int sp0 = p * sp;
          dst[d] = src[s0 + sp0];
          dst[d + 1] = src[s1 + sp0];
          dst[d + 2] = src[s2 + sp0];
          dst[d + 3] = src[s3 + sp0];
        }
      }
      for (; i < lines; i++) {
        int s0 = off + (o0 + i) * so;
        for (int p = 0, d = base + i; p < depth; p++, d += w) {
          dst[d] = src[s0 + p * sp];
        }
      }
      zeroPad(dst, base, lines, w, depth);
    }
  }

  /**
   * {@link #packPanels} when the lines of a panel sit side by side in memory (so == 1): each step
   * of p is a run of w floats. Walks the source row by row over groups of 16 panels, so reads
   * are sequential and writes go to 16 sequential streams (panel by panel, the reads jump a whole
   * row at every step and ran at under 1 GB/s).
   */
  private void packRuns(float[] src, int off, int sp, int outer, int depth, int w,
      float[] dst, int dstOff, int q0, int q1) {
    int panelSize = w * depth;
    for (int g0 = q0; g0 < q1; g0 += 16) {
      int g1 = Math.min(q1, g0 + 16);
      int fullEnd = Math.min(g1, outer / w); // panels [g0, fullEnd) have all w lines
      for (int p = 0; p < depth; p++) {
        int s = off + p * sp;
        int d = dstOff + (g0 - q0) * panelSize + p * w;
        for (int q = g0; q < fullEnd; q++, d += panelSize) {
          copyRun(src, s + q * w, dst, d, w);
        }
      }
      if (fullEnd < g1) { // the partial last panel
        int q = fullEnd;
        int lines = outer - q * w;
        int base = dstOff + (q - q0) * panelSize;
        for (int p = 0; p < depth; p++) {
          System.arraycopy(src, off + p * sp + q * w, dst, base + p * w, lines);
        }
        zeroPad(dst, base, lines, w, depth);
      }
    }
  }

  private static void zeroPad(float[] dst, int base, int lines, int w, int depth) {
    if (lines < w) {
      for (int p = 0; p < depth; p++) {
        java.util.Arrays.fill(dst, base + p * w + lines, base + p * w + w, 0f);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Entry points.

  /**
   * {@code C = alpha * op(A) * op(B) + beta * C} with op(A) {@code m x k}, op(B) {@code k x n}, C
   * {@code m x n} at {@code c[cOff + i * ldc + j]}. {@code epilogue} (may be null) runs once on
   * every finished row segment of C.
   */
  public final void sgemm(Parallel par, boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc, GemmEpilogue epilogue) {
    if (nothingToMultiply(m, n, k, beta, c, cOff, ldc, epilogue)) {
      return;
    }
    if (n == 1) { // the column of op(B) has stride ldb, or 1 when B is stored transposed
      gemvColumn(par, m, k, alpha, transA, a, aOff, lda, b, bOff, transB ? 1 : ldb, beta, c, cOff,
          ldc, epilogue);
      return;
    }
    if (m == 1 || (m <= ROWS_AS_VECTORS && !transB)) {
      // each row of op(A) (stride 1, or lda when A is stored transposed) times B as stored: for a
      // few rows, packing B cost more than the product (m = 2 ran at a sixth of m = 1's rate)
      for (int i = 0; i < m; i++) {
        gemvRow(par, n, k, alpha, a, aOff + i * (transA ? 1 : lda), transA ? lda : 1, transB, b,
            bOff, ldb, null, beta, c, cOff + i * ldc, epilogue, i);
      }
      return;
    }
    blocked(par, m, n, k, alpha, directA(transA, a, aOff, lda),
        sourceB(par, transB, m, n, k, b, bOff, ldb), beta, c, cOff, ldc, epilogue);
  }

  /**
   * {@code C = alpha * op(A) * B + beta * C} with B packed by {@link #packB}: n and k come from it.
   * With m == 1 (batch-1 inference) this streams the packed panels once.
   */
  public final void sgemmPackedB(Parallel par, boolean transA, int m, float alpha, float[] a,
      int aOff, int lda, PackedMatrix b, float beta, float[] c, int cOff, int ldc,
      GemmEpilogue epilogue) {
    checkPacked(b, PackedMatrix.Side.B, nr);
    int n = b.outer();
    int k = b.depth();
    if (nothingToMultiply(m, n, k, beta, c, cOff, ldc, epilogue)) {
      return;
    }
    if (m == 1) {
      gemvRow(par, n, k, alpha, a, aOff, transA ? lda : 1, false, null, 0, 0, b.data(), beta, c,
          cOff, epilogue, 0);
      return;
    }
    blocked(par, m, n, k, alpha, directA(transA, a, aOff, lda),
        packedB(b.data(), nr * k), beta, c, cOff, ldc, epilogue);
  }

  /**
   * Columns {@code [j0, j1)} of {@code c = x * B} for one row x, B packed by {@link #packB}, on
   * the calling thread; j0 a multiple of {@link #nr()}. Each column sums as in {@link
   * #sgemmPackedB}, so threads that split the columns among them get its results.
   */
  public final void gemvPackedB(float[] x, int xOff, PackedMatrix b, int j0, int j1, float[] c,
      int cOff) {
    checkPacked(b, PackedMatrix.Side.B, nr);
    if (j0 < 0 || j1 > b.outer() || j0 % nr != 0) {
      throw new IllegalArgumentException("columns [" + j0 + ", " + j1 + ") of " + b.outer()
          + " in panels of " + nr);
    }
    gemvRowPart(b.outer(), b.depth(), 1f, x, xOff, 1, false, null, 0, 0, b.data(), 0f, c, cOff,
        null, 0, j0, j1);
  }

  /** {@code C = alpha * A * op(B) + beta * C} with A packed by {@link #packA}: m and k come from it. */
  public final void sgemmPackedA(Parallel par, PackedMatrix a, boolean transB, int n, float alpha,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
      GemmEpilogue epilogue) {
    checkPacked(a, PackedMatrix.Side.A, mr);
    int m = a.outer();
    int k = a.depth();
    if (nothingToMultiply(m, n, k, beta, c, cOff, ldc, epilogue)) {
      return;
    }
    blocked(par, m, n, k, alpha, packedA(a.data(), mr * k),
        sourceB(par, transB, m, n, k, b, bOff, ldb), beta, c, cOff, ldc, epilogue);
  }

  // ------------------------------------------------------------------------------------------
  // Drivers.

  /**
   * {@code C = A * B} then the epilogue, on the calling thread, with both operands packed: A by
   * {@link #packA}, B as {@code ceil(n / nr)} panels at {@code pb[0, ...)} in the
   * {@link #packedIndexB} layout for {@code k = a.depth()} (padding lanes are never stored into C).
   * For drivers that pack B themselves (convolution patches) and share the work out by panels.
   */
  final void sgemmPackedAB(PackedMatrix a, float[] pb, int n, float[] c, int cOff, int ldc,
      GemmEpilogue epilogue) {
    checkPacked(a, PackedMatrix.Side.A, mr);
    int m = a.outer();
    int k = a.depth();
    if (nothingToMultiply(m, n, k, 0f, c, cOff, ldc, epilogue)) {
      return;
    }
    Operand oa = packedA(a.data(), mr * k);
    Operand ob = packedB(pb, nr * k);
    try {
      tile(m, n, k, 1f, oa, ob, 0f, c, cOff, ldc, 0, ceilDiv(m, mr), 0, ceilDiv(n, nr), epilogue);
    } finally {
      oa.clear();
      ob.clear();
    }
  }


  /**
   * Where the blocked path reads one operand. Packed ({@code packed}): panel q (mr rows of A, or
   * nr columns of B) is {@code data[q * panelStride, ...)}, step p of it at {@code + p * width}
   * (the {@link PackedMatrix} layout); or, {@code slabbed}, each {@link #KC} block of steps is a
   * slab of its own (see {@link #slabOffset}). Unpacked (an A as the caller stored it): element
   * (row i, step p) is {@code data[base + i * line + p * step]}, and each task packs its block of
   * rows, a {@link #KC} slab at a time.
   */
  private static final class Operand {
    float[] data;
    boolean packed;
    boolean slabbed;
    int panels;
    int panelStride;
    int base;
    int line;
    int step;

    Operand set(float[] data, boolean packed, int panelStride, int base, int line, int step) {
      this.data = data;
      this.packed = packed;
      this.slabbed = false;
      this.panelStride = panelStride;
      this.base = base;
      this.line = line;
      this.step = step;
      return this;
    }

    /** Packed in slabs ({@link #packSlabs}) of {@code panels} panels each. */
    Operand slabs(float[] data, int panels) {
      set(data, true, 0, 0, 0, 0);
      this.slabbed = true;
      this.panels = panels;
      return this;
    }

    /** Offset of panel 0 at step k0 (a multiple of {@link #KC}), panels {@code width} wide. */
    int slabOffset(int k0, int width) {
      return slabbed ? k0 * width * panels : k0 * width;
    }

    /** Distance between panels within the block of steps at k0 of {@code kc} steps. */
    int panelDistance(int kc, int width) {
      return slabbed ? kc * width : panelStride;
    }

    /** Drops the array reference, so a finished product keeps nobody's matrix alive. */
    void clear() {
      data = null;
    }
  }

  /**
   * The calling thread's A and B descriptions, set afresh by every product so that steady-state
   * calls allocate nothing. Safe because a thread runs one product at a time: tasks only read
   * them, and a product never starts another (epilogues do not re-enter GEMM).
   */
  private static final ThreadLocal<Operand[]> OPERANDS =
      ThreadLocal.withInitial(() -> new Operand[] {new Operand(), new Operand()});

  private static Operand packedA(float[] data, int panelStride) {
    return OPERANDS.get()[0].set(data, true, panelStride, 0, 0, 0);
  }

  private static Operand packedB(float[] data, int panelStride) {
    return OPERANDS.get()[1].set(data, true, panelStride, 0, 0, 0);
  }

  /**
   * An A read in place: rows of op(A) are {@code lda} apart (steps 1), or, stored transposed,
   * steps are {@code lda} apart (rows 1). The tasks pack it block by block into L2-sized scratch.
   */
  private static Operand directA(boolean transA, float[] a, int aOff, int lda) {
    return OPERANDS.get()[0].set(a, false, 0, aOff, transA ? 1 : lda, transA ? lda : 1);
  }

  /** B for the blocked path, packed (by the calling thread's tasks) into per-thread scratch. */
  private Operand sourceB(Parallel par, boolean transB, int m, int n, int k, float[] b, int bOff,
      int ldb) {
    int np = ceilDiv(n, nr);
    float[] pb = scratch(SLOT_B, checkedSize(np, nr, k));
    packSlabs(par, b, bOff, transB ? ldb : 1, transB ? 1 : ldb, n, k, nr, pb, (long) m * n * k);
    return OPERANDS.get()[1].slabs(pb, np);
  }

  /**
   * Packs like {@link #packParallel}, but slab by slab: the panels' steps {@code [k0, k0 + kc)}
   * for one {@link #KC} block sit together at {@code dst[k0 * w * panels]}, each panel {@code w *
   * kc} floats. A tile then walks one contiguous slab; with whole-depth panels the slab of one
   * block was cut into runs {@code 4 * w * k} bytes apart, which for k a multiple of 512 all fall
   * into the same L2 sets and evicted the block of A the tile reuses.
   */
  private void packSlabs(Parallel par, float[] src, int off, int so, int sp, int outer, int depth,
      int w, float[] dst, long macs) {
    int panels = ceilDiv(outer, w);
    int tasks = tasks(par, macs, panels);
    boolean vector = macs >= VECTOR_PACK_MIN_MACS;
    if (tasks <= 1) {
      packSlabRange(src, off, so, sp, outer, depth, w, dst, panels, 0, panels, vector);
      return;
    }
    par.forRange(tasks, t -> packSlabRange(src, off, so, sp, outer, depth, w, dst, panels,
        (int) ((long) panels * t / tasks), (int) ((long) panels * (t + 1) / tasks), vector));
  }

  /** Panels {@code [q0, q1)} of every slab of {@link #packSlabs}. */
  private void packSlabRange(float[] src, int off, int so, int sp, int outer, int depth, int w,
      float[] dst, int panels, int q0, int q1, boolean vectorTranspose) {
    for (int k0 = 0; k0 < depth; k0 += KC) {
      int kc = Math.min(KC, depth - k0);
      packPanels(src, off + k0 * sp, so, sp, outer, kc, w, dst, k0 * w * panels + q0 * w * kc, q0,
          q1, vectorTranspose);
    }
  }

  /** The blocked product, split into tiles of C owned by one task each. */
  private void blocked(Parallel par, int m, int n, int k, float alpha, Operand a, Operand b,
      float beta, float[] c, int cOff, int ldc, GemmEpilogue epilogue) {
    int mp = ceilDiv(m, mr);
    int np = ceilDiv(n, nr);
    int rowBlocks = ceilDiv(mp, MC_PANELS);
    int blockPanels = ceilDiv(mp, rowBlocks); // even blocks: no short last task
    int want = tasks(par, (long) m * n * k, Integer.MAX_VALUE);
    want = want > 1 ? want * 2 : 1; // finer tasks even out uneven blocks over the threads
    int colChunks = Math.max(1, Math.min(np, ceilDiv(want, rowBlocks)));
    if (!a.packed && colChunks > 1) {
      // Tasks that share rows would each pack the same slabs of A (at batch 64 every task packed
      // all of A: two threads ran slower than one); pack it once for all of them instead.
      float[] pa = scratch(SLOT_SHARED_A, checkedSize(mp, mr, k));
      packSlabs(par, a.data, a.base, a.line, a.step, m, k, mr, pa, (long) m * n * k);
      a.slabs(pa, mp);
    }
    try {
      int tasks = rowBlocks * colChunks;
      if (tasks == 1 || par.threads() <= 1) { // called directly: no task lambda to allocate
        for (int t = 0; t < tasks; t++) {
          blockTask(t, colChunks, blockPanels, mp, np, m, n, k, alpha, a, b, beta, c, cOff, ldc,
              epilogue);
        }
        return;
      }
      par.forRange(tasks, t -> blockTask(t, colChunks, blockPanels, mp, np, m, n, k, alpha, a, b,
          beta, c, cOff, ldc, epilogue));
    } finally {
      a.clear();
      b.clear();
    }
  }

  /** Task t of {@link #blocked}: row block {@code t / colChunks}, column chunk {@code t % colChunks}. */
  private void blockTask(int t, int colChunks, int blockPanels, int mp, int np, int m, int n,
      int k, float alpha, Operand a, Operand b, float beta, float[] c, int cOff, int ldc,
      GemmEpilogue epilogue) {
    int ip0 = t / colChunks * blockPanels;
    int ip1 = Math.min(mp, ip0 + blockPanels);
    int cc = t % colChunks;
    int jp0 = (int) ((long) np * cc / colChunks);
    int jp1 = (int) ((long) np * (cc + 1) / colChunks);
    tile(m, n, k, alpha, a, b, beta, c, cOff, ldc, ip0, ip1, jp0, jp1, epilogue);
  }

  /**
   * One task: register tiles {@code [ip0, ip1) x [jp0, jp1)}, all of k. With more than one block
   * of k, the partial sums wait in per-thread scratch laid out in the order the tiles are visited
   * ({@code mr x nr} each, contiguous) and go to C only with the last block: reloading them from C
   * itself (rows {@code ldc} apart, out of cache by the next block) cost a fifth of the time at
   * 1024^3, where the staged sums stream in order and C is only written.
   */
  private void tile(int m, int n, int k, float alpha, Operand a, Operand b, float beta, float[] c,
      int cOff, int ldc, int ip0, int ip1, int jp0, int jp1, GemmEpilogue epilogue) {
    // staged sums for at most NC_PANELS panels at a time, so their buffer stays bounded
    int chunk = k > KC ? NC_PANELS : jp1 - jp0;
    for (int j = jp0; j < jp1; j += chunk) {
      tileColumns(m, n, k, alpha, a, b, beta, c, cOff, ldc, ip0, ip1, j, Math.min(jp1, j + chunk));
    }
    if (epilogue != null) {
      int j0 = jp0 * nr;
      int len = Math.min(n, jp1 * nr) - j0;
      for (int i = ip0 * mr, iEnd = Math.min(m, ip1 * mr); i < iEnd; i++) {
        epilogue.apply(c, cOff + i * ldc + j0, i, j0, len);
      }
    }
  }

  /** {@link #tile} for panels {@code [jp0, jp1)}, without the epilogue. */
  private void tileColumns(int m, int n, int k, float alpha, Operand a, Operand b, float beta,
      float[] c, int cOff, int ldc, int ip0, int ip1, int jp0, int jp1) {
    float[] acc = scratch(SLOT_T, mr * nr);
    float[] slab = a.packed ? null : scratch(SLOT_A, checkedSize(ip1 - ip0, mr, Math.min(KC, k)));
    float[] sums = k > KC ? scratch(SLOT_C, checkedSize(ip1 - ip0, mr * nr, jp1 - jp0)) : null;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kc = Math.min(KC, k - k0);
      float[] pa = a.data;
      int aBase = a.slabOffset(k0, mr); // panel ip at aBase + ip * aStride
      int aStride = a.panelDistance(kc, mr);
      if (slab != null) { // this block's rows of A, steps [k0, k0 + kc), zero-padded panels
        packPanels(a.data, a.base + k0 * a.step, a.line, a.step, m, kc, mr, slab, 0, ip0, ip1,
            (long) m * n * k >= VECTOR_PACK_MIN_MACS);
        pa = slab;
        aBase = -ip0 * mr * kc;
        aStride = mr * kc;
      }
      // a B slab (kc x nr) stays in L1 while the row block's A panels stream from L2
      int bBase = b.slabOffset(k0, nr);
      int bStride = b.panelDistance(kc, nr);
      int stage = sums == null ? NO_STAGE : k0 == 0 ? STAGE_FIRST : k0 + kc < k ? STAGE_MID
          : STAGE_LAST;
      for (int jp = jp0, t = 0; jp < jp1; jp++) {
        int ib = bBase + jp * bStride;
        int cols = Math.min(nr, n - jp * nr);
        for (int ip = ip0; ip < ip1; ip++, t += mr * nr) {
          int rows = Math.min(mr, m - ip * mr);
          int ci = cOff + ip * mr * ldc + jp * nr;
          int ia = aBase + ip * aStride;
          if (stage == NO_STAGE) {
            block(kc, pa, ia, b.data, ib, acc, rows, cols, alpha, beta, true, c, ci, ldc);
          } else {
            if (stage == STAGE_FIRST && beta != 0) { // the sums start from C
              copyTile(c, ci, ldc, sums, t, nr, rows, cols);
            }
            block(kc, pa, ia, b.data, ib, acc, rows, cols, alpha, beta, stage == STAGE_FIRST,
                sums, t, nr);
            if (stage == STAGE_LAST) {
              copyTile(sums, t, nr, c, ci, ldc, rows, cols);
            }
          }
        }
      }
    }
  }

  private static final int NO_STAGE = 0;
  private static final int STAGE_FIRST = 1;
  private static final int STAGE_MID = 2;
  private static final int STAGE_LAST = 3;

  /** One block of k for one register tile, added into {@code y} as {@link #storeTile} does. */
  private void block(int kc, float[] pa, int ia, float[] pb, int ib, float[] acc, int rows,
      int cols, float alpha, float beta, boolean first, float[] y, int yi, int ldy) {
    if (rows == mr && cols == nr) {
      microKernelInto(kc, pa, ia, pb, ib, acc, alpha, beta, first, y, yi, ldy);
    } else {
      microKernel(kc, pa, ia, pb, ib, acc);
      storeTile(acc, 0, nr, rows, cols, alpha, beta, first, y, yi, ldy);
    }
  }

  /** Copies a {@code rows x cols} tile between C and the staged sums. */
  private void copyTile(float[] src, int s, int lds, float[] dst, int d, int ldd, int rows,
      int cols) {
    for (int r = 0; r < rows; r++) {
      copyRun(src, s + r * lds, dst, d + r * ldd, cols);
    }
  }

  /**
   * One row of C, row {@code row} for the epilogue: {@code c[cOff + j] = alpha * sum_p x[xOff + p
   * * xStride] * op(B)[p][j] (+ beta * c)}, from {@code packed} panels when given, else from B as
   * stored. Every way sums in the blocked path's order, so batch size never changes a result.
   */
  private void gemvRow(Parallel par, int n, int k, float alpha, float[] x, int xOff, int xStride,
      boolean transB, float[] b, int bOff, int ldb, float[] packed, float beta, float[] c,
      int cOff, GemmEpilogue epilogue, int row) {
    int unit = GEMV_PANELS * nr; // columns: the SIMD loop's unit of four panels
    int units = ceilDiv(n, unit);
    int tasks = tasks(par, (long) n * k, units);
    if (tasks == 1) { // called directly: no task lambda to allocate
      gemvRowPart(n, k, alpha, x, xOff, xStride, transB, b, bOff, ldb, packed, beta, c, cOff,
          epilogue, row, 0, n);
      return;
    }
    par.forRange(tasks, t -> {
      int j0 = (int) ((long) units * t / tasks) * unit;
      int j1 = Math.min(n, (int) ((long) units * (t + 1) / tasks) * unit);
      gemvRowPart(n, k, alpha, x, xOff, xStride, transB, b, bOff, ldb, packed, beta, c, cOff,
          epilogue, row, j0, j1);
    });
  }

  /** Columns {@code [j0, j1)} of {@link #gemvRow}. */
  private void gemvRowPart(int n, int k, float alpha, float[] x, int xOff, int xStride,
      boolean transB, float[] b, int bOff, int ldb, float[] packed, float beta, float[] c,
      int cOff, GemmEpilogue epilogue, int row, int j0, int j1) {
    int unit = GEMV_PANELS * nr;
    if (j0 >= j1) {
      return;
    }
    if (packed != null) {
      float[] acc = scratch(SLOT_G, gemvScratch());
      gemvPanels(k, x, xOff, xStride, packed, j0 * k, ceilDiv(j1 - j0, nr), j1 - j0, alpha, beta,
          c, cOff + j0, acc);
    } else if (transB) { // rows of B are columns of C: pack a few panels at a time, in cache
      float[] buf = scratch(SLOT_P, checkedSize(GEMV_PANELS, nr, k));
      float[] acc = scratch(SLOT_G, gemvScratch());
      for (int s = j0; s < j1; s += unit) {
        int e = Math.min(j1, s + unit);
        int q0 = s / nr;
        int q1 = ceilDiv(e, nr);
        packPanels(b, bOff, ldb, 1, n, k, nr, buf, 0, q0, q1);
        gemvPanels(k, x, xOff, xStride, buf, 0, q1 - q0, e - s, alpha, beta, c, cOff + s, acc);
      }
    } else {
      float[] tmp = scratch(SLOT_G, Math.min(GEMV_CHUNK, j1 - j0));
      for (int s = j0; s < j1; s += GEMV_CHUNK) {
        gemvRows(k, x, xOff, xStride, b, bOff, ldb, s, Math.min(j1, s + GEMV_CHUNK), alpha, beta,
            c, cOff, tmp);
      }
    }
    if (epilogue != null) {
      epilogue.apply(c, cOff + j0, row, j0, j1 - j0);
    }
  }

  /**
   * One column of C ({@code n == 1}): {@code c[cOff + i * ldc] = alpha * sum_p op(A)[i][p] *
   * x[xOff + p * xStride] (+ beta * c)}. With A stored transposed its rows are steps of k and the
   * blocked order holds; otherwise each output is a dot product of a row of A (another order).
   */
  private void gemvColumn(Parallel par, int m, int k, float alpha, boolean transA, float[] a,
      int aOff, int lda, float[] x, int xOff, int xStride, float beta, float[] c, int cOff,
      int ldc, GemmEpilogue epilogue) {
    float[] y = c;
    int yOff = cOff;
    if (ldc != 1 && m > 1) { // gather the strided column
      y = scratch(SLOT_Y, m);
      yOff = 0;
      if (beta != 0) {
        for (int i = 0; i < m; i++) {
          y[i] = c[cOff + i * ldc];
        }
      }
    }
    if (!transA && xStride != 1) { // dot products want x contiguous
      float[] xs = scratch(SLOT_X, k);
      for (int p = 0; p < k; p++) {
        xs[p] = x[xOff + p * xStride];
      }
      x = xs;
      xOff = 0;
      xStride = 1;
    }
    float[] xf = x;
    int xo = xOff;
    int xs = xStride;
    float[] yf = y;
    int yo = yOff;
    int units = ceilDiv(m, 64);
    int tasks = tasks(par, (long) m * k, units);
    par.forRange(tasks, t -> {
      int i0 = Math.min(m, (int) ((long) units * t / tasks) * 64);
      int i1 = Math.min(m, (int) ((long) units * (t + 1) / tasks) * 64);
      if (transA) {
        float[] tmp = scratch(SLOT_G, Math.max(1, Math.min(GEMV_CHUNK, i1 - i0)));
        for (int s = i0; s < i1; s += GEMV_CHUNK) {
          gemvRows(k, xf, xo, xs, a, aOff, lda, s, Math.min(i1, s + GEMV_CHUNK), alpha, beta, yf,
              yo, tmp);
        }
      } else {
        gemvDots(k, xf, xo, a, aOff, lda, i0, i1, alpha, beta, yf, yo);
      }
    });
    if (y != c) {
      for (int i = 0; i < m; i++) {
        c[cOff + i * ldc] = y[i];
      }
    }
    if (epilogue != null) {
      for (int i = 0; i < m; i++) {
        epilogue.apply(c, cOff + i * ldc, i, 0, 1);
      }
    }
  }

  private static void scaleOnly(int m, int n, float beta, float[] c, int cOff, int ldc,
      GemmEpilogue epilogue) {
    for (int i = 0; i < m; i++) {
      int row = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        c[row + j] = beta == 0 ? 0f : beta * c[row + j];
      }
      if (epilogue != null) {
        epilogue.apply(c, row, i, 0, n);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Helpers.

  /** How many tasks to split {@code macs} multiply-adds into, at most {@code max}. */
  private static int tasks(Parallel par, long macs, int max) {
    int threads = par.threads();
    if (threads <= 1 || macs < PARALLEL_MIN_MACS) {
      return 1;
    }
    return (int) Math.max(1, Math.min(max, Math.min(threads * 3L, macs / (PARALLEL_MIN_MACS / 2))));
  }

  /** A per-thread scratch array of at least {@code size} floats; contents are garbage. */
  private static float[] scratch(int slot, int size) {
    float[][] s = SCRATCH.get();
    float[] b = s[slot];
    if (b != null && b.length >= size) {
      return b;
    }
    b = new float[size];
    if (size <= CACHE_LIMIT) {
      s[slot] = b;
    }
    return b;
  }

  /**
   * Checks the dimensions and finishes the products with no multiply-add: an empty C, or k = 0
   * (C scaled by beta, then the epilogue). True when it did; the entry point then returns.
   */
  private static boolean nothingToMultiply(int m, int n, int k, float beta, float[] c, int cOff, int ldc,
      GemmEpilogue epilogue) {
    checkDims(m, n, k);
    if (m == 0 || n == 0) {
      return true;
    }
    if (k == 0) {
      scaleOnly(m, n, beta, c, cOff, ldc, epilogue);
      return true;
    }
    return false;
  }

  private static void checkDims(int m, int n, int k) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("negative GEMM dimension: m=" + m + " n=" + n + " k=" + k);
    }
  }

  private static void checkPacked(PackedMatrix p, PackedMatrix.Side side, int width) {
    if (p.side() != side) {
      throw new IllegalArgumentException("matrix was packed as operand " + p.side() + ", used as " + side);
    }
    if (p.panelWidth() != width) {
      throw new IllegalArgumentException("matrix was packed for panels of " + p.panelWidth()
          + ", this kernel wants " + width + " (pack with the same kernel that multiplies)");
    }
  }

  private static int checkedSize(int panels, int w, int k) {
    long s = (long) panels * w * k;
    if (s > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("GEMM operand too large to pack: " + s + " floats");
    }
    return (int) s;
  }

  static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
