package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The blocked paths against a naive loop written here that follows the summation order the
 * {@link GemmKernel} javadoc promises: blocks of {@link GemmKernel#KC} steps, each summed from zero
 * in order of k (multiply then add for {@link ScalarGemm}, a fused multiply-add for the SIMD
 * kernel), then {@code y = alpha * t + beta * y} for the first block and {@code y + alpha * t}
 * after. Results must agree bit for bit, so any change of blocking (staged partial sums, slab
 * layouts, row and column blocks, threads) that reorders a single addition fails here. Shapes sit
 * just below, on and above multiples of KC, of the register tile and of a block of row panels.
 */
class GemmBlockOrderTest {
  private static final int KC = GemmKernel.KC;

  /** Element (i, j) of C as the documented order computes it. */
  private static float expected(GemmKernelTest.Case cs, int i, int j, boolean fused) {
    float y = cs.c0[cs.cOff + i * cs.ldc + j];
    for (int k0 = 0; k0 < cs.k; k0 += KC) {
      float t = 0;
      for (int p = k0; p < Math.min(cs.k, k0 + KC); p++) {
        float av = cs.ta ? cs.a[cs.aOff + p * cs.lda + i] : cs.a[cs.aOff + i * cs.lda + p];
        float bv = cs.tb ? cs.b[cs.bOff + j * cs.ldb + p] : cs.b[cs.bOff + p * cs.ldb + j];
        t = fused ? Math.fma(av, bv, t) : t + av * bv;
      }
      if (k0 > 0) {
        y = y + cs.alpha * t;
      } else if (cs.beta == 0) {
        y = cs.alpha * t;
      } else {
        y = cs.alpha * t + cs.beta * y;
      }
    }
    return y;
  }

  private static void assertOrder(GemmKernelTest.Case cs, GemmKernel kern, float[] got,
      String path) {
    boolean fused = !(kern instanceof ScalarGemm);
    for (int i = 0; i < cs.m; i++) {
      for (int j = 0; j < cs.n; j++) {
        float want = expected(cs, i, j, fused);
        float have = got[cs.cOff + i * cs.ldc + j];
        if (Float.floatToIntBits(want) != Float.floatToIntBits(have)) {
          assertEquals(want, have, kern.getClass().getSimpleName() + " " + path + " C[" + i + "]["
              + j + "] for " + cs);
        }
      }
    }
  }

  @Test
  void blockedPathsSumInTheDocumentedOrderBitForBitAroundEveryBlockEdge() {
    Random r = new Random(2026);
    try (GemmTestPool two = new GemmTestPool(2)) {
      for (GemmKernel kern : GemmKernelTest.kernels()) {
        int mc = kern.mr() * 16; // rows of one task's block of panels
        int[][] shapes = {
            {mc - 1, kern.nr() + 1, KC - 1}, {mc, kern.nr(), KC}, {mc + 1, 2 * kern.nr() - 1, KC + 1},
            {2 * mc + 1, 3 * kern.nr() + 1, 2 * KC}, {kern.mr() + 1, 5 * kern.nr(), 2 * KC + 1},
            {3, 40, 3 * KC + 7}, {37, 2, 2 * KC - 1},
            // few rows: B as stored runs row by row as matrix-vector products
            {2, 70, KC + 3}, {5, 33, 2 * KC}, {8, 17, 40}, {9, 17, KC + 1},
            // more columns than one task stages partial sums for at once
            {13, 64 * kern.nr() + 17, KC + 5}};
        for (int[] s : shapes) {
          for (int t = 0; t < 4; t++) {
            float[][] ab = {{1f, 0f}, {0.5f, 0.75f}, {-2f, 0f}, {1.5f, -1f}};
            GemmKernelTest.Case cs = new GemmKernelTest.Case(r, (t & 1) != 0, (t & 2) != 0, s[0],
                s[1], s[2], 3, 5, ab[t][0], ab[t][1], false);
            assertOrder(cs, kern, cs.run(kern, Parallel.SERIAL), "sgemm");
            assertOrder(cs, kern, cs.run(kern, two), "sgemm on 2 threads");
            assertOrder(cs, kern, cs.runPackedB(kern, two), "packed B on 2 threads");
            assertOrder(cs, kern, cs.runPackedA(kern, Parallel.SERIAL), "packed A");
          }
        }
      }
    }
  }

  @Test
  void fewRowsGiveEachRowsOwnBitsAndIndexToTheEpilogueOnAnyThreadCount() {
    Random r = new Random(5);
    try (GemmTestPool two = new GemmTestPool(2)) {
      for (GemmKernel kern : GemmKernelTest.kernels()) {
        for (int m = 2; m <= 9; m++) {
          int n = 300;
          int k = KC + 20;
          GemmKernelTest.Case cs = new GemmKernelTest.Case(r, m % 2 == 0, false, m, n, k, 2, 3, 1f,
              0.5f, false);
          float[] whole = cs.c0.clone();
          int[] seen = new int[m * n];
          GemmEpilogue ep = (arr, off, row, col, len) -> {
            assertEquals(cs.cOff + row * cs.ldc + col, off, "offset of row " + row);
            for (int j = 0; j < len; j++) {
              seen[row * n + col + j]++;
            }
          };
          kern.sgemm(two, cs.ta, false, m, n, k, 1f, cs.a, cs.aOff, cs.lda, cs.b, cs.bOff, cs.ldb,
              0.5f, whole, cs.cOff, cs.ldc, ep);
          for (int i = 0; i < m; i++) {
            float[] row = java.util.Arrays.copyOfRange(cs.c0, cs.cOff + i * cs.ldc,
                cs.cOff + i * cs.ldc + n);
            int aRow = cs.aOff + i * (cs.ta ? 1 : cs.lda);
            kern.sgemm(Parallel.SERIAL, cs.ta, false, 1, n, k, 1f, cs.a, aRow, cs.lda, cs.b, cs.bOff,
                cs.ldb, 0.5f, row, 0, n, null);
            assertArrayEquals(row, java.util.Arrays.copyOfRange(whole, cs.cOff + i * cs.ldc,
                cs.cOff + i * cs.ldc + n), "row " + i + " of " + cs);
          }
          for (int e = 0; e < seen.length; e++) {
            assertEquals(1, seen[e], "epilogue calls for element " + e + " of " + cs);
          }
        }
      }
    }
  }
}
