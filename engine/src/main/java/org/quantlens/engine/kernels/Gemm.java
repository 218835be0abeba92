package org.quantlens.engine.kernels;

/**
 * Float32 matrix multiply, row-major, BLAS conventions: {@code C = alpha * op(A) * op(B) + beta * C}
 * where op transposes when asked. {@code beta == 0} ignores C's previous contents (even NaN).
 * This scalar version is the reference every faster one is tested against.
 */
public final class Gemm {
  private Gemm() {}

  /** Runs on {@code par}'s threads, splitting rows of C into disjoint blocks. */
  public static void sgemm(Parallel par, boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    int blocks = Math.min(m, par.threads() * 4);
    if (blocks <= 1 || (long) m * n * k < 32_768) {
      reference(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, 0, m);
      return;
    }
    par.forRange(blocks, t -> reference(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb,
        beta, c, cOff, ldc, (int) ((long) m * t / blocks), (int) ((long) m * (t + 1) / blocks)));
  }

  /** The scalar reference over rows {@code [i0, i1)} of C; accumulates in float, in order of k. */
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
