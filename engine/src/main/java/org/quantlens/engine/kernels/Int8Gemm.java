package org.quantlens.engine.kernels;

/**
 * The int8 matrix product with int32 results: {@code c[i][j] = sum_p a[i][p] * b[p][j]} where
 * every operand value is an 8-bit integer in {@code [-128, 127]}, given widened to float or, for
 * constant weights, as int8 bytes the kernel widens itself (uint8 data is shifted by -128 first;
 * zero points are applied afterwards from row and column sums, never inside the inner loop). Results are exact, so every implementation
 * is bit-identical to {@link #SCALAR}.
 *
 * <p>Why floats: products of such values are at most 2^14 in magnitude, so a sum of up to
 * {@link #EXACT_CHUNK} = 2^10 of them never leaves the range where float32 holds every integer
 * exactly (|x| &lt;= 2^24), in any summation order. Kernels accumulate at most that many terms in
 * float, convert to int and continue in int32. Measured against the integer idioms of the Vector
 * API (throwaway timing, AVX2 AMD EPYC, 2 shared cores under load, so +-30%; GMAC/s JDK 17 / JDK
 * 25, 4x16 register tile, shapes M x K x N):
 *
 * <pre>
 * idiom                                        32x288x256   16x144x1024   64x576x64   8x1024x128
 * (a) B2S widen, short mul, S2I widen, int add   7.6 / 5.8     6.6 / 7.5    6.6 / 7.0    4.8 / 7.6
 *     same, B already widened to shorts          7.8 / 5.9     5.5 / 7.9    6.5 / 6.1    5.2 / 8.0
 * (b) B2I widen, int mul + add                  12.3 / 13.0   10.9 / 19.0  11.4 / 15.5  10.7 / 19.8
 *     same, B already widened to ints           13.8 / 15.3   11.7 / 22.1  20.8 / 17.3  11.2 / 23.5
 * (c) B2F convert in the loop, float FMA        11.9 / 19.8    7.9 / 28.9  22.2 / 23.0  14.0 / 30.3
 *     same, both operands pre-converted         23.0 / 24.0    9.4 / 37.8  26.1 / 28.5  18.0 / 43.5
 * </pre>
 *
 * The last row wins and is exact with chunking, so the kernel computes on floats; weights are kept
 * as bytes and widened per block into a small tile (see {@code SimdInt8Gemm} for the current
 * measurements). A 6x16 tile measured 1.5-2x slower than 4x16 (register spills). The vector F2I cast is
 * not intrinsified on JDK 17 with AVX2 (it fell back to Java and halved conv speed), so block sums
 * are converted with an exact magic-number reinterpretation instead.
 *
 * <p>End to end (same machine, one thread, interleaved runs, JDK 17): QLinearConv 3x3 on
 * ResNet-20 shapes runs at 0.3-0.4x ONNX Runtime's speed (e.g. 16->16 channels 32x32, batch 32:
 * 3.9 ms vs 1.5 ms), QLinearMatMul 128x256x256 at 0.4x (275 us vs 109 us). ONNX Runtime's AVX2
 * kernels use VPMADDUBSW (32 8-bit MACs per instruction, 4x an 8-lane FMA), which the Vector API
 * cannot express; they also saturate pairs of u8 x s8 products to int16, ours are exact.
 */
public interface Int8Gemm {
  /** Terms summed in float before converting to int: keeps every partial sum exact. */
  int EXACT_CHUNK = 1024;

  /** The scalar reference. */
  Int8Gemm SCALAR = new Int8GemmScalar();

  /** The SIMD implementation when available, else {@link #SCALAR}. */
  static Int8Gemm get() {
    return Selected.INSTANCE;
  }

  /**
   * Columns processed together; widths that are multiples of it run without a scalar tail, so
   * callers pad B (and C) to it.
   */
  int panelWidth();

