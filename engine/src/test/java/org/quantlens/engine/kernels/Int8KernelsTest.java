package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The int8 kernels: SIMD implementations against the scalar references, bit for bit (both are
 * exact), and both against naive formulas written here. The SIMD classes are loaded directly so
 * the comparison runs even under {@code -Dquantlens.simd=false}.
 */
class Int8KernelsTest {
  static <T> T simd(Class<T> type, String name) {
    Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        "jdk.incubator.vector is not in the boot layer");
    try {
      return type.cast(Class.forName("org.quantlens.engine.kernels.simd." + name).getConstructor().newInstance());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** Random int8 values as floats, with a share of the extremes -128 and 127. */
  static float[] int8s(Random r, int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      int t = r.nextInt(10);
      f[i] = t == 0 ? -128 : t == 1 ? 127 : r.nextInt(256) - 128;
    }
    return f;
  }

  /** Naive product with long accumulation, narrowed to int only at the end. */
  static int[] naive(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb) {
    int[] c = new int[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        long s = 0;
        for (int p = 0; p < k; p++) {
          s += (long) a[aOff + i * lda + p] * (long) b[bOff + p * ldb + j];
        }
        c[i * n + j] = (int) s;
      }
    }
    return c;
  }

  static int[] run(Int8Gemm g, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb) {
    int ldc = n + 3;
    int[] c = new int[5 + m * ldc];
    java.util.Arrays.fill(c, 0x5a5a5a5a); // garbage the kernel must overwrite
    g.multiply(m, n, k, a, aOff, lda, b, bOff, ldb, c, 5, ldc);
    int[] r = new int[m * n];
    for (int i = 0; i < m; i++) {
      System.arraycopy(c, 5 + i * ldc, r, i * n, n);
    }
    return r;
  }

  @Test
  void simdGemmMatchesScalarAndNaiveBitExactOverOddShapesTailsAndLongK() {
    Int8Gemm simd = simd(Int8Gemm.class, "SimdInt8Gemm");
    Random r = new Random(11);
    int[] ms = {1, 2, 3, 4, 5, 7, 9, 13};
    int[] ns = {1, 3, 15, 16, 17, 31, 32, 33, 48, 69};
    int[] ks = {0, 1, 2, 7, 255, 256, 257, 1023, 1024, 1025, 2100};
    int cases = 0;
    for (int m : ms) {
      for (int n : ns) {
        for (int k : ks) {
          if ((long) m * n * k > 400_000 && r.nextInt(4) != 0) {
            continue; // keep the run short: a random quarter of the large cases
          }
          int lda = k + 2;
          int ldb = n + 1;
          float[] a = int8s(r, 3 + m * lda);
          float[] b = int8s(r, 1 + Math.max(1, k) * ldb);
          int[] want = naive(m, n, k, a, 3, lda, b, 1, ldb);
          assertArrayEquals(want, run(Int8Gemm.SCALAR, m, n, k, a, 3, lda, b, 1, ldb), "scalar " + m + "x" + n + "x" + k);
          assertArrayEquals(want, run(simd, m, n, k, a, 3, lda, b, 1, ldb), "simd " + m + "x" + n + "x" + k);
          cases++;
        }
      }
    }
    assertEquals(true, cases > 500, "ran " + cases + " shapes");
  }

  @Test
  void simdGemmOnPackedPanelsMatchesScalarBitExact() {
    // B as one packed panel (rows exactly panelWidth apart): the SIMD kernel's constant-stride path
    Int8Gemm simd = simd(Int8Gemm.class, "SimdInt8Gemm");
    Random r = new Random(12);
    int nr = simd.panelWidth();
    for (int m : new int[] {1, 3, 4, 8, 11}) {
      for (int k : new int[] {1, 9, 256, 300, 1500}) {
        float[] a = int8s(r, m * k);
        float[] b = int8s(r, 2 * k * nr);
        for (int q = 0; q < 2; q++) {
          int[] want = naive(m, nr, k, a, 0, k, b, q * k * nr, nr);
          assertArrayEquals(want, run(simd, m, nr, k, a, 0, k, b, q * k * nr, nr), "m " + m + " k " + k);
          assertArrayEquals(want, run(Int8Gemm.SCALAR, m, nr, k, a, 0, k, b, q * k * nr, nr));
        }
      }
    }
  }

  @Test
  void simdGemmWithIndirectRowsMatchesScalarAndNaive() {
    Int8Gemm simd = simd(Int8Gemm.class, "SimdInt8Gemm");
    Random r = new Random(14);
    for (int m : new int[] {1, 2, 4, 5, 9}) {
      for (int n : new int[] {1, 16, 17, 40, 64}) {
        for (int k : new int[] {1, 9, 130, 300}) {
          float[] b = int8s(r, 4000 + n);
          int[] rows = new int[k];
          float[] dense = new float[k * n];
          for (int p = 0; p < k; p++) {
            rows[p] = r.nextInt(4000 - 7);
            System.arraycopy(b, rows[p] + 7, dense, p * n, n);
          }
          float[] a = int8s(r, m * k);
          int[] want = naive(m, n, k, a, 0, k, dense, 0, n);
          for (Int8Gemm g : new Int8Gemm[] {Int8Gemm.SCALAR, simd}) {
            int[] c = new int[m * n];
            g.multiplyRows(m, n, k, a, 0, k, b, rows, 7, c, 0, n);
            assertArrayEquals(want, c, g + " " + m + "x" + n + "x" + k);
          }
        }
      }
    }
  }

  @Test
  void simdGemmStaysExactWhenEveryProductIsTheLargest() {
    // -128 * -128 = 2^14 per term; 5000 terms sum to 81,920,000 > 2^24: exact only with chunking.
    Int8Gemm simd = simd(Int8Gemm.class, "SimdInt8Gemm");
    int m = 9; // >= 8 rows: B's blocks go through the packed tile; one row runs alone
    int n = 35;
    int k = 5000;
    float[] a = new float[m * k];
    float[] b = new float[k * n];
    java.util.Arrays.fill(a, -128);
    java.util.Arrays.fill(b, -128);
    b[7 * n + 3] = 127; // one different term in column 3
    int[] c = run(simd, m, n, k, a, 0, k, b, 0, n);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        assertEquals(j == 3 ? 4999 * 16384 - 128 * 127 : 5000 * 16384, c[i * n + j]);
      }
    }
    assertArrayEquals(c, run(Int8Gemm.SCALAR, m, n, k, a, 0, k, b, 0, n));
  }

  static byte[] bytes(float[] f) {
    byte[] b = new byte[f.length];
    for (int i = 0; i < f.length; i++) {
      b[i] = (byte) f[i];
    }
    return b;
  }

  /** The byte-operand entry points, SIMD and scalar, against the naive product of the same values. */
  @Test
  void byteOperandGemmsMatchNaiveBitExactOverOddShapesTailsAndLongK() {
    Int8Gemm simd = simd(Int8Gemm.class, "SimdInt8Gemm");
    Random r = new Random(15);
    int cases = 0;
    for (int m : new int[] {1, 2, 3, 4, 5, 9}) {
      for (int n : new int[] {1, 15, 16, 17, 32, 40}) {
        for (int k : new int[] {0, 1, 2, 127, 128, 129, 300, 1025}) {
          int lda = k + 2;
          int ldb = n + 1;
          float[] a = int8s(r, 3 + m * lda);
          float[] b = int8s(r, 1 + Math.max(1, k) * ldb);
          byte[] ab = bytes(a);
          byte[] bb = bytes(b);
          int[] want = naive(m, n, k, a, 3, lda, b, 1, ldb);
          int[] rows = new int[k];
          for (int p = 0; p < k; p++) {
            rows[p] = 1 + p * ldb;
          }
          for (Int8Gemm g : new Int8Gemm[] {Int8Gemm.SCALAR, simd}) {
            String what = g + " " + m + "x" + n + "x" + k;
            int ldc = n + 3;
            int[][] c = new int[3][5 + m * ldc];
            for (int[] x : c) {
              java.util.Arrays.fill(x, 0x5a5a5a5a);
            }
            g.multiply(m, n, k, a, 3, lda, bb, 1, ldb, c[0], 5, ldc);
            g.multiply(m, n, k, ab, 3, lda, b, 1, ldb, c[1], 5, ldc);
            g.multiplyRows(m, n, k, ab, 3, lda, b, rows, 0, c[2], 5, ldc);
            for (int v = 0; v < 3; v++) {
              int[] got = new int[m * n];
              for (int i = 0; i < m; i++) {
                System.arraycopy(c[v], 5 + i * ldc, got, i * n, n);
              }
              assertArrayEquals(want, got, what + (v == 0 ? " byte B" : v == 1 ? " byte A" : " byte A, rows"));
            }
          }
          cases++;
        }
      }
    }
    assertEquals(288, cases);
  }

  /**
   * Byte B in packed panels (rows exactly one panel width apart, the engine's layout), one row of
   * A (the batch-1 kernel for that stride) and a few rows, odd and even K across several K blocks,
   * including all-largest products, against the naive sums.
   */
  @Test
  void byteWeightPanelsMatchNaiveBitExactAtBatchOneAndAbove() {
    Int8Gemm simd = simd(Int8Gemm.class, "SimdInt8Gemm");
    int nr = simd.panelWidth();
    Random r = new Random(21);
    for (int m : new int[] {1, 2, 5}) {
      for (int k : new int[] {1, 2, 3, 127, 128, 129, 256, 301, 1000}) {
        for (boolean extreme : new boolean[] {false, true}) {
          float[] a = int8s(r, 3 + m * k);
          float[] b = int8s(r, 2 + k * nr);
          if (extreme) {
            java.util.Arrays.fill(a, -128);
            java.util.Arrays.fill(b, -128);
          }
          int[] want = naive(m, nr, k, a, 3, k, b, 2, nr);
          for (Int8Gemm g : new Int8Gemm[] {Int8Gemm.SCALAR, simd}) {
            int[] c = new int[m * nr];
            java.util.Arrays.fill(c, 0x5a5a5a5a);
            g.multiply(m, nr, k, a, 3, k, bytes(b), 2, nr, c, 0, nr);
            assertArrayEquals(want, c, g + " " + m + "x" + nr + "x" + k + (extreme ? " all -128" : ""));
          }
        }
      }
    }
  }

  /**
   * One row against widened panels (a recurrent step's product): packed panels take the SIMD
   * kernel's four-panel path, rows read in place (a variable row stride) the general one.
   */
  @Test
  void widenedPanelsRowMatchesNaiveBitExactPackedOrReadInPlace() {
    Int8Gemm simd = simd(Int8Gemm.class, "SimdInt8Gemm");
    int nr = simd.panelWidth();
    int panels = 6; // a group of four, then two single panels
    Random r = new Random(23);
    for (int k : new int[] {1, 127, 128, 129, 300}) {
      float[] a = int8s(r, 3 + k);
      for (boolean packed : new boolean[] {true, false}) {
        int panelStride = packed ? k * nr : nr;
        int ldb = packed ? nr : panels * nr + 5;
        float[] b = int8s(r, 2 + (panels - 1) * panelStride + (k - 1) * ldb + nr);
        int[] want = new int[panels * nr];
        for (int q = 0; q < panels; q++) {
          int[] one = naive(1, nr, k, a, 3, k, b, 2 + q * panelStride, ldb);
          System.arraycopy(one, 0, want, q * nr, nr);
        }
        for (Int8Gemm g : new Int8Gemm[] {Int8Gemm.SCALAR, simd}) {
          int[] c = new int[panels * nr];
          java.util.Arrays.fill(c, 0x5a5a5a5a);
          g.multiplyPanelsRow(panels, k, a, 3, b, 2, panelStride, ldb, c, 0);
          assertArrayEquals(want, c, g + " k " + k + (packed ? " packed" : " in place"));
        }
      }
    }
  }

  @Test
  void byteOperandGemmsStayExactWhenEveryProductIsTheLargest() {
    Int8Gemm simd = simd(Int8Gemm.class, "SimdInt8Gemm");
    for (int m : new int[] {1, 5}) {
      int n = 35;
      int k = 5000;
      byte[] ab = new byte[m * k];
      byte[] bb = new byte[k * n];
      java.util.Arrays.fill(ab, (byte) -128);
      java.util.Arrays.fill(bb, (byte) -128);
      bb[7 * n + 3] = 127;
      float[] a = new float[m * k];
      float[] b = new float[k * n];
      for (int i = 0; i < a.length; i++) {
        a[i] = ab[i];
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = bb[i];
      }
      for (Int8Gemm g : new Int8Gemm[] {Int8Gemm.SCALAR, simd}) {
        int[] c1 = new int[m * n];
        int[] c2 = new int[m * n];
        g.multiply(m, n, k, a, 0, k, bb, 0, n, c1, 0, n);
        g.multiply(m, n, k, ab, 0, k, b, 0, n, c2, 0, n);
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            int want = j == 3 ? 4999 * 16384 - 128 * 127 : 5000 * 16384;
            assertEquals(want, c1[i * n + j], g + " byte B");
            assertEquals(want, c2[i * n + j], g + " byte A");
          }
        }
      }
    }
  }

  @Test
  void requantizeRoundsTiesToEvenAndSaturatesHandComputed() {
    Requantize simd = simd(Requantize.class, "SimdInt8Requantize");
    // scale 0.5: odd accumulators land exactly on .5
    int[] acc = {1, 3, 5, -1, -3, -5, 7, 2, 1000, -1000, Integer.MAX_VALUE, Integer.MIN_VALUE, 0, 9, 11, 13, 15};
    int[] want = {10, 12, 12, 10, 8, 8, 14, 11, 510, -490, 100_000, -100_000, 10, 14, 16, 16, 18};
    for (Requantize q : new Requantize[] {Requantize.SCALAR, simd}) {
      byte[] out = new byte[acc.length];
      q.requantizeRow(acc, 0, acc.length, 0, 0.5f, 10, -128, 127, out, 0);
      for (int i = 0; i < acc.length; i++) {
        assertEquals(Math.min(127, Math.max(-128, want[i])), out[i], q + " acc " + acc[i]);
      }
      // uint8 with a fused Relu at zero point 10: nothing below 10
      q.requantizeRow(acc, 0, acc.length, 0, 0.5f, 10, 10, 255, out, 0);
      for (int i = 0; i < acc.length; i++) {
        assertEquals(Math.min(255, Math.max(10, want[i])), out[i] & 0xff, q + " relu acc " + acc[i]);
      }
    }
  }

  @Test
  void requantizeSimdMatchesScalarOnRandomAccumulatorsBiasesAndScales() {
    Requantize simd = simd(Requantize.class, "SimdInt8Requantize");
    Random r = new Random(5);
    for (int t = 0; t < 300; t++) {
      int n = r.nextInt(70);
      int[] acc = new int[n + 2];
      float[] scale = new float[n + 1];
      float[] bias = new float[n + 4];
      for (int i = 0; i < acc.length; i++) {
        acc[i] = t % 3 == 0 ? r.nextInt() : r.nextInt(200_000) - 100_000;
      }
      for (int i = 0; i < scale.length; i++) {
        scale[i] = (float) Math.exp(r.nextGaussian() * 3 - 8);
      }
      for (int i = 0; i < bias.length; i++) {
        bias[i] = (float) r.nextGaussian();
      }
      int zp = r.nextInt(256);
      int lo = r.nextInt(60);
      int hi = 255 - r.nextInt(60);
      int b = r.nextInt(20_000) - 10_000;
      byte[] o1 = new byte[n + 1];
      byte[] o2 = new byte[n + 1];
      Requantize.SCALAR.requantizeRow(acc, 2, n, b, scale[0], zp, lo, hi, o1, 1);
      simd.requantizeRow(acc, 2, n, b, scale[0], zp, lo, hi, o2, 1);
      assertArrayEquals(o1, o2, "row " + t);
      Requantize.SCALAR.requantizeColumns(acc, 1, n, scale, 1, zp - 128, lo - 128, hi - 128, o1, 0);
      simd.requantizeColumns(acc, 1, n, scale, 1, zp - 128, lo - 128, hi - 128, o2, 0);
      assertArrayEquals(o1, o2, "columns " + t);
      float[] f1 = new float[n];
      float[] f2 = new float[n];
      Requantize.SCALAR.toFloatColumns(acc, 0, n, scale, 0, t % 2 == 0 ? null : bias, 3, f1, 0);
      simd.toFloatColumns(acc, 0, n, scale, 0, t % 2 == 0 ? null : bias, 3, f2, 0);
      assertArrayEquals(f1, f2, "float " + t);
      int[] a1 = acc.clone();
      int[] a2 = acc.clone();
      Requantize.SCALAR.addScaled(a1, 1, n, b, acc, 0);
      simd.addScaled(a2, 1, n, b, acc, 0);
      assertArrayEquals(a1, a2, "addScaled " + t);
    }
  }

  @Test
  void quantizeRoundsTiesToEvenSaturatesAndMapsNanToZeroPoint() {
    QuantizeKernels simd = simd(QuantizeKernels.class, "SimdInt8Quantize");
    float[] x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49f, 1000f, -1000f,
        Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 126.5f, 127.5f, -128.5f};
    int[] want = {0, 2, 2, 0, -2, -2, 3, 127, -128, 0, 127, -128, 0, 0, 126, 127, -128};
    for (QuantizeKernels q : new QuantizeKernels[] {QuantizeKernels.SCALAR, simd}) {
      byte[] y = new byte[x.length];
      q.quantize(x, 0, x.length, 1f, 0, -128, 127, y, 0);
      for (int i = 0; i < x.length; i++) {
        assertEquals(want[i], y[i], q + " x=" + x[i]);
      }
      q.quantize(x, 0, x.length, 0.5f, 128, 0, 255, y, 0); // x / 0.5 = 2x, + 128
      for (int i = 0; i < x.length; i++) {
        double v = x[i] * 2.0;
        int e = Double.isNaN(v) ? 128 : (int) Math.max(0, Math.min(255, Math.rint(v) + 128));
        assertEquals(e, y[i] & 0xff, q + " u8 x=" + x[i]);
      }
    }
  }

  /** A row so long that its codes' sum passes 2^24: the SIMD sum stays exact. */
  @Test
  void quantizeCenteredSumsLongRowsExactly() {
    QuantizeKernels simd = simd(QuantizeKernels.class, "SimdInt8Quantize");
    int n = 70_001;
    float[] x = new float[n];
    java.util.Arrays.fill(x, 1000f); // saturates at 255
    x[5] = 3.5f; // one code off the pattern: 4 (half to even)
    float[] a = new float[n];
    int want = 255 * (n - 1) + 4;
    assertTrue(want > 1 << 24);
    for (QuantizeKernels q : new QuantizeKernels[] {QuantizeKernels.SCALAR, simd}) {
      assertEquals(want, q.quantizeCentered(x, 0, n, 1f, 0, 0, 255, a, 0), q.toString());
      assertEquals(4f, a[5]);
      assertEquals(255f, a[n - 1]);
    }
  }

  @Test
  void quantizeDequantizeAndWidenSimdMatchScalarOnRandomData() {
    QuantizeKernels simd = simd(QuantizeKernels.class, "SimdInt8Quantize");
    Random r = new Random(9);
    for (int t = 0; t < 300; t++) {
      int n = r.nextInt(90);
      float[] x = new float[n + 3];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (r.nextGaussian() * 3);
        if (r.nextInt(20) == 0) {
          x[i] = Math.round(x[i] * 4) / 4f; // ties for scale 0.5
        }
      }
      float scale = t % 5 == 0 ? 0.5f : (float) Math.exp(r.nextGaussian() - 3);
      boolean unsigned = t % 2 == 0;
      int zp = unsigned ? r.nextInt(256) : r.nextInt(256) - 128;
      byte[] y1 = new byte[n];
      byte[] y2 = new byte[n];
      QuantizeKernels.SCALAR.quantize(x, 3, n, scale, zp, unsigned ? 0 : -128, unsigned ? 255 : 127, y1, 0);
      simd.quantize(x, 3, n, scale, zp, unsigned ? 0 : -128, unsigned ? 255 : 127, y2, 0);
      assertArrayEquals(y1, y2, "quantize " + t);
      float[] d1 = new float[n];
      float[] d2 = new float[n];
      QuantizeKernels.SCALAR.dequantize(y1, 0, n, unsigned, zp, scale, d1, 0);
      simd.dequantize(y1, 0, n, unsigned, zp, scale, d2, 0);
      assertArrayEquals(d1, d2, "dequantize " + t);
      for (int i = 0; i < n; i++) {
        int q = unsigned ? y1[i] & 0xff : y1[i];
        assertEquals((q - zp) * scale, d1[i], "dequantize formula");
      }
      int s1 = QuantizeKernels.SCALAR.widen(y1, 0, n, unsigned, d1, 0);
      int s2 = simd.widen(y1, 0, n, unsigned, d2, 0);
      assertArrayEquals(d1, d2, "widen " + t);
      int s = 0;
      for (int i = 0; i < n; i++) {
        int v = unsigned ? (y1[i] & 0xff) - 128 : y1[i];
        assertEquals(v, d1[i], "widened value");
        s += v;
      }
      assertEquals(s, s1);
      assertEquals(s, s2);
      // quantizeCentered: the codes less the zero point, and their sum, from the quantized bytes
      int lo = unsigned ? 0 : -128;
      int hi = unsigned ? 255 : 127;
      int want = 0;
      for (int i = 0; i < n; i++) {
        want += (unsigned ? y1[i] & 0xff : y1[i]) - zp;
      }
      for (QuantizeKernels q : new QuantizeKernels[] {QuantizeKernels.SCALAR, simd}) {
        float[] c = new float[n + 2];
        assertEquals(want, q.quantizeCentered(x, 3, n, scale, zp, lo, hi, c, 2), q + " sum " + t);
        for (int i = 0; i < n; i++) {
          assertEquals((unsigned ? y1[i] & 0xff : y1[i]) - zp, c[i + 2], q + " centered " + t + " [" + i + "]");
        }
      }
    }
  }
}
