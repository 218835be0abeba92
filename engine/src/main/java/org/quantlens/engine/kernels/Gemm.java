package org.quantlens.engine.kernels;

/**
 * Float32 matrix multiply, row-major, BLAS conventions: {@code C = alpha * op(A) * op(B) + beta * C}
 * where op transposes when asked; op(A) is {@code m x k}, op(B) {@code k x n}, and element (i, j)
 * of C is {@code c[cOff + i * ldc + j]} (likewise for A and B with their offsets and leading
 * dimensions, of the matrices as stored). {@code beta == 0} ignores C's previous contents (even
 * NaN). The work runs on the {@link GemmKernel} chosen once per JVM (the Vector API one when
 * available, see {@link Kernels}), split over {@code par}'s threads into disjoint tiles of C;
 * results are bit-identical for any thread count.
 *
 * <p><b>Constant operands.</b> When one operand is fixed (weights), pack it once at load and
 * multiply with the packed form, which skips a copy of that operand on every call:
 *
 * <pre>{@code
 * // Linear / Gemm / MatMul / LSTM input projection: y[m x n] = x[m x k] * W^T, W stored n x k
 * PackedMatrix w = Gemm.packB(true, k, n, wData, 0, k);           // at load
 * Gemm.sgemmPackedB(ctx, false, m, 1f, x, 0, k, w, 0f, y, 0, n, null); // per call
 *
 * // Conv as W[outC x K] * im2col[K x HW]: the weights are the left operand
 * PackedMatrix wa = Gemm.packA(false, outC, K, wData, 0, K);      // at load
 * Gemm.sgemmPackedA(ctx, wa, false, hw, 1f, col, 0, hw, 0f, y, yOff, hw, biasAndRelu);
 * }</pre>
 *
 * A packed matrix belongs to the kernel that packed it ({@link #kernel()}); the packed-B path with
 * m == 1 (batch-1 inference) streams the panels once as a matrix-vector product. A producer of a
 * per-call B (im2col) can write the packed layout itself: {@link #packedSizeB},
 * {@link #packedIndexB}, {@link #wrapPackedB}. A
 * {@link GemmEpilogue} (may be null) runs once on every finished row segment of C while it is in
 * cache: fused activations, biases.
 */
public final class Gemm {
  private static final GemmKernel KERNEL =
      Kernels.select(GemmKernel.class, "SimdGemm", new ScalarGemm());

  private Gemm() {}

  /** The kernel in use (the SIMD one unless disabled or unavailable). */
  public static GemmKernel kernel() {
    return KERNEL;
  }

  /** {@code C = alpha * op(A) * op(B) + beta * C} on {@code par}'s threads. */
  public static void sgemm(Parallel par, boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    KERNEL.sgemm(par, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff,
        ldc, null);
  }

  /** As {@link #sgemm(Parallel, boolean, boolean, int, int, int, float, float[], int, int,
   * float[], int, int, float, float[], int, int)}, then {@code epilogue} on each finished row
   * segment of C. */
  public static void sgemm(Parallel par, boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc, GemmEpilogue epilogue) {
    KERNEL.sgemm(par, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff,
        ldc, epilogue);
  }

  /**
   * Packs the right operand {@code op(B)} ({@code k x n}; B is stored {@code n x k} when
   * {@code transB}, as PyTorch Linear weights are) for {@link #sgemmPackedB}.
   */
  public static PackedMatrix packB(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
    return KERNEL.packB(transB, k, n, b, bOff, ldb);
  }

  /**
   * Packs the left operand {@code op(A)} ({@code m x k}; A is stored {@code k x m} when
   * {@code transA}) for {@link #sgemmPackedA}.
   */
  public static PackedMatrix packA(boolean transA, int m, int k, float[] a, int aOff, int lda) {
    return KERNEL.packA(transA, m, k, a, aOff, lda);
  }

  /** Floats a packed {@code k x n} B occupies (for {@link #wrapPackedB}). */
  public static int packedSizeB(int k, int n) {
    return KERNEL.packedSizeB(k, n);
  }

  /** Index of element (p, j) of a packed {@code k x n} B (for {@link #wrapPackedB}). */
  public static int packedIndexB(int k, int p, int j) {
    return KERNEL.packedIndexB(k, p, j);
  }

  /**
   * A packed B over caller-filled {@code data} (not copied): a producer that writes element (p, j)
   * of {@code op(B)} at {@link #packedIndexB} (im2col, for one) saves the packing copy of every
   * call. The data may be reused for the next product once {@link #sgemmPackedB} returns.
   */
  public static PackedMatrix wrapPackedB(float[] data, int k, int n) {
    return KERNEL.wrapPackedB(data, k, n);
  }

  /**
   * {@code C = alpha * op(A) * B + beta * C} with B from {@link #packB} (n and k are B's).
   * Identical results to the unpacked call with the same operands and the blocked path.
   */
  public static void sgemmPackedB(Parallel par, boolean transA, int m, float alpha, float[] a,
      int aOff, int lda, PackedMatrix b, float beta, float[] c, int cOff, int ldc,
      GemmEpilogue epilogue) {
    KERNEL.sgemmPackedB(par, transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc, epilogue);
  }

  /** Columns {@code [j0, j1)} of {@code c = x * B} for one row (see {@link GemmKernel#gemvPackedB}). */
  public static void gemvPackedB(float[] x, int xOff, PackedMatrix b, int j0, int j1, float[] c,
      int cOff) {
    KERNEL.gemvPackedB(x, xOff, b, j0, j1, c, cOff);
  }

  /** {@code C = alpha * A * op(B) + beta * C} with A from {@link #packA} (m and k are A's). */
  public static void sgemmPackedA(Parallel par, PackedMatrix a, boolean transB, int n, float alpha,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
      GemmEpilogue epilogue) {
    KERNEL.sgemmPackedA(par, a, transB, n, alpha, b, bOff, ldb, beta, c, cOff, ldc, epilogue);
  }

  /**
   * The scalar reference over rows {@code [i0, i1)} of C: a plain triple loop accumulating in
   * float in order of k. Every faster path is tested against it.
   */
  public static void reference(boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc, int i0, int i1) {
    for (int i = i0; i < i1; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0;
        for (int p = 0; p < k; p++) {
          float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
          sum += av * bv;
        }
        int ci = cOff + i * ldc + j;
        c[ci] = beta == 0 ? alpha * sum : alpha * sum + beta * c[ci];
      }
    }
  }
}
