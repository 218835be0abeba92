package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every GEMM kernel (the portable one, and the Vector API one when it is active) against the
 * scalar triple loop {@link Gemm#reference}.
 *
 * <p>Tolerance: the kernels accumulate in float in another order (blocks of 256, fused
 * multiply-add), so an element may differ from the reference by rounding only. We allow
 * {@code |got - ref| <= 1e-5 * sqrt(k) * |alpha| * sum_p |a_ip * b_pj| + 1e-6 * |beta * c_ij|}:
 * the worst-case rounding of either sum is about {@code k * 6e-8 * sum|a b|}, below this bound for
 * every k used here, while a wrong index or a dropped term is off by a whole product.
 */
class GemmKernelTest {
  private static final int[] SIZES = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 129, 257};
  private static final float[][] ALPHA_BETA = {{1f, 0f}, {0.5f, 1f}, {-2f, 0.25f}, {1f, 0f}};

  /** The portable kernel always; the selected one too when it is another (the SIMD kernel). */
  static List<GemmKernel> kernels() {
    List<GemmKernel> ks = new ArrayList<>();
    ks.add(new ScalarGemm());
    if (!(Gemm.kernel() instanceof ScalarGemm)) {
      ks.add(Gemm.kernel());
    }
    return ks;
  }

  /** One multiply: operands as stored, with offsets and leading dimensions. */
  static final class Case {
    final boolean ta;
    final boolean tb;
    final int m;
    final int n;
    final int k;
    final int aOff;
    final int lda;
    final int bOff;
    final int ldb;
    final int cOff;
    final int ldc;
    final float alpha;
    final float beta;
    final float[] a;
    final float[] b;
    final float[] c0;

    Case(Random r, boolean ta, boolean tb, int m, int n, int k, int pad, int off, float alpha,
        float beta, boolean nanC) {
      this.ta = ta;
      this.tb = tb;
      this.m = m;
      this.n = n;
      this.k = k;
      this.alpha = alpha;
      this.beta = beta;
      aOff = off;
      bOff = 2 * off;
      cOff = 3 * off;
      lda = (ta ? m : k) + pad;
      ldb = (tb ? k : n) + pad;
      ldc = n + pad;
      a = random(r, aOff + (ta ? k : m) * lda);
      b = random(r, bOff + (tb ? n : k) * ldb);
      c0 = random(r, cOff + m * ldc);
      if (nanC) {
        java.util.Arrays.fill(c0, Float.NaN);
      }
    }

    @Override
    public String toString() {
      return "m=" + m + " n=" + n + " k=" + k + " transA=" + ta + " transB=" + tb + " alpha="
          + alpha + " beta=" + beta + " offsets=" + aOff + " lda=" + lda + " ldb=" + ldb
          + " ldc=" + ldc;
    }

    float[] reference() {
      float[] c = c0.clone();
      Gemm.reference(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, 0, m);
      return c;
    }

    float[] run(GemmKernel kern, Parallel par) {
      float[] c = c0.clone();
      kern.sgemm(par, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, null);
      return c;
    }

    float[] runPackedB(GemmKernel kern, Parallel par) {
      float[] c = c0.clone();
      PackedMatrix pb = kern.packB(tb, k, n, b, bOff, ldb);
      kern.sgemmPackedB(par, ta, m, alpha, a, aOff, lda, pb, beta, c, cOff, ldc, null);
      return c;
    }

    float[] runPackedA(GemmKernel kern, Parallel par) {
      float[] c = c0.clone();
      PackedMatrix pa = kern.packA(ta, m, k, a, aOff, lda);
      kern.sgemmPackedA(par, pa, tb, n, alpha, b, bOff, ldb, beta, c, cOff, ldc, null);
      return c;
    }

    double absProductSum(int i, int j) {
      double s = 0;
      for (int p = 0; p < k; p++) {
        float av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        float bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        s += Math.abs((double) av * bv);
      }
      return s;
    }

    /** Checks got against ref within the stated bound; elements outside C must be untouched. */
    void check(float[] got, float[] ref, String who) {
      for (int idx = 0; idx < c0.length; idx++) {
        int rel = idx - cOff;
        int i = rel >= 0 ? rel / ldc : -1;
        int j = rel >= 0 ? rel % ldc : -1;
        if (i < 0 || i >= m || j >= n) {
          if (Float.floatToRawIntBits(got[idx]) != Float.floatToRawIntBits(c0[idx])) {
            fail(who + " wrote outside C at index " + idx + " for " + this);
          }
          continue;
        }
        if (Float.isNaN(got[idx]) != Float.isNaN(ref[idx])) {
          fail(who + " C[" + i + "][" + j + "] = " + got[idx] + ", reference " + ref[idx]
              + " for " + this);
        }
        double tol = 1e-5 * Math.sqrt(k) * Math.abs(alpha) * absProductSum(i, j)
            + 1e-6 * Math.abs(beta == 0 ? 0 : beta * c0[idx]) + 1e-30;
        if (Math.abs(got[idx] - ref[idx]) > tol) {
          fail(who + " C[" + i + "][" + j + "] = " + got[idx] + ", reference " + ref[idx]
              + " (difference " + Math.abs(got[idx] - ref[idx]) + " > " + tol + ") for " + this);
        }
      }
    }
  }

  static float[] random(Random r, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = r.nextFloat() * 2 - 1;
    }
    return x;
  }

  @Test
  void everyKernelMatchesReferenceOverTheShapeGridWithAllTransposes() {
    Random r = new Random(42);
    List<GemmKernel> ks = kernels();
    int variant = 0;
    for (int m : SIZES) {
      for (int n : SIZES) {
        for (int k : SIZES) {
          if ((long) m * n * k > (1 << 18)) {
            continue; // the largest shapes are covered by largeShapesSpanningSeveralKBlocks
          }
          for (int t = 0; t < 4; t++) {
            float[] ab = ALPHA_BETA[variant++ % ALPHA_BETA.length];
            boolean nanC = variant % ALPHA_BETA.length == 0; // beta 0 with NaN in C
            Case cs = new Case(r, (t & 1) != 0, (t & 2) != 0, m, n, k, 0, 0, ab[0], ab[1], nanC);
            float[] ref = cs.reference();
            for (GemmKernel kern : ks) {
              cs.check(cs.run(kern, Parallel.SERIAL), ref, kern.getClass().getSimpleName());
            }
          }
        }
      }
    }
  }

  @Test
  void largeShapesSpanningSeveralKBlocks() {
    Random r = new Random(7);
    int[][] shapes = {{257, 257, 257}, {129, 100, 257}, {64, 64, 600}, {3, 50, 1000},
        {100, 3, 700}, {33, 129, 513}};
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        Case cs = new Case(r, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 0, 0, 1f, 0.5f, false);
        float[] ref = cs.reference();
        for (GemmKernel kern : kernels()) {
          cs.check(cs.run(kern, Parallel.SERIAL), ref, kern.getClass().getSimpleName());
        }
      }
    }
  }

  @Test
  void offsetsAndPaddedLeadingDimensionsAreHonouredAndNothingOutsideCIsWritten() {
    Random r = new Random(3);
    int[] sizes = {1, 2, 7, 16, 17, 33};
    for (int m : sizes) {
      for (int n : sizes) {
        for (int k : new int[] {1, 9, 31, 257}) {
          for (int t = 0; t < 4; t++) {
            Case cs = new Case(r, (t & 1) != 0, (t & 2) != 0, m, n, k, 5, 11, 0.75f, -1.5f, false);
            float[] ref = cs.reference();
            for (GemmKernel kern : kernels()) {
              String who = kern.getClass().getSimpleName();
              cs.check(cs.run(kern, Parallel.SERIAL), ref, who);
              cs.check(cs.runPackedB(kern, Parallel.SERIAL), ref, who + " packed B");
              cs.check(cs.runPackedA(kern, Parallel.SERIAL), ref, who + " packed A");
            }
          }
        }
      }
    }
  }

  @Test
  void betaZeroIgnoresNaNInCOnEveryPath() {
    Random r = new Random(5);
    int[][] shapes = {{1, 40, 20}, {40, 1, 20}, {1, 1, 5}, {9, 17, 300}, {1, 33, 257}};
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        Case cs = new Case(r, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 2, 1, 1f, 0f, true);
        for (GemmKernel kern : kernels()) {
          for (float[] got : new float[][] {cs.run(kern, Parallel.SERIAL),
              cs.runPackedB(kern, Parallel.SERIAL), cs.runPackedA(kern, Parallel.SERIAL)}) {
            for (int i = 0; i < cs.m; i++) {
              for (int j = 0; j < cs.n; j++) {
                assertFalse(Float.isNaN(got[cs.cOff + i * cs.ldc + j]), "NaN leaked for " + cs);
              }
            }
            cs.check(got, cs.reference(), kern.getClass().getSimpleName());
          }
        }
      }
    }
  }

  @Test
  void kZeroLeavesBetaTimesC() {
    for (GemmKernel kern : kernels()) {
      float[] c = {1, 2, 3, 4, 5, 6};
      kern.sgemm(Parallel.SERIAL, false, false, 2, 3, 0, 1f, new float[0], 0, 0, new float[0], 0, 3,
          2f, c, 0, 3, null);
      assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, c);
      float[] d = {Float.NaN, 1};
      kern.sgemm(Parallel.SERIAL, false, false, 1, 2, 0, 1f, new float[0], 0, 0, new float[0], 0, 2,
          0f, d, 0, 2, null);
      assertArrayEquals(new float[] {0, 0}, d);
    }
  }

  @Test
  void handComputedTwoByTwo() {
    // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50]; then 2 * that + 1 * [1 1; 1 1]
    for (GemmKernel kern : kernels()) {
      float[] c = {1, 1, 1, 1};
      kern.sgemm(Parallel.SERIAL, false, false, 2, 2, 2, 2f, new float[] {1, 2, 3, 4}, 0, 2,
          new float[] {5, 6, 7, 8}, 0, 2, 1f, c, 0, 2, null);
      assertArrayEquals(new float[] {39, 45, 87, 101}, c);
    }
  }

  @Test
  void packedOperandsGiveBitIdenticalResultsToUnpacked() {
    Random r = new Random(11);
    for (GemmKernel kern : kernels()) {
      for (int m : new int[] {1, 2, 5, 6, 7, 13, 64}) {
        for (int n : new int[] {1, 3, 16, 17, 40, 70}) {
          for (int k : new int[] {1, 5, 256, 257, 300}) {
            for (int t = 0; t < 4; t++) {
              Case cs = new Case(r, (t & 1) != 0, (t & 2) != 0, m, n, k, 1, 3, 1.25f, 0.5f, false);
              float[] plain = cs.run(kern, Parallel.SERIAL);
              if (n == 1 && !cs.ta) {
                // the documented exception: unpacked matrix-vector uses dot products
                cs.check(cs.runPackedB(kern, Parallel.SERIAL), plain, "packed B vs dots");
                cs.check(cs.runPackedA(kern, Parallel.SERIAL), plain, "packed A vs dots");
                continue;
              }
              assertArrayEquals(plain, cs.runPackedB(kern, Parallel.SERIAL), "packed B, " + cs);
              assertArrayEquals(plain, cs.runPackedA(kern, Parallel.SERIAL), "packed A, " + cs);
            }
          }
        }
      }
    }
  }

  @Test
  void callerWrittenPackedLayoutMatchesPackB() {
    Random r = new Random(23);
    for (GemmKernel kern : kernels()) {
      for (int[] s : new int[][] {{1, 40, 30}, {9, 17, 300}, {20, 16, 5}, {3, 1, 7}}) {
        int m = s[0];
        int n = s[1];
        int k = s[2];
        float[] a = random(r, m * k);
        float[] b = random(r, k * n);
        float[] data = new float[kern.packedSizeB(k, n)];
        java.util.Arrays.fill(data, Float.NaN); // padding lanes must not matter
        for (int p = 0; p < k; p++) {
          for (int j = 0; j < n; j++) {
            data[kern.packedIndexB(k, p, j)] = b[p * n + j];
          }
        }
        float[] viaPack = new float[m * n];
        kern.sgemmPackedB(Parallel.SERIAL, false, m, 1f, a, 0, k, kern.packB(false, k, n, b, 0, n),
            0f, viaPack, 0, n, null);
        float[] viaWrap = new float[m * n];
        kern.sgemmPackedB(Parallel.SERIAL, false, m, 1f, a, 0, k, kern.wrapPackedB(data, k, n), 0f,
            viaWrap, 0, n, null);
        assertArrayEquals(viaPack, viaWrap, kern.getClass().getSimpleName() + " " + m + "x" + n
            + "x" + k);
      }
      assertThrows(IllegalArgumentException.class, () -> kern.wrapPackedB(new float[3], 2, 2));
    }
  }

  @Test
  void oneTwoAndThreeThreadsGiveBitIdenticalResults() {
    Random r = new Random(13);
    int[][] shapes = {{100, 129, 257}, {257, 33, 64}, {1, 1000, 300}, {1000, 1, 300},
        {7, 700, 600}, {600, 7, 100}};
    try (GemmTestPool two = new GemmTestPool(2); GemmTestPool three = new GemmTestPool(3)) {
      for (GemmKernel kern : kernels()) {
        for (int[] s : shapes) {
          for (int t = 0; t < 4; t++) {
            Case cs = new Case(r, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 0, 0, 1f, 1f, false);
            float[] one = cs.run(kern, Parallel.SERIAL);
            assertArrayEquals(one, cs.run(kern, two), "2 threads, " + cs);
            assertArrayEquals(one, cs.run(kern, three), "3 threads, " + cs);
            float[] packedOne = cs.runPackedB(kern, Parallel.SERIAL);
            assertArrayEquals(packedOne, cs.runPackedB(kern, two), "packed B, 2 threads, " + cs);
            assertArrayEquals(packedOne, cs.runPackedB(kern, three), "packed B, 3 threads, " + cs);
            float[] packedAOne = cs.runPackedA(kern, Parallel.SERIAL);
            assertArrayEquals(packedAOne, cs.runPackedA(kern, three), "packed A, 3 threads, " + cs);
          }
        }
      }
    }
  }

  @Test
  void aRowComesOutBitIdenticalWhateverTheBatchSize() {
    Random r = new Random(17);
    int m = 13;
    for (GemmKernel kern : kernels()) {
      for (int n : new int[] {5, 40, 100}) {
        for (int k : new int[] {7, 300}) {
          for (boolean tb : new boolean[] {false, true}) {
            float[] a = random(r, m * k);
            float[] b = random(r, k * n);
            int ldb = tb ? k : n;
            PackedMatrix pb = kern.packB(tb, k, n, b, 0, ldb);
            float[] all = new float[m * n];
            kern.sgemm(Parallel.SERIAL, false, tb, m, n, k, 1f, a, 0, k, b, 0, ldb, 0f, all, 0, n,
                null);
            for (int i = 0; i < m; i++) {
              float[] row = new float[n];
              kern.sgemm(Parallel.SERIAL, false, tb, 1, n, k, 1f, a, i * k, k, b, 0, ldb, 0f, row, 0,
                  n, null);
              float[] packedRow = new float[n];
              kern.sgemmPackedB(Parallel.SERIAL, false, 1, 1f, a, i * k, k, pb, 0f, packedRow, 0, n,
                  null);
              float[] expected = java.util.Arrays.copyOfRange(all, i * n, i * n + n);
              String what = kern.getClass().getSimpleName() + " row " + i + " n=" + n + " k=" + k
                  + " transB=" + tb;
              assertArrayEquals(expected, row, what);
              assertArrayEquals(expected, packedRow, what + " packed");
            }
          }
        }
      }
    }
  }

  @Test
  void epilogueSeesEveryFinishedElementExactlyOnce() {
    Random r = new Random(19);
    int[][] shapes = {{37, 45, 300}, {1, 200, 50}, {200, 1, 50}, {6, 16, 1}};
    try (GemmTestPool three = new GemmTestPool(3)) {
      for (GemmKernel kern : kernels()) {
        for (int[] s : shapes) {
          int m = s[0];
          int n = s[1];
          int k = s[2];
          Case cs = new Case(r, false, true, m, n, k, 3, 2, 1f, 0f, false);
          int[] seen = new int[m * n];
          float[] atCall = new float[m * n];
          for (boolean packed : new boolean[] {false, true}) {
            float[] expected = packed ? cs.runPackedB(kern, Parallel.SERIAL)
                : cs.run(kern, Parallel.SERIAL);
            java.util.Arrays.fill(seen, 0);
            float[] c = cs.c0.clone();
            GemmEpilogue ep = (arr, off, row, col, len) -> {
              assertEquals(cs.cOff + row * cs.ldc + col, off, "offset of row " + row);
              for (int j = 0; j < len; j++) {
                seen[row * n + col + j]++;
                atCall[row * n + col + j] = arr[off + j];
                arr[off + j] = -arr[off + j]; // the epilogue may rewrite its segment
              }
            };
            if (packed) {
              kern.sgemmPackedB(three, false, m, 1f, cs.a, cs.aOff, cs.lda,
                  kern.packB(true, k, n, cs.b, cs.bOff, cs.ldb), 0f, c, cs.cOff, cs.ldc, ep);
            } else {
              kern.sgemm(three, false, true, m, n, k, 1f, cs.a, cs.aOff, cs.lda, cs.b, cs.bOff,
                  cs.ldb, 0f, c, cs.cOff, cs.ldc, ep);
            }
            for (int i = 0; i < m; i++) {
              for (int j = 0; j < n; j++) {
                int e = cs.cOff + i * cs.ldc + j;
                assertEquals(1, seen[i * n + j], "calls for (" + i + "," + j + ") " + cs);
                assertEquals(expected[e], atCall[i * n + j], "value seen at (" + i + "," + j + ") "
                    + cs);
                assertEquals(-expected[e], c[e], "rewritten value at (" + i + "," + j + ")");
              }
            }
          }
        }
      }
    }
  }

  @Test
  void packedMatrixReportsItsShapeAndIsCheckedOnUse() {
    GemmKernel kern = Gemm.kernel();
    PackedMatrix b = kern.packB(true, 10, 3, new float[30], 0, 10);
    assertEquals(10, b.rows());
    assertEquals(3, b.cols());
    assertEquals(PackedMatrix.Side.B, b.side());
    assertEquals(kern.nr(), b.panelWidth());
    PackedMatrix a = kern.packA(false, 4, 10, new float[40], 0, 10);
    assertEquals(4, a.rows());
    assertEquals(10, a.cols());
    assertThrows(IllegalArgumentException.class, () -> kern.sgemmPackedB(Parallel.SERIAL, false, 2,
        1f, new float[20], 0, 10, a, 0f, new float[8], 0, 4, null));
    GemmKernel other = kern instanceof ScalarGemm ? null : new ScalarGemm();
    if (other != null && other.nr() != kern.nr()) {
      assertThrows(IllegalArgumentException.class, () -> other.sgemmPackedB(Parallel.SERIAL, false,
          2, 1f, new float[20], 0, 10, b, 0f, new float[6], 0, 3, null));
    }
  }

  @Test
  void simdKernelIsSelectedWhenTheVectorApiIsEnabled() {
    if (Kernels.simd()) {
      assertEquals("SimdGemm", Gemm.kernel().getClass().getSimpleName());
    } else {
      assertTrue(Gemm.kernel() instanceof ScalarGemm);
    }
  }

  /**
   * Warm calls on every path keep their buffers per thread: the bytes allocated per call stay under
   * a small bound (lambdas and operand descriptors) however large the scratch is. Measured on the
   * portable kernel: a Vector API kernel boxes its vectors until C2 compiles it.
   */
  @Test
  void warmCallsOnEveryPathAllocateOnlyASmallConstant() {
    java.lang.management.ThreadMXBean std = java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(std instanceof com.sun.management.ThreadMXBean,
        "com.sun.management.ThreadMXBean not available");
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) std;
    org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported(),
        "thread allocation measurement not supported");
    mx.setThreadAllocatedMemoryEnabled(true);
    GemmKernel g = new ScalarGemm();
    Random rng = new Random(11);
    int m = 20;
    int n = 2000; // matrix-vector scratch of 1024 floats (4 KB) per call if it were not kept
    int k = 300; // two blocks of k
    float[] a = new float[m * k];
    float[] b = new float[k * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = rng.nextFloat() - 0.5f;
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = rng.nextFloat() - 0.5f;
    }
    float[] c = new float[m * n];
    PackedMatrix pb = g.packB(false, k, n, b, 0, n);
    PackedMatrix pa = g.packA(false, m, k, a, 0, k);
    Runnable[] paths = {
      () -> g.sgemm(Parallel.SERIAL, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, null),
      () -> g.sgemmPackedB(Parallel.SERIAL, false, m, 1f, a, 0, k, pb, 0f, c, 0, n, null),
      () -> g.sgemmPackedA(Parallel.SERIAL, pa, false, n, 1f, b, 0, n, 0f, c, 0, n, null),
      () -> g.sgemmPackedB(Parallel.SERIAL, false, 1, 1f, a, 0, k, pb, 0f, c, 0, n, null),
      () -> g.sgemm(Parallel.SERIAL, false, false, 1, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, null),
      () -> g.sgemm(Parallel.SERIAL, false, true, 1, k / 2, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n,
          null),
      () -> g.sgemm(Parallel.SERIAL, true, false, n, 1, k, 1f, b, 0, n, a, 0, 1, 0f, c, 0, 1, null),
    };
    long tid = Thread.currentThread().getId();
    for (int path = 0; path < paths.length; path++) {
      for (int i = 0; i < 3; i++) {
        paths[path].run();
      }
      int calls = 10;
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < calls; i++) {
        paths[path].run();
      }
      long perCall = (mx.getThreadAllocatedBytes(tid) - before) / calls;
      assertTrue(perCall < 1024, "path " + path + " allocated " + perCall + " bytes per call");
    }
  }

  /**
   * On one thread a product of several row blocks (an RNN's input projection over 200 steps: 50
   * panels of A) runs its blocks in a loop, not through a task lambda (80 bytes per call before).
   * The portable kernel, so no vector code can box.
   */
  @Test
  void aSerialProductOfSeveralRowBlocksAllocatesNothingOnceWarm() {
    java.lang.management.ThreadMXBean std = java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(std instanceof com.sun.management.ThreadMXBean,
        "com.sun.management.ThreadMXBean not available");
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) std;
    org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported(),
        "thread allocation measurement not supported");
    mx.setThreadAllocatedMemoryEnabled(true);
    GemmKernel g = new ScalarGemm();
    int m = 200;
    int n = 144;
    int k = 24;
    float[] a = new float[m * k];
    float[] w = new float[n * k];
    Random rng = new Random(5);
    for (int i = 0; i < a.length; i++) {
      a[i] = rng.nextFloat() - 0.5f;
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = rng.nextFloat() - 0.5f;
    }
    float[] c = new float[m * n];
    PackedMatrix pw = g.packB(true, k, n, w, 0, k);
    long tid = Thread.currentThread().getId();
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 10; i++) {
        g.sgemmPackedB(Parallel.SERIAL, false, m, 1f, a, 0, k, pw, 0f, c, 0, n, null);
      }
      best = Math.min(best, (mx.getThreadAllocatedBytes(tid) - before) / 10);
    }
    assertEquals(0, best, "bytes per call");
  }
}