  /**
   * {@code c[cOff + i*ldc + j] = sum_{p<k} a[aOff + i*lda + p] * b[bOff + p*ldb + j]} for
   * {@code i < m, j < n}. Operands must hold integers in [-128, 127]; the result is exact.
   */
  void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      int[] c, int cOff, int ldc);

  /**
   * As {@link #multiply} with B held as int8 bytes (uint8 data already shifted by -128): weights
   * stay a quarter of their float size in memory. Here (and in {@link #multiplyPanelsRow}) A may
   * also hold differences of two 8-bit values, in [-255, 255] (an activation less its zero point):
   * kernels sum at most 128 products in float per block (|sum| &lt; 2^22), so results stay exact. Rows of C that share a B block convert it to
   * float once, in a small per-thread tile; a single row reads the bytes and widens them in
   * registers.
   */
  void multiply(int m, int n, int k, float[] a, int aOff, int lda, byte[] b, int bOff, int ldb,
      int[] c, int cOff, int ldc);

  /**
   * One row of A times {@code panels} byte panels of {@code panelWidth()} columns: panel q starts
   * at {@code bOff + q * panelStride}, its rows {@code ldb} apart (packed panels: {@code
   * panelStride = k * panelWidth(), ldb = panelWidth()}; a row-major matrix read in place:
   * {@code panelStride = panelWidth(), ldb} its row length); {@code c[cOff + q * panelWidth() + j]}.
   * The batch-1 step of a recurrent layer; a kernel may share each broadcast of A across panels.
   */
  default void multiplyPanelsRow(int panels, int k, float[] a, int aOff, byte[] b, int bOff,
      int panelStride, int ldb, int[] c, int cOff) {
    int nr = panelWidth();
    for (int q = 0; q < panels; q++) {
      multiply(1, nr, k, a, aOff, k, b, bOff + q * panelStride, ldb, c, cOff + q * nr, nr);
    }
  }

  /**
   * As the byte form of {@code multiplyPanelsRow} with the panels already widened to float
   * ({@link #widen}): a recurrent layer reads the same weights at every step of a sequence, so it
   * widens them once rather than in registers at every step.
   */
  default void multiplyPanelsRow(int panels, int k, float[] a, int aOff, float[] b, int bOff,
      int panelStride, int ldb, int[] c, int cOff) {
    int nr = panelWidth();
    for (int q = 0; q < panels; q++) {
      multiply(1, nr, k, a, aOff, k, b, bOff + q * panelStride, ldb, c, cOff + q * nr, nr);
    }
  }

  /** {@code dst[dstOff + i] = src[srcOff + i]} for {@code i < n}: int8 bytes as floats. */
  default void widen(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
    for (int i = 0; i < n; i++) {
      dst[dstOff + i] = src[srcOff + i];
    }
  }

  /**
   * {@code c[cOff + i*ldc + j] = sum_{p<k} a[aOff + i*lda + p] * bt[bOff + j*ldb + p]}: B given
   * transposed as int8 bytes, row j of {@code bt} being column j of B. A dense layer's weights are
   * stored {@code [out][in]}; read in place they are held once, and at batch 1 each output is one
   * contiguous dot product.
   */
  void multiplyTransposed(int m, int n, int k, float[] a, int aOff, int lda, byte[] bt, int bOff,
      int ldb, int[] c, int cOff, int ldc);

  /**
   * As {@link #multiplyRows} with A held as int8 bytes (the broadcast operand: a convolution's
   * weights, kept as bytes).
   */
  void multiplyRows(int m, int n, int k, byte[] a, int aOff, int lda, float[] b, int[] bRows, int bCol,
      int[] c, int cOff, int ldc);

  /** As {@link #multiply} with A held as int8 bytes (a convolution's weights over im2col panels). */
  void multiply(int m, int n, int k, byte[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      int[] c, int cOff, int ldc);

  /**
   * As {@link #multiply} with B's rows anywhere: row p is {@code b[bRows[p] + bCol ...]}. A unit-stride
   * convolution reads its padded input planes this way, with no im2col copy.
   */
  void multiplyRows(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int[] bRows, int bCol,
      int[] c, int cOff, int ldc);

  /** Holds the selected implementation (chosen on first use). */
  final class Selected {
    static final Int8Gemm INSTANCE = Kernels.select(Int8Gemm.class, "SimdInt8Gemm", SCALAR);

    private Selected() {}
  }
}
