package org.quantlens.engine.kernels;

/**
 * The reference {@link Int8Gemm}: plain loops accumulating each output in int32, term by term.
 * Exact, so the SIMD kernel must match it bit for bit. Every entry point is one loop nest over
 * either operand type ({@code float} or {@code byte}, exactly one array non-null) and either B
 * layout (rows {@code ldb} apart, or at {@code bRows[p] + bOff}); only the innermost loop is
 * specialized by B's type, so it stays a small monomorphic loop.
 */
final class Int8GemmScalar implements Int8Gemm {
  @Override
  public int panelWidth() {
    return 16;
  }

  @Override
  public void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
      int ldb, int[] c, int cOff, int ldc) {
    product(m, n, k, a, null, aOff, lda, b, null, bOff, ldb, null, c, cOff, ldc);
  }

  @Override
  public void multiplyRows(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int[] bRows,
      int bCol, int[] c, int cOff, int ldc) {
    product(m, n, k, a, null, aOff, lda, b, null, bCol, 0, bRows, c, cOff, ldc);
  }

  @Override
  public void multiply(int m, int n, int k, float[] a, int aOff, int lda, byte[] b, int bOff, int ldb,
      int[] c, int cOff, int ldc) {
    product(m, n, k, a, null, aOff, lda, null, b, bOff, ldb, null, c, cOff, ldc);
  }

  @Override
  public void multiply(int m, int n, int k, byte[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      int[] c, int cOff, int ldc) {
    product(m, n, k, null, a, aOff, lda, b, null, bOff, ldb, null, c, cOff, ldc);
  }

  @Override
  public void multiplyRows(int m, int n, int k, byte[] a, int aOff, int lda, float[] b, int[] bRows,
      int bCol, int[] c, int cOff, int ldc) {
    product(m, n, k, null, a, aOff, lda, b, null, bCol, 0, bRows, c, cOff, ldc);
  }

  @Override
  public void multiplyTransposed(int m, int n, int k, float[] a, int aOff, int lda, byte[] bt, int bOff,
      int ldb, int[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        int s = 0;
        int ai = aOff + i * lda;
        int bj = bOff + j * ldb;
        for (int p = 0; p < k; p++) {
          s += (int) a[ai + p] * bt[bj + p];
        }
        c[cOff + i * ldc + j] = s;
      }
    }
  }

  /**
   * {@code c = a b} with A given as floats ({@code aF}) or bytes ({@code aB}), B likewise; B's row
   * p starts at {@code bRows[p] + bOff} when {@code bRows} is given, else at {@code bOff + p * ldb}.
   */
  private static void product(int m, int n, int k, float[] aF, byte[] aB, int aOff, int lda,
      float[] bF, byte[] bB, int bOff, int ldb, int[] bRows, int[] c, int cOff, int ldc) {
    if (n == 0) {
      return; // the SIMD kernel's empty column tail: nothing to write
    }
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      java.util.Arrays.fill(c, ci, ci + n, 0);
      int ai = aOff + i * lda;
      for (int p = 0; p < k; p++) {
        int av = aB != null ? aB[ai + p] : (int) aF[ai + p];
        int bp = bRows != null ? bRows[p] + bOff : bOff + p * ldb;
        if (bB != null) {
          addScaledRow(av, bB, bp, c, ci, n);
        } else {
          addScaledRow(av, bF, bp, c, ci, n);
        }
      }
    }
  }

  private static void addScaledRow(int av, float[] b, int bp, int[] c, int ci, int n) {
    for (int j = 0; j < n; j++) {
      c[ci + j] += av * (int) b[bp + j];
    }
  }

  private static void addScaledRow(int av, byte[] b, int bp, int[] c, int ci, int n) {
    for (int j = 0; j < n; j++) {
      c[ci + j] += av * b[bp + j];
    }
  }
}
