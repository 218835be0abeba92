package org.quantlens.engine.kernels;

/**
 * The reference {@link Int8Gemm}: plain loops accumulating each output in int32, term by term.
 * Exact, so the SIMD kernel must match it bit for bit.
 */
final class Int8GemmScalar implements Int8Gemm {
  @Override
  public int panelWidth() {
    return 16;
  }

  @Override
  public void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
      int ldb, int[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        c[ci + j] = 0;
      }
      int ai = aOff + i * lda;
      for (int p = 0; p < k; p++) {
        int av = (int) a[ai + p];
        int bp = bOff + p * ldb;
        for (int j = 0; j < n; j++) {
          c[ci + j] += av * (int) b[bp + j];
        }
      }
    }
  }

  @Override
  public void multiplyRows(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int[] bRows,
      int bCol, int[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        c[ci + j] = 0;
      }
      int ai = aOff + i * lda;
      for (int p = 0; p < k; p++) {
        int av = (int) a[ai + p];
        int bp = bRows[p] + bCol;
        for (int j = 0; j < n; j++) {
          c[ci + j] += av * (int) b[bp + j];
        }
      }
    }
  }

  @Override
  public void multiply(int m, int n, int k, float[] a, int aOff, int lda, byte[] b, int bOff, int ldb,
      int[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        c[ci + j] = 0;
      }
      int ai = aOff + i * lda;
      for (int p = 0; p < k; p++) {
        int av = (int) a[ai + p];
        int bp = bOff + p * ldb;
        for (int j = 0; j < n; j++) {
          c[ci + j] += av * b[bp + j];
        }
      }
    }
  }

  @Override
  public void multiply(int m, int n, int k, byte[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      int[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        c[ci + j] = 0;
      }
      int ai = aOff + i * lda;
      for (int p = 0; p < k; p++) {
        int av = a[ai + p];
        int bp = bOff + p * ldb;
        for (int j = 0; j < n; j++) {
          c[ci + j] += av * (int) b[bp + j];
        }
      }
    }
  }

  @Override
  public void multiplyRows(int m, int n, int k, byte[] a, int aOff, int lda, float[] b, int[] bRows,
      int bCol, int[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        c[ci + j] = 0;
      }
      int ai = aOff + i * lda;
      for (int p = 0; p < k; p++) {
        int av = a[ai + p];
        int bp = bRows[p] + bCol;
        for (int j = 0; j < n; j++) {
          c[ci + j] += av * (int) b[bp + j];
        }
      }
    }
  }
}
