package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Int8WeightPanelsTest {

  /** Naive dequantized product, written independently of the panel code. */
  private static float[] naive(int rows, int k, int n, byte[] w, boolean unsigned, int[] zp, float[] ws,
      int[] a, int[] za, float[] as) {
    float[] out = new float[rows * n];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < n; j++) {
        int acc = 0;
        for (int p = 0; p < k; p++) {
          int wv = unsigned ? w[p * n + j] & 0xff : w[p * n + j];
          acc += (a[i * k + p] - za[i]) * (wv - zp[j]);
        }
        float s = as[i] * ws[j];
        out[i * n + j] = (float) acc * s;
      }
    }
    return out;
  }

  private static void check(boolean unsigned, boolean zeroZp, int rows, int k, int n, long seed) {
    Random r = new Random(seed);
    byte[] w = new byte[k * n];
    r.nextBytes(w);
    int[] zp = new int[n];
    float[] ws = new float[n];
    for (int j = 0; j < n; j++) {
      zp[j] = zeroZp ? (unsigned ? 128 : 0) : unsigned ? r.nextInt(256) : r.nextInt(256) - 128;
      ws[j] = 0.001f + r.nextFloat() * 0.05f;
    }
    // A as RowQuantizer leaves it: int8 values less their zero point (in [-255, 255]), row sums of
    // those, scales; the last row takes the extremes (255 or -255 throughout) to test exactness
    int[] a = new int[rows * k];
    float[] af = new float[rows * k];
    int[] sums = new int[rows];
    int[] za = new int[rows];
    float[] as = new float[rows];
    for (int i = 0; i < rows; i++) {
      boolean extreme = i == rows - 1 && rows > 1;
      za[i] = extreme ? (i % 2 == 0 ? -128 : 127) : r.nextInt(256) - 128;
      as[i] = 0.01f + r.nextFloat() * 0.1f;
      for (int p = 0; p < k; p++) {
        a[i * k + p] = extreme ? (za[i] < 0 ? 127 : -128) : r.nextInt(256) - 128;
        af[i * k + p] = a[i * k + p] - za[i];
        sums[i] += a[i * k + p] - za[i];
      }
    }
    for (int v = 0; v < 4; v++) {
      Int8Gemm gemm = v % 2 == 0 ? Int8Gemm.SCALAR : Int8Gemm.get();
      // in place (v >= 2) applies to int8 weights of whole panels; the rest are packed either way
      Int8WeightPanels panels = Int8WeightPanels.pack(w, 0, n, 0, k, n, unsigned, ws, 0, zp, 0, gemm,
          Requantize.get(), v >= 2);
      float[] want = naive(rows, k, n, w, unsigned, zp, ws, a, za, as);
      for (boolean widened : new boolean[] {false, true}) {
        float[] out = new float[rows * n];
        float[] wide = null;
        if (widened) { // at an offset, as a GRU's R_h follows R in one scratch array
          wide = new float[3 + panels.widenedSize()];
          panels.widen(wide, 3);
        }
        panels.multiply(Parallel.SERIAL, rows, af, sums, as, new int[rows * panels.paddedWidth()],
            new float[n], out, 0, n, wide, 3);
        for (int x = 0; x < out.length; x++) {
          assertEquals(Float.floatToIntBits(want[x]), Float.floatToIntBits(out[x]),
              gemm.getClass().getSimpleName() + (v >= 2 ? " in place" : "") + (widened ? " widened" : "")
                  + " element " + x + ": " + want[x] + " vs " + out[x]);
        }
        if (rows == 1) { // the row cut into blocks of two panels, as a split step computes it
          float[] cut = new float[n];
          int[] acc = new int[panels.paddedWidth()];
          int nr = panels.panelWidth();
          for (int j0 = 0; j0 < n; j0 += 2 * nr) {
            panels.multiplyColumns(j0, Math.min(n, j0 + 2 * nr), af, sums[0], as[0], acc,
                new float[n], cut, 0, wide, 3);
          }
          for (int x = 0; x < n; x++) {
            assertEquals(Float.floatToIntBits(want[x]), Float.floatToIntBits(cut[x]),
                "columns cut, " + gemm.getClass().getSimpleName() + (widened ? " widened" : "")
                    + " element " + x);
          }
        }
      }
    }
  }

  @Test
  void productEqualsNaiveDequantizedSumBitForBitForInt8AndUint8Weights() {
    check(false, false, 1, 300, 37, 1);
    check(true, false, 1, 300, 37, 2);
    check(false, true, 5, 1100, 50, 3);
    check(true, true, 3, 64, 16, 4);
    check(false, false, 9, 129, 70, 5);
  }

  /**
   * Operands at the extremes of their ranges (A less its zero point at 255 or -255, every weight
   * -128) over K blocks of the kernel: the largest float block sums must still be exact, in every
   * path (one row: register widening, and the four-panel sweep; several rows: widened tiles;
   * weights widened to float beforehand).
   */
  @Test
  void extremeZeroPointFreeOperandsGiveTheExactIntegerProductInEveryPath() {
    int k = 1100;
    int n = 128;
    byte[] w = new byte[k * n];
    java.util.Arrays.fill(w, (byte) -128);
    float[] ws = new float[n];
    java.util.Arrays.fill(ws, 1f);
    for (int rows : new int[] {1, 5}) {
      float[] a = new float[rows * k];
      int[] sums = new int[rows];
      float[] as = new float[rows];
      for (int i = 0; i < rows; i++) {
        float v = i % 2 == 0 ? 255f : -255f; // 127 - (-128), -128 - 127
        java.util.Arrays.fill(a, i * k, (i + 1) * k, v);
        sums[i] = (int) v * k;
        as[i] = 1f;
      }
      for (Int8Gemm gemm : new Int8Gemm[] {Int8Gemm.SCALAR, Int8Gemm.get()}) {
        for (int form = 0; form < 3; form++) { // packed, read in place, widened to float
          Int8WeightPanels p = Int8WeightPanels.pack(w, 0, n, 0, k, n, false, ws, 0, new int[n], 0, gemm,
              Requantize.get(), form == 1);
          float[] wide = form == 2 ? new float[p.widenedSize()] : null;
          if (wide != null) {
            p.widen(wide, 0);
          }
          float[] out = new float[rows * n];
          p.multiply(Parallel.SERIAL, rows, a, sums, as, new int[rows * p.paddedWidth()], new float[n],
              out, 0, n, wide, 0);
          for (int i = 0; i < rows; i++) {
            float want = (float) ((i % 2 == 0 ? 255 : -255) * -128 * k); // +-35,904,000: exact in float
            for (int j = 0; j < n; j++) {
              assertEquals(want, out[i * n + j], gemm.getClass().getSimpleName() + " rows " + rows
                  + " form " + form + " [" + i + "][" + j + "]");
            }
          }
        }
      }
    }
  }

  /** One row against many panels: the SIMD kernel takes four panels per broadcast, then single ones. */
  @Test
  void batchOneProductOverManyPanelsEqualsNaiveSumBitForBit() {
    check(false, false, 1, 300, 150, 6); // 10 panels of 16: two groups of four and two single
    check(true, false, 1, 129, 64, 7); // exactly four panels; K one past a block
    check(false, true, 1, 7, 130, 8); // short K, a partial last panel
    check(false, false, 1, 300, 128, 9); // int8, whole panels: read in place, not packed
    check(false, false, 6, 200, 96, 10); // the same for several rows (widened B blocks)
  }

  /**
   * Columns [j0, j0 + n) of a wider matrix at an offset (a GRU's R_h block inside R), read in
   * place, give the same bits as the same columns copied out into their own matrix and packed.
   */
  @Test
  void inPlaceColumnBlockOfAWiderMatrixEqualsPackedCopyOfThoseColumns() {
    Random r = new Random(11);
    int k = 150;
    int ld = 96;
    int off = 5;
    int j0 = 32;
    int n = 64;
    byte[] w = new byte[off + k * ld];
    r.nextBytes(w);
    byte[] sub = new byte[k * n];
    for (int p = 0; p < k; p++) {
      System.arraycopy(w, off + p * ld + j0, sub, p * n, n);
    }
    float[] ws = new float[n];
    for (int j = 0; j < n; j++) {
      ws[j] = 0.001f + r.nextFloat() * 0.05f;
    }
    for (int rows : new int[] {1, 3, 4}) {
      float[] a = new float[rows * k];
      int[] sums = new int[rows];
      int[] za = new int[rows];
      float[] as = new float[rows];
      for (int i = 0; i < rows; i++) {
        za[i] = r.nextInt(256) - 128;
        as[i] = 0.01f + r.nextFloat() * 0.1f;
        for (int p = 0; p < k; p++) {
          a[i * k + p] = r.nextInt(256) - 128 - za[i]; // less the zero point, as RowQuantizer
          sums[i] += (int) a[i * k + p];
        }
      }
      Int8WeightPanels inPlace = Int8WeightPanels.pack(w, off, ld, j0, k, n, false, ws, 0, new int[n], 0,
          Int8Gemm.get(), Requantize.get(), true);
      Int8WeightPanels packed = Int8WeightPanels.pack(sub, 0, n, 0, k, n, false, ws, 0, new int[n], 0,
          Int8Gemm.SCALAR, Requantize.get());
      float[] got = new float[rows * n];
      float[] want = new float[rows * n];
      inPlace.multiply(rows, a, sums, as, new int[rows * inPlace.paddedWidth()], new float[n], got, 0, n);
      packed.multiply(rows, a, sums, as, new int[rows * packed.paddedWidth()], new float[n], want, 0, n);
      org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, rows + " rows");
    }
  }

  @Test
  void packedWeightsHoldOneByteEachNotAFloatCopy() {
    int k = 512;
    int n = 2048;
    byte[] w = new byte[k * n];
    new Random(7).nextBytes(w);
    Int8WeightPanels p = Int8WeightPanels.pack(w, 0, n, 0, k, n, false, new float[n], 0, new int[n], 0,
        Int8Gemm.get(), Requantize.get());
    long floatBytes = 4L * k * n;
    assertTrue(p.residentBytes() <= 0.27 * floatBytes,
        "packed int8 weights hold " + p.residentBytes() + " B for " + floatBytes + " float bytes");
  }
}
