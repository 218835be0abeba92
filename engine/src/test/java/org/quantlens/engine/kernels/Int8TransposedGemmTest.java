package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Int8TransposedGemmTest {

  private static void check(int m, int n, int k, boolean extreme, long seed) {
    Random r = new Random(seed);
    int lda = k + 3;
    int ldb = k + 5;
    int ldc = n + 2;
    float[] a = new float[2 + m * lda];
    byte[] bt = new byte[1 + n * ldb];
    for (int x = 0; x < a.length; x++) {
      a[x] = extreme ? -128 : r.nextInt(256) - 128;
    }
    for (int x = 0; x < bt.length; x++) {
      bt[x] = extreme ? (byte) -128 : (byte) r.nextInt(256);
    }
    int[] want = new int[m * ldc];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        long s = 0;
        for (int p = 0; p < k; p++) {
          s += (long) a[2 + i * lda + p] * bt[1 + j * ldb + p];
        }
        want[i * ldc + j] = (int) s;
      }
    }
    for (Int8Gemm g : new Int8Gemm[] {Int8Gemm.SCALAR, Int8Gemm.get()}) {
      int[] c = new int[m * ldc];
      g.multiplyTransposed(m, n, k, a, 2, lda, bt, 1, ldb, c, 0, ldc);
      assertArrayEquals(want, c, g.getClass().getSimpleName() + " m=" + m + " n=" + n + " k=" + k);
    }
  }

  @Test
  void transposedProductEqualsNaiveSumsForRowAndColumnTails() {
    int[] ms = {1, 3, 4, 9, 22}; // 9 and 22: the tiled path for 8+ rows, with row tails
    int[] ns = {1, 4, 7, 33, 70};
    int[] ks = {0, 1, 7, 8, 17, 120, 1030, 2049};
    long seed = 1;
    for (int m : ms) {
      for (int n : ns) {
        for (int k : ks) {
          check(m, n, k, false, seed++);
        }
      }
    }
  }

  @Test
  void transposedProductStaysExactAtTheLargestProductsOverLongRows() {
    // (-128)(-128) = 2^14 per term: 4100 terms cross several exact-float blocks
    check(1, 5, 4100, true, 0);
    check(5, 2, 4100, true, 0);
    check(9, 17, 4100, true, 0);
  }
}
