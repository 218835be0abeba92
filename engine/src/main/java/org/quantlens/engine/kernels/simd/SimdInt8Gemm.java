package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.Int8Gemm;

/**
 * {@link Int8Gemm} with float FMA on a 4-row x 2-vector register tile (see {@link Int8Gemm} for why
 * floats). K is walked in blocks of {@link #KC} &lt;= {@link Int8Gemm#EXACT_CHUNK} terms: each
 * block's float sums are exact, are converted to int and added to C, so results equal the scalar
 * reference bit for bit. Weights stay int8 bytes: with one row (batch 1) they are widened in
 * registers (B2F); with more rows each KC x NR block of B is widened once into a per-thread float
 * tile (8 KB, L1) that all rows reuse, so no float copy of the weights outlives a call.
 *
 * <p>C2's code, checked with hsdis on JDK 25 (AVX2), 2026-11-26: the packed 4x2 tile
 * ({@code tile4Packed}) keeps its 8 accumulators, 2 B vectors and broadcasts in the 16 ymm
 * registers, with no bounds check and no vector spill (two scalar offsets are reloaded from the
 * stack per step). The strided tile ({@code tile4}, B rows ldb apart) kept two bounds checks and a
 * stack reload per step, so a strided float B is now copied block by block into the tile when A has
 * 8+ rows. The batch-1 byte kernel {@code rowBytes} (p += 2 with a variable stride) was not a
 * counted loop: six bounds checks and a safepoint poll per step (JDK 17 likewise); on packed panels
 * {@code rowBytesPacked} is counted (unrolled 4x on JDK 25, one broadcast spilled, no checks).
 *
 * <p>Measured with {@code bench.kernels.Int8Pairs} (rotating rounds in one JVM, medians of 11
 * per-round ratios; AMD EPYC VM, 2 logical CPUs shared with 4-5 runnable jobs; float side: main at
 * ac86df1; 2026-11-26 ~05:30 UTC). Batch 1, int8 / float, by how the int8 weights are held:
 *
 * <pre>
 *                                                     JDK 25        JDK 17
 * int8 GEMM 512^3 (B int8 panels) / best idiom (f32)  1.96          1.65
 * 4096 -> 4096 (64 MB float): panels                  2.02          1.94
 *                             [out][in] in place      2.77          2.51
 *                             [in][out] in place      1.93          1.89
 * 2048 -> 8192 (64 MB float): panels                  2.00          1.99
 *                             [out][in] in place      2.55          2.33
 *                             [in][out] in place      2.20          2.07
 * 1024 -> 4096 (16 MB float, in L3): panels           1.40          1.50
 * </pre>
 *
 * The idioms are streaming dot products (bound by loads and widening); the GEMM tile reuses its
 * operands from registers, hence above 1. At batch 1 the int8 kernels read a quarter of the bytes
 * and widen in registers (B2F: a conversion per 8 multiply-adds).
 */
public final class SimdInt8Gemm implements Int8Gemm {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
  private static final int V = F.length();
  /** Bytes that widen to one float vector: V lanes (null below 8 lanes, where no such shape exists). */
  private static final VectorSpecies<Byte> BS =
      V >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(V * 8)) : null;
  private static final int NR = 2 * V;
  /**
   * K block: B's block of one panel (KC x NR floats) stays in L1 while A's rows stream by, and a
   * block sum stays within +-2^21 (KC * 2^14) so {@link #put} can convert it exactly.
   */
  private static final int KC = 128;
  /** Per thread: one B block widened to float ({@link #KC} x {@link #NR}), or 4 A rows of a K block. */
  /** Rows of A from which a strided float B block is copied to the tile first (8: two tiles). */
  private static final int PACK_MIN_ROWS = 8;
  private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[KC * NR]);
  private static final float MAGIC = 12582912f; // 1.5 * 2^23
  private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);

  @Override
  public int panelWidth() {
    return NR;
  }

  /*
   * Each entry point runs its full NR-wide panels here and hands the columns past the last full
   * panel (callers pad to avoid them) to the scalar reference, which also zero-fills C when k = 0.
   * A null bRows means B's rows are ldb apart. The drivers pick a tile kernel per panel; the
   * kernels themselves stay separate so each inner loop is monomorphic with its own addressing.
   */

  @Override
  public void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
      int ldb, int[] c, int cOff, int ldc) {
    int nFull = fullPanelColumns(n, k);
    floatPanels(m, nFull, k, a, aOff, lda, b, bOff, ldb, null, c, cOff, ldc);
    SCALAR.multiply(m, n - nFull, k, a, aOff, lda, b, bOff + nFull, ldb, c, cOff + nFull, ldc);
  }

  @Override
  public void multiplyRows(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int[] bRows,
      int bCol, int[] c, int cOff, int ldc) {
    int nFull = fullPanelColumns(n, k);
    floatPanels(m, nFull, k, a, aOff, lda, b, bCol, 0, bRows, c, cOff, ldc);
    SCALAR.multiplyRows(m, n - nFull, k, a, aOff, lda, b, bRows, bCol + nFull, c, cOff + nFull, ldc);
  }

  @Override
  public void multiply(int m, int n, int k, byte[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      int[] c, int cOff, int ldc) {
    int nFull = fullPanelColumns(n, k);
    byteRowPanels(m, nFull, k, a, aOff, lda, b, bOff, ldb, null, c, cOff, ldc);
    SCALAR.multiply(m, n - nFull, k, a, aOff, lda, b, bOff + nFull, ldb, c, cOff + nFull, ldc);
  }

  @Override
  public void multiplyRows(int m, int n, int k, byte[] a, int aOff, int lda, float[] b, int[] bRows,
      int bCol, int[] c, int cOff, int ldc) {
    int nFull = fullPanelColumns(n, k);
    byteRowPanels(m, nFull, k, a, aOff, lda, b, bCol, 0, bRows, c, cOff, ldc);
    SCALAR.multiplyRows(m, n - nFull, k, a, aOff, lda, b, bRows, bCol + nFull, c, cOff + nFull, ldc);
  }

  @Override
  public void multiply(int m, int n, int k, float[] a, int aOff, int lda, byte[] b, int bOff, int ldb,
      int[] c, int cOff, int ldc) {
    int nFull = BS == null ? 0 : fullPanelColumns(n, k);
    if (m == 1 && ldb == NR) { // one row on a packed panel (the engine's layout)
      for (int j = 0; j < nFull; j += NR) {
        rowBytesPacked(k, a, aOff, b, bOff + j, c, cOff + j);
      }
    } else if (m == 1 && nFull > NR) {
      rowBytesSweep(k, nFull, a, aOff, b, bOff, ldb, c, cOff);
    } else if (m == 1) { // one row: widen the bytes in registers, nothing to amortize a tile over
      for (int j = 0; j < nFull; j += NR) {
        rowBytes(k, a, aOff, b, bOff + j, ldb, c, cOff + j);
      }
    } else if (nFull > 0) {
      float[] t = TILE.get();
      for (int k0 = 0; k0 < k; k0 += KC) {
        int k1 = Math.min(k, k0 + KC);
        boolean accumulate = k0 > 0;
        int tb = -k0 * NR; // the tile holds rows k0..k1 of the panel
        for (int j = 0; j < nFull; j += NR) {
          widenBlock(b, bOff + k0 * ldb + j, ldb, k1 - k0, t);
          int i = 0;
          for (; i + 4 <= m; i += 4) {
            tile4Packed(k0, k1, a, aOff + i * lda, lda, t, tb, c, cOff + i * ldc + j, ldc, accumulate);
          }
          for (; i < m; i++) {
            tile1(k0, k1, a, aOff + i * lda, t, tb, NR, c, cOff + i * ldc + j, accumulate);
          }
        }
      }
    }
    SCALAR.multiply(m, n - nFull, k, a, aOff, lda, b, bOff + nFull, ldb, c, cOff + nFull, ldc);
  }

  /*
   * Batch 1 against the packed-panel byte path (rowBytes), GMAC/s, medians of 9 alternating 0.3 s
   * rounds in one JVM (JDK 17, AVX2 EPYC VM, 2 shared CPUs, 2026-11-26 02:43 UTC): 1024x1024 6.3 ->
   * 10.0, 512x2048 7.7 -> 8.8, 4096x4096 (16 MB, past L3) 4.6 -> 5.1. Each output reads one
   * contiguous weight row, and no packed copy is needed.
   */
  @Override
  public void multiplyTransposed(int m, int n, int k, float[] a, int aOff, int lda, byte[] bt, int bOff,
      int ldb, int[] c, int cOff, int ldc) {
    if (BS == null) {
      SCALAR.multiplyTransposed(m, n, k, a, aOff, lda, bt, bOff, ldb, c, cOff, ldc);
      return;
    }
    int kv = k / V * V; // the vector part of each dot product; the rest is added term by term
    int i = 0;
    if (m >= PACK_MIN_ROWS) { // enough rows to amortize a transposed tile: the packed tile kernel
      int nFull = fullPanelColumns(n, k);
      transposedPanels(m, nFull, k, a, aOff, lda, bt, bOff, ldb, c, cOff, ldc);
      bOff += nFull * ldb;
      cOff += nFull;
      n -= nFull;
    }
    for (; i + 4 <= m; i += 4) { // four rows share each widened chunk of a B row
      for (int j = 0; j < n; j++) {
        dot4Rows(kv, k, a, aOff + i * lda, lda, bt, bOff + j * ldb, c, cOff + i * ldc + j, ldc);
      }
    }
    for (; i < m; i++) { // one row: four B rows at once keep four FMA chains in flight
      int a0 = aOff + i * lda;
      int ci = cOff + i * ldc;
      // the four rows are taken a quarter of B apart, so each is a long sequential stream (rows
      // side by side made four short streams that restart every group: 1.3x float at 2048 ->
      // 8192, against 1.8x at 4096 -> 4096)
      int quarter = n / 4;
      for (int g = 0; g < quarter; g++) {
        dot4Cols(kv, k, a, a0, bt, bOff + g * ldb, quarter * ldb, c, ci + g, quarter);
      }
      int j = 4 * quarter;
      for (; j < n; j++) {
        c[ci + j] = dotTail(kv, k, a, a0, bt, bOff + j * ldb)
            + dot1(kv, a, a0, bt, bOff + j * ldb);
      }
    }
  }

  /*
   * Batch 1 of a recurrent step (k 128, 512 columns): four panels per broadcast of A against one
   * panel per call (rowBytes), GMAC/s, medians of 20 alternating rounds in one JVM (AVX2 EPYC VM,
   * 2 shared CPUs under load, 2026-11-26 04:50 UTC): JDK 17 4.6 -> 6.7, JDK 25 5.1 -> 6.0. A float
   * copy of the weights would reach 7.7 / 9.1 at four times the memory, so recurrent layers whose
   * R fits in L2 widen it once into the thread's scratch, kept between calls, and run rowFloats4 (see
   * QuantRecurrentLayer.WIDEN_MAX_FLOATS).
   */
  @Override
  public void multiplyPanelsRow(int panels, int k, float[] a, int aOff, byte[] b, int bOff,
      int panelStride, int ldb, int[] c, int cOff) {
    if (BS == null || k == 0) {
      Int8Gemm.super.multiplyPanelsRow(panels, k, a, aOff, b, bOff, panelStride, ldb, c, cOff);
      return;
    }
    int q = 0;
    for (; q + 4 <= panels; q += 4) {
      rowBytes4(k, a, aOff, b, bOff + q * panelStride, panelStride, ldb, c, cOff + q * NR);
    }
    for (; q < panels; q++) {
      rowBytes(k, a, aOff, b, bOff + q * panelStride, ldb, c, cOff + q * NR);
    }
  }

  /**
   * One row of A times four byte panels {@code ps} apart, rows {@code ldb} apart: one broadcast of
   * A feeds eight FMAs. Each K block's float sums are exact (at most {@link #KC} products) and are added into int
   * accumulators, as in {@link #rowBytes}. Written out: see rowBytes on helpers returning vectors.
   */
  private static void rowBytes4(int k, float[] a, int a0, byte[] b, int b0, int ps, int ldb, int[] c,
      int c0) {
    IntVector t0 = IntVector.zero(I);
    IntVector t1 = t0;
    IntVector t2 = t0;
    IntVector t3 = t0;
    IntVector t4 = t0;
    IntVector t5 = t0;
    IntVector t6 = t0;
    IntVector t7 = t0;
    int b1 = b0 + ps;
    int b2 = b1 + ps;
    int b3 = b2 + ps;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      FloatVector s0 = FloatVector.zero(F);
      FloatVector s1 = s0;
      FloatVector s2 = s0;
      FloatVector s3 = s0;
      FloatVector s4 = s0;
      FloatVector s5 = s0;
      FloatVector s6 = s0;
      FloatVector s7 = s0;
      for (int p = k0, o = k0 * ldb; p < k1; p++, o += ldb) {
        FloatVector w = FloatVector.broadcast(F, a[a0 + p]);
        s0 = ((FloatVector) ByteVector.fromArray(BS, b, b0 + o).convertShape(VectorOperators.B2F, F, 0)).fma(w, s0);
        s1 = ((FloatVector) ByteVector.fromArray(BS, b, b0 + o + V).convertShape(VectorOperators.B2F, F, 0)).fma(w, s1);
        s2 = ((FloatVector) ByteVector.fromArray(BS, b, b1 + o).convertShape(VectorOperators.B2F, F, 0)).fma(w, s2);
        s3 = ((FloatVector) ByteVector.fromArray(BS, b, b1 + o + V).convertShape(VectorOperators.B2F, F, 0)).fma(w, s3);
        s4 = ((FloatVector) ByteVector.fromArray(BS, b, b2 + o).convertShape(VectorOperators.B2F, F, 0)).fma(w, s4);
        s5 = ((FloatVector) ByteVector.fromArray(BS, b, b2 + o + V).convertShape(VectorOperators.B2F, F, 0)).fma(w, s5);
        s6 = ((FloatVector) ByteVector.fromArray(BS, b, b3 + o).convertShape(VectorOperators.B2F, F, 0)).fma(w, s6);
        s7 = ((FloatVector) ByteVector.fromArray(BS, b, b3 + o + V).convertShape(VectorOperators.B2F, F, 0)).fma(w, s7);
      }
      t0 = t0.add(s0.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS)); // exact, as in put
      t1 = t1.add(s1.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t2 = t2.add(s2.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t3 = t3.add(s3.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t4 = t4.add(s4.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t5 = t5.add(s5.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t6 = t6.add(s6.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t7 = t7.add(s7.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
    }
    t0.intoArray(c, c0);
    t1.intoArray(c, c0 + V);
    t2.intoArray(c, c0 + NR);
    t3.intoArray(c, c0 + NR + V);
    t4.intoArray(c, c0 + 2 * NR);
    t5.intoArray(c, c0 + 2 * NR + V);
    t6.intoArray(c, c0 + 3 * NR);
    t7.intoArray(c, c0 + 3 * NR + V);
  }

  @Override
  public void multiplyPanelsRow(int panels, int k, float[] a, int aOff, float[] b, int bOff,
      int panelStride, int ldb, int[] c, int cOff) {
    int q = 0;
    boolean packed = ldb == NR; // rowFloats4 reads rows NR apart
    for (; q + 4 <= panels && k > 0 && packed; q += 4) {
      rowFloats4(k, a, aOff, b, bOff + q * panelStride, panelStride, c, cOff + q * NR);
    }
    for (; q < panels; q++) {
      multiply(1, NR, k, a, aOff, k, b, bOff + q * panelStride, ldb, c, cOff + q * NR, NR);
    }
  }

  @Override
  public void widen(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
    int i = 0;
    if (BS != null) {
      for (; i + V <= n; i += V) {
        ((FloatVector) ByteVector.fromArray(BS, src, srcOff + i).convertShape(VectorOperators.B2F, F, 0))
            .intoArray(dst, dstOff + i);
      }
    }
    for (; i < n; i++) {
      dst[dstOff + i] = src[srcOff + i];
    }
  }

  /**
   * {@link #rowBytes4} on packed panels already widened to float (rows {@link #NR} apart): the same
   * exact K blocks, with plain loads in place of the byte widening. Written out for the same
   * reason. Each load index is an invariant base plus {@code p * NR}, a constant stride, so C2
   * hoists the bounds checks; with a second counter stepping by a variable row stride it kept them
   * in the loop (paired timings in benchmarks/NOTES.md, *Int8 recurrent layers*).
   */
  private static void rowFloats4(int k, float[] a, int a0, float[] b, int b0, int ps, int[] c,
      int c0) {
    IntVector t0 = IntVector.zero(I);
    IntVector t1 = t0;
    IntVector t2 = t0;
    IntVector t3 = t0;
    IntVector t4 = t0;
    IntVector t5 = t0;
    IntVector t6 = t0;
    IntVector t7 = t0;
    int b1 = b0 + ps;
    int b2 = b1 + ps;
    int b3 = b2 + ps;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      FloatVector s0 = FloatVector.zero(F);
      FloatVector s1 = s0;
      FloatVector s2 = s0;
      FloatVector s3 = s0;
      FloatVector s4 = s0;
      FloatVector s5 = s0;
      FloatVector s6 = s0;
      FloatVector s7 = s0;
      for (int p = k0; p < k1; p++) {
        int o = p * NR;
        FloatVector w = FloatVector.broadcast(F, a[a0 + p]);
        s0 = FloatVector.fromArray(F, b, b0 + o).fma(w, s0);
        s1 = FloatVector.fromArray(F, b, b0 + o + V).fma(w, s1);
        s2 = FloatVector.fromArray(F, b, b1 + o).fma(w, s2);
        s3 = FloatVector.fromArray(F, b, b1 + o + V).fma(w, s3);
        s4 = FloatVector.fromArray(F, b, b2 + o).fma(w, s4);
        s5 = FloatVector.fromArray(F, b, b2 + o + V).fma(w, s5);
        s6 = FloatVector.fromArray(F, b, b3 + o).fma(w, s6);
        s7 = FloatVector.fromArray(F, b, b3 + o + V).fma(w, s7);
      }
      t0 = t0.add(s0.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS)); // exact, as in put
      t1 = t1.add(s1.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t2 = t2.add(s2.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t3 = t3.add(s3.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t4 = t4.add(s4.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t5 = t5.add(s5.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t6 = t6.add(s6.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t7 = t7.add(s7.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
    }
    t0.intoArray(c, c0);
    t1.intoArray(c, c0 + V);
    t2.intoArray(c, c0 + NR);
    t3.intoArray(c, c0 + NR + V);
    t4.intoArray(c, c0 + 2 * NR);
    t5.intoArray(c, c0 + 2 * NR + V);
    t6.intoArray(c, c0 + 3 * NR);
    t7.intoArray(c, c0 + 3 * NR + V);
  }

  /** Terms of a transposed dot product summed in float per lane block: exact, within +-2^21. */
  private static final int DOT_BLOCK = Int8Gemm.EXACT_CHUNK;

  /** {@code sum_{p in [kv, k)} a[a0 + p] * b[b0 + p]} in int. */
  private static int dotTail(int kv, int k, float[] a, int a0, byte[] b, int b0) {
    int s = 0;
    for (int p = kv; p < k; p++) {
      s += (int) a[a0 + p] * b[b0 + p];
    }
    return s;
  }

  /** The vector part ({@code p < kv}) of one dot product: columns past the last group of four. */
  private static int dot1(int kv, float[] a, int a0, byte[] b, int b0) {
    IntVector t = IntVector.zero(I);
    for (int k0 = 0; k0 < kv; k0 += DOT_BLOCK) {
      int k1 = Math.min(kv, k0 + DOT_BLOCK);
      FloatVector s = FloatVector.zero(F);
      for (int p = k0; p < k1; p += V) {
        FloatVector x = FloatVector.fromArray(F, a, a0 + p);
        s = ((FloatVector) ByteVector.fromArray(BS, b, b0 + p).convertShape(VectorOperators.B2F, F, 0)).fma(x, s);
      }
      t = t.add(s.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
    }
    return t.reduceLanes(VectorOperators.ADD);
  }

  /** Row a0 of A against B rows b0, b0 + ldb, b0 + 2 ldb, b0 + 3 ldb: c[c0], c[c0 + cs], ... */
  private static void dot4Cols(int kv, int k, float[] a, int a0, byte[] b, int b0, int ldb, int[] c, int c0,
      int cs) {
    IntVector t0 = IntVector.zero(I);
    IntVector t1 = t0;
    IntVector t2 = t0;
    IntVector t3 = t0;
    int b1 = b0 + ldb;
    int b2 = b1 + ldb;
    int b3 = b2 + ldb;
    for (int k0 = 0; k0 < kv; k0 += DOT_BLOCK) {
      int k1 = Math.min(kv, k0 + DOT_BLOCK);
      FloatVector s0 = FloatVector.zero(F);
      FloatVector s1 = s0;
      FloatVector s2 = s0;
      FloatVector s3 = s0;
      for (int p = k0; p < k1; p += V) {
        FloatVector x = FloatVector.fromArray(F, a, a0 + p);
        s0 = ((FloatVector) ByteVector.fromArray(BS, b, b0 + p).convertShape(VectorOperators.B2F, F, 0)).fma(x, s0);
        s1 = ((FloatVector) ByteVector.fromArray(BS, b, b1 + p).convertShape(VectorOperators.B2F, F, 0)).fma(x, s1);
        s2 = ((FloatVector) ByteVector.fromArray(BS, b, b2 + p).convertShape(VectorOperators.B2F, F, 0)).fma(x, s2);
        s3 = ((FloatVector) ByteVector.fromArray(BS, b, b3 + p).convertShape(VectorOperators.B2F, F, 0)).fma(x, s3);
      }
      t0 = t0.add(s0.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS)); // exact, as in put
      t1 = t1.add(s1.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t2 = t2.add(s2.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t3 = t3.add(s3.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
    }
    c[c0] = t0.reduceLanes(VectorOperators.ADD) + dotTail(kv, k, a, a0, b, b0);
    c[c0 + cs] = t1.reduceLanes(VectorOperators.ADD) + dotTail(kv, k, a, a0, b, b1);
    c[c0 + 2 * cs] = t2.reduceLanes(VectorOperators.ADD) + dotTail(kv, k, a, a0, b, b2);
    c[c0 + 3 * cs] = t3.reduceLanes(VectorOperators.ADD) + dotTail(kv, k, a, a0, b, b3);
  }

  /** Rows a0 .. a0 + 3 lda of A against one B row b0: c[c0], c[c0 + ldc], ... */
  private static void dot4Rows(int kv, int k, float[] a, int a0, int lda, byte[] b, int b0, int[] c, int c0,
      int ldc) {
    IntVector t0 = IntVector.zero(I);
    IntVector t1 = t0;
    IntVector t2 = t0;
    IntVector t3 = t0;
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    for (int k0 = 0; k0 < kv; k0 += DOT_BLOCK) {
      int k1 = Math.min(kv, k0 + DOT_BLOCK);
      FloatVector s0 = FloatVector.zero(F);
      FloatVector s1 = s0;
      FloatVector s2 = s0;
      FloatVector s3 = s0;
      for (int p = k0; p < k1; p += V) {
        FloatVector w = (FloatVector) ByteVector.fromArray(BS, b, b0 + p).convertShape(VectorOperators.B2F, F, 0);
        s0 = FloatVector.fromArray(F, a, a0 + p).fma(w, s0);
        s1 = FloatVector.fromArray(F, a, a1 + p).fma(w, s1);
        s2 = FloatVector.fromArray(F, a, a2 + p).fma(w, s2);
        s3 = FloatVector.fromArray(F, a, a3 + p).fma(w, s3);
      }
      t0 = t0.add(s0.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t1 = t1.add(s1.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t2 = t2.add(s2.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
      t3 = t3.add(s3.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
    }
    c[c0] = t0.reduceLanes(VectorOperators.ADD) + dotTail(kv, k, a, a0, b, b0);
    c[c0 + ldc] = t1.reduceLanes(VectorOperators.ADD) + dotTail(kv, k, a, a1, b, b0);
    c[c0 + 2 * ldc] = t2.reduceLanes(VectorOperators.ADD) + dotTail(kv, k, a, a2, b, b0);
    c[c0 + 3 * ldc] = t3.reduceLanes(VectorOperators.ADD) + dotTail(kv, k, a, a3, b, b0);
  }

  /** Columns covered by whole panels; none when k = 0 (the scalar tail then zero-fills C). */
  private static int fullPanelColumns(int n, int k) {
    return k == 0 ? 0 : n - n % NR;
  }

  /** The first {@code nFull} columns of float A times float B. */
  private static void floatPanels(int m, int nFull, int k, float[] a, int aOff, int lda, float[] b,
      int bOff, int ldb, int[] bRows, int[] c, int cOff, int ldc) {
    float[] t = bRows == null && ldb != NR && m >= PACK_MIN_ROWS && nFull > 0 ? TILE.get() : null;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      boolean accumulate = k0 > 0;
      for (int j = 0; j < nFull; j += NR) {
        int i = 0;
        if (bRows != null) {
          for (; i + 4 <= m; i += 4) {
            tile4Rows(k0, k1, a, aOff + i * lda, lda, b, bRows, bOff + j, c, cOff + i * ldc + j, ldc, accumulate);
          }
          for (; i < m; i++) {
            tile1Rows(k0, k1, a, aOff + i * lda, b, bRows, bOff + j, c, cOff + i * ldc + j, accumulate);
          }
          continue;
        }
        if (ldb == NR) { // a packed panel: the constant stride keeps C2's loop tight (JDK 17)
          for (; i + 4 <= m; i += 4) {
            tile4Packed(k0, k1, a, aOff + i * lda, lda, b, bOff + j, c, cOff + i * ldc + j, ldc, accumulate);
          }
        } else if (t != null) {
          // B rows ldb apart: copy the block to the tile once, so every 4-row tile runs the packed
          // kernel (strided, C2 keeps two bounds checks and a stack reload per step, and a
          // power-of-two ldb maps the block's rows onto a few L1 sets)
          copyBlock(b, bOff + k0 * ldb + j, ldb, k1 - k0, t);
          for (; i + 4 <= m; i += 4) {
            tile4Packed(k0, k1, a, aOff + i * lda, lda, t, -k0 * NR, c, cOff + i * ldc + j, ldc, accumulate);
          }
        }
        for (; i + 4 <= m; i += 4) {
          tile4(k0, k1, a, aOff + i * lda, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, accumulate);
        }
        for (; i < m; i++) {
          tile1(k0, k1, a, aOff + i * lda, b, bOff + j, ldb, c, cOff + i * ldc + j, accumulate);
        }
      }
    }
  }

  /**
   * The first {@code nFull} columns of byte A times float B: each K block of 4 rows of A is widened
   * once into the per-thread tile (rows {@link #KC} apart), then runs the float tile kernels.
   */
  private static void byteRowPanels(int m, int nFull, int k, byte[] a, int aOff, int lda, float[] b,
      int bOff, int ldb, int[] bRows, int[] c, int cOff, int ldc) {
    if (nFull == 0) {
      return;
    }
    float[] t = TILE.get();
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      boolean accumulate = k0 > 0;
      for (int i = 0; i < m; i += 4) {
        int rows = Math.min(4, m - i);
        int ta = widenRows(a, aOff + i * lda, lda, rows, k0, k1, t);
        for (int j = 0; j < nFull; j += NR) {
          int c0 = cOff + i * ldc + j;
          if (rows == 4 && bRows == null) {
            tile4(k0, k1, t, ta, KC, b, bOff + j, ldb, c, c0, ldc, accumulate);
          } else if (rows == 4) {
            tile4Rows(k0, k1, t, ta, KC, b, bRows, bOff + j, c, c0, ldc, accumulate);
          } else {
            for (int r = 0; r < rows; r++) {
              if (bRows == null) {
                tile1(k0, k1, t, ta + r * KC, b, bOff + j, ldb, c, c0 + r * ldc, accumulate);
              } else {
                tile1Rows(k0, k1, t, ta + r * KC, b, bRows, bOff + j, c, c0 + r * ldc, accumulate);
              }
            }
          }
        }
      }
    }
  }

  /**
   * The first {@code nFull} columns of A times B given transposed ({@code bt}, rows ldb apart):
   * each K block of a panel is widened and transposed once into the per-thread tile, then all of
   * A's rows run the packed tile kernel on it. At 64 rows the dot-product kernel ran at about a
   * third of this rate: each B chunk fed only four FMAs and every output needed a reduction.
   */
  private static void transposedPanels(int m, int nFull, int k, float[] a, int aOff, int lda, byte[] bt,
      int bOff, int ldb, int[] c, int cOff, int ldc) {
    float[] t = TILE.get();
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      boolean accumulate = k0 > 0;
      for (int j = 0; j < nFull; j += NR) {
        widenTransposed(bt, bOff + j * ldb + k0, ldb, k1 - k0, t);
        int i = 0;
        for (; i + 4 <= m; i += 4) {
          tile4Packed(k0, k1, a, aOff + i * lda, lda, t, -k0 * NR, c, cOff + i * ldc + j, ldc, accumulate);
        }
        for (; i < m; i++) {
          tile1(k0, k1, a, aOff + i * lda, t, -k0 * NR, NR, c, cOff + i * ldc + j, accumulate);
        }
      }
    }
  }

  /**
   * {@code t[p * NR + jj] = bt[b0 + jj * ldb + p]} for {@code jj < NR}, {@code p < rows}: one panel
   * of B from its transposed rows. Each B row is read as one sequential run.
   */
  private static void widenTransposed(byte[] bt, int b0, int ldb, int rows, float[] t) {
    for (int jj = 0; jj < NR; jj++, b0 += ldb) {
      for (int p = 0, o = jj; p < rows; p++, o += NR) {
        t[o] = bt[b0 + p];
      }
    }
  }

  /** Rows {@code [0, rows)} of one panel of float B, {@link #NR} wide, into {@code t}. */
  private static void copyBlock(float[] b, int b0, int ldb, int rows, float[] t) {
    for (int p = 0, o = 0; p < rows; p++, o += NR, b0 += ldb) {
      FloatVector.fromArray(F, b, b0).intoArray(t, o);
      FloatVector.fromArray(F, b, b0 + V).intoArray(t, o + V);
    }
  }

  /** Rows {@code [0, rows)} of one panel of byte B, {@link #NR} wide, into {@code t} as floats. */
  private static void widenBlock(byte[] b, int b0, int ldb, int rows, float[] t) {
    for (int p = 0, o = 0; p < rows; p++, o += NR, b0 += ldb) {
      ((FloatVector) ByteVector.fromArray(BS, b, b0).convertShape(VectorOperators.B2F, F, 0)).intoArray(t, o);
      ((FloatVector) ByteVector.fromArray(BS, b, b0 + V).convertShape(VectorOperators.B2F, F, 0)).intoArray(t, o + V);
    }
  }

  /**
   * One row of C times one byte panel over all of K: exact float sums per {@link #KC} block are
   * added into int accumulators held in registers. Two p steps per iteration keep four FMA chains
   * in flight. Vector expressions are written out: a helper returning a vector that C2 declines to
   * inline boxes every vector.
   */
  private static void rowBytes(int k, float[] a, int a0, byte[] b, int b0, int ldb, int[] c, int c0) {
    IntVector t0 = IntVector.zero(I);
    IntVector t1 = t0;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      FloatVector s0 = FloatVector.zero(F);
      FloatVector s1 = s0;
      FloatVector s2 = s0;
      FloatVector s3 = s0;
      int p = k0;
      int bp = b0 + k0 * ldb;
      for (; p + 1 < k1; p += 2, bp += 2 * ldb) {
        FloatVector w = FloatVector.broadcast(F, a[a0 + p]);
        FloatVector u = FloatVector.broadcast(F, a[a0 + p + 1]);
        FloatVector x0 = (FloatVector) ByteVector.fromArray(BS, b, bp).convertShape(VectorOperators.B2F, F, 0);
        FloatVector x1 = (FloatVector) ByteVector.fromArray(BS, b, bp + V).convertShape(VectorOperators.B2F, F, 0);
        FloatVector x2 = (FloatVector) ByteVector.fromArray(BS, b, bp + ldb).convertShape(VectorOperators.B2F, F, 0);
        FloatVector x3 =
            (FloatVector) ByteVector.fromArray(BS, b, bp + ldb + V).convertShape(VectorOperators.B2F, F, 0);
        s0 = x0.fma(w, s0);
        s1 = x1.fma(w, s1);
        s2 = x2.fma(u, s2);
        s3 = x3.fma(u, s3);
      }
      if (p < k1) {
        FloatVector w = FloatVector.broadcast(F, a[a0 + p]);
        s0 = ((FloatVector) ByteVector.fromArray(BS, b, bp).convertShape(VectorOperators.B2F, F, 0)).fma(w, s0);
        s1 = ((FloatVector) ByteVector.fromArray(BS, b, bp + V).convertShape(VectorOperators.B2F, F, 0)).fma(w, s1);
      }
      // each of s0+s2, s1+s3 is a sum of at most KC products: exact, within +-2^21
      t0 = t0.add(s0.add(s2).add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS)); // exact, as in put
      t1 = t1.add(s1.add(s3).add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
    }
    t0.intoArray(c, c0);
    t1.intoArray(c, c0 + V);
  }

  /** Per thread: float sums of one K block across a row's columns ({@link #rowBytesSweep}). */
  private static final ThreadLocal<float[][]> ROW_SUMS = ThreadLocal.withInitial(() -> new float[1][0]);

  /**
   * One row of A times B rows ldb apart ({@code [k][n]} used in place), columns {@code [0, nFull)}:
   * rows of B outer, four at a time, and every column inner, so each B row is read as one
   * contiguous run. Walking one 16-byte panel slice down K instead (as {@link #rowBytes} does)
   * touches a new page of B per step when ldb is 4 KB, and ran at half the float kernel's rate. The
   * float sums of a K block live in a per-thread array (exact: at most {@link #KC} products each)
   * and are added to C as ints after each block.
   */
  private static void rowBytesSweep(int k, int nFull, float[] a, int a0, byte[] b, int b0, int ldb,
      int[] c, int c0) {
    float[][] holder = ROW_SUMS.get();
    if (holder[0].length < nFull) {
      holder[0] = new float[nFull];
    }
    float[] sums = holder[0];
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      java.util.Arrays.fill(sums, 0, nFull, 0f);
      int p = k0;
      for (; p + 4 <= k1; p += 4) {
        sweep4(nFull, a[a0 + p], a[a0 + p + 1], a[a0 + p + 2], a[a0 + p + 3], b, b0 + p * ldb, ldb, sums);
      }
      for (; p < k1; p++) {
        sweep1(nFull, a[a0 + p], b, b0 + p * ldb, sums);
      }
      for (int j = 0; j < nFull; j += V) {
        put(FloatVector.fromArray(F, sums, j), c, c0 + j, k0 > 0);
      }
    }
  }

  /** {@code sums[j] += w0 B[r][j] + w1 B[r+1][j] + w2 B[r+2][j] + w3 B[r+3][j]}, B row r at r0. */
  private static void sweep4(int nFull, float w0, float w1, float w2, float w3, byte[] b, int r0, int ldb,
      float[] sums) {
    FloatVector v0 = FloatVector.broadcast(F, w0);
    FloatVector v1 = FloatVector.broadcast(F, w1);
    FloatVector v2 = FloatVector.broadcast(F, w2);
    FloatVector v3 = FloatVector.broadcast(F, w3);
    int r1 = r0 + ldb;
    int r2 = r1 + ldb;
    int r3 = r2 + ldb;
    for (int j = 0; j < nFull; j += V) {
      FloatVector s = FloatVector.fromArray(F, sums, j);
      s = ((FloatVector) ByteVector.fromArray(BS, b, r0 + j).convertShape(VectorOperators.B2F, F, 0)).fma(v0, s);
      s = ((FloatVector) ByteVector.fromArray(BS, b, r1 + j).convertShape(VectorOperators.B2F, F, 0)).fma(v1, s);
      s = ((FloatVector) ByteVector.fromArray(BS, b, r2 + j).convertShape(VectorOperators.B2F, F, 0)).fma(v2, s);
      s = ((FloatVector) ByteVector.fromArray(BS, b, r3 + j).convertShape(VectorOperators.B2F, F, 0)).fma(v3, s);
      s.intoArray(sums, j);
    }
  }

  /** {@code sums[j] += w B[r][j]}, B row r at r0. */
  private static void sweep1(int nFull, float w, byte[] b, int r0, float[] sums) {
    FloatVector v = FloatVector.broadcast(F, w);
    for (int j = 0; j < nFull; j += V) {
      ((FloatVector) ByteVector.fromArray(BS, b, r0 + j).convertShape(VectorOperators.B2F, F, 0))
          .fma(v, FloatVector.fromArray(F, sums, j)).intoArray(sums, j);
    }
  }

  /**
   * {@link #rowBytes} for B rows exactly {@link #NR} apart. With a constant stride and an even trip
   * count the loop is counted: C2 drops the six bounds checks and the safepoint poll it kept in
   * every step of rowBytes (JDK 25 and 17), which reads the same bytes.
   */
  private static void rowBytesPacked(int k, float[] a, int a0, byte[] b, int b0, int[] c, int c0) {
    IntVector t0 = IntVector.zero(I);
    IntVector t1 = t0;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      int kEven = k0 + ((k1 - k0) & ~1);
      FloatVector s0 = FloatVector.zero(F);
      FloatVector s1 = s0;
      FloatVector s2 = s0;
      FloatVector s3 = s0;
      for (int p = k0; p < kEven; p += 2) {
        int bp = b0 + p * NR;
        FloatVector w = FloatVector.broadcast(F, a[a0 + p]);
        FloatVector u = FloatVector.broadcast(F, a[a0 + p + 1]);
        s0 = ((FloatVector) ByteVector.fromArray(BS, b, bp).convertShape(VectorOperators.B2F, F, 0)).fma(w, s0);
        s1 = ((FloatVector) ByteVector.fromArray(BS, b, bp + V).convertShape(VectorOperators.B2F, F, 0)).fma(w, s1);
        s2 = ((FloatVector) ByteVector.fromArray(BS, b, bp + NR).convertShape(VectorOperators.B2F, F, 0)).fma(u, s2);
        s3 = ((FloatVector) ByteVector.fromArray(BS, b, bp + NR + V).convertShape(VectorOperators.B2F, F, 0))
            .fma(u, s3);
      }
      if (kEven < k1) {
        int bp = b0 + kEven * NR;
        FloatVector w = FloatVector.broadcast(F, a[a0 + kEven]);
        s0 = ((FloatVector) ByteVector.fromArray(BS, b, bp).convertShape(VectorOperators.B2F, F, 0)).fma(w, s0);
        s1 = ((FloatVector) ByteVector.fromArray(BS, b, bp + V).convertShape(VectorOperators.B2F, F, 0)).fma(w, s1);
      }
      // each of s0+s2, s1+s3 is a sum of at most KC products: exact, within +-2^21
      t0 = t0.add(s0.add(s2).add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS)); // exact, as in put
      t1 = t1.add(s1.add(s3).add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS));
    }
    t0.intoArray(c, c0);
    t1.intoArray(c, c0 + V);
  }

  /**
   * Columns {@code [k0, k1)} of up to 4 byte rows of A into {@code t} as floats, row r at
   * {@code r * KC}; returns the offset that makes {@code t[offset + p]} column p of row 0.
   */
  private static int widenRows(byte[] a, int a0, int lda, int rows, int k0, int k1, float[] t) {
    int len = k1 - k0;
    int vec = BS == null ? 0 : len / V * V;
    for (int r = 0; r < rows; r++) {
      int src = a0 + r * lda + k0;
      int dst = r * KC;
      int p = 0;
      for (; p < vec; p += V) { // vector B2F: the scalar loop was 16% of int8 ResNet-20
        ((FloatVector) ByteVector.fromArray(BS, a, src + p).convertShape(VectorOperators.B2F, F, 0))
            .intoArray(t, dst + p);
      }
      for (; p < len; p++) {
        t[dst + p] = a[src + p];
      }
    }
    return -k0;
  }

  private static void tile4Rows(int k0, int k1, float[] a, int a0, int lda, float[] b, int[] rows, int col,
      int[] c, int c0, int ldc, boolean accumulate) {
    FloatVector s00 = FloatVector.zero(F);
    FloatVector s01 = s00;
    FloatVector s10 = s00;
    FloatVector s11 = s00;
    FloatVector s20 = s00;
    FloatVector s21 = s00;
    FloatVector s30 = s00;
    FloatVector s31 = s00;
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    for (int p = k0; p < k1; p++) {
      int bp = rows[p] + col;
      FloatVector x0 = FloatVector.fromArray(F, b, bp);
      FloatVector x1 = FloatVector.fromArray(F, b, bp + V);
      FloatVector w = FloatVector.broadcast(F, a[a0 + p]);
      s00 = x0.fma(w, s00);
      s01 = x1.fma(w, s01);
      w = FloatVector.broadcast(F, a[a1 + p]);
      s10 = x0.fma(w, s10);
      s11 = x1.fma(w, s11);
      w = FloatVector.broadcast(F, a[a2 + p]);
      s20 = x0.fma(w, s20);
      s21 = x1.fma(w, s21);
      w = FloatVector.broadcast(F, a[a3 + p]);
      s30 = x0.fma(w, s30);
      s31 = x1.fma(w, s31);
    }
    // put() written out: past C2's node budget (NodeCountInliningCutoff) the last calls
    // stayed calls, boxing their vectors
    IntVector i00 = s00.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i01 = s01.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i10 = s10.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i11 = s11.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i20 = s20.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i21 = s21.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i30 = s30.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i31 = s31.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    if (accumulate) {
      i00 = i00.add(IntVector.fromArray(I, c, c0));
      i01 = i01.add(IntVector.fromArray(I, c, c0 + V));
      i10 = i10.add(IntVector.fromArray(I, c, c0 + ldc));
      i11 = i11.add(IntVector.fromArray(I, c, c0 + ldc + V));
      i20 = i20.add(IntVector.fromArray(I, c, c0 + 2 * ldc));
      i21 = i21.add(IntVector.fromArray(I, c, c0 + 2 * ldc + V));
      i30 = i30.add(IntVector.fromArray(I, c, c0 + 3 * ldc));
      i31 = i31.add(IntVector.fromArray(I, c, c0 + 3 * ldc + V));
    }
    i00.intoArray(c, c0);
    i01.intoArray(c, c0 + V);
    i10.intoArray(c, c0 + ldc);
    i11.intoArray(c, c0 + ldc + V);
    i20.intoArray(c, c0 + 2 * ldc);
    i21.intoArray(c, c0 + 2 * ldc + V);
    i30.intoArray(c, c0 + 3 * ldc);
    i31.intoArray(c, c0 + 3 * ldc + V);
  }

  private static void tile1Rows(int k0, int k1, float[] a, int a0, float[] b, int[] rows, int col,
      int[] c, int c0, boolean accumulate) {
    FloatVector s0 = FloatVector.zero(F);
    FloatVector s1 = s0;
    for (int p = k0; p < k1; p++) {
      int bp = rows[p] + col;
      FloatVector w = FloatVector.broadcast(F, a[a0 + p]);
      s0 = FloatVector.fromArray(F, b, bp).fma(w, s0);
      s1 = FloatVector.fromArray(F, b, bp + V).fma(w, s1);
    }
    // put() written out, as in the 4-row tiles
    IntVector i0 = s0.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i1 = s1.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    if (accumulate) {
      i0 = i0.add(IntVector.fromArray(I, c, c0));
      i1 = i1.add(IntVector.fromArray(I, c, c0 + V));
    }
    i0.intoArray(c, c0);
    i1.intoArray(c, c0 + V);
  }

  private static void tile4(int k0, int k1, float[] a, int a0, int lda, float[] b, int b0, int ldb,
      int[] c, int c0, int ldc, boolean accumulate) {
    FloatVector s00 = FloatVector.zero(F);
    FloatVector s01 = s00;
    FloatVector s10 = s00;
    FloatVector s11 = s00;
    FloatVector s20 = s00;
    FloatVector s21 = s00;
    FloatVector s30 = s00;
    FloatVector s31 = s00;
    int ap = a0 + k0;
    int bp = b0 + k0 * ldb;
    for (int p = k0; p < k1; p++, ap++, bp += ldb) {
      FloatVector x0 = FloatVector.fromArray(F, b, bp);
      FloatVector x1 = FloatVector.fromArray(F, b, bp + V);
      FloatVector w = FloatVector.broadcast(F, a[ap]);
      s00 = x0.fma(w, s00);
      s01 = x1.fma(w, s01);
      w = FloatVector.broadcast(F, a[ap + lda]);
      s10 = x0.fma(w, s10);
      s11 = x1.fma(w, s11);
      w = FloatVector.broadcast(F, a[ap + 2 * lda]);
      s20 = x0.fma(w, s20);
      s21 = x1.fma(w, s21);
      w = FloatVector.broadcast(F, a[ap + 3 * lda]);
      s30 = x0.fma(w, s30);
      s31 = x1.fma(w, s31);
    }
    // put() written out: past C2's node budget (NodeCountInliningCutoff) the last calls
    // stayed calls, boxing their vectors
    IntVector i00 = s00.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i01 = s01.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i10 = s10.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i11 = s11.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i20 = s20.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i21 = s21.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i30 = s30.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i31 = s31.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    if (accumulate) {
      i00 = i00.add(IntVector.fromArray(I, c, c0));
      i01 = i01.add(IntVector.fromArray(I, c, c0 + V));
      i10 = i10.add(IntVector.fromArray(I, c, c0 + ldc));
      i11 = i11.add(IntVector.fromArray(I, c, c0 + ldc + V));
      i20 = i20.add(IntVector.fromArray(I, c, c0 + 2 * ldc));
      i21 = i21.add(IntVector.fromArray(I, c, c0 + 2 * ldc + V));
      i30 = i30.add(IntVector.fromArray(I, c, c0 + 3 * ldc));
      i31 = i31.add(IntVector.fromArray(I, c, c0 + 3 * ldc + V));
    }
    i00.intoArray(c, c0);
    i01.intoArray(c, c0 + V);
    i10.intoArray(c, c0 + ldc);
    i11.intoArray(c, c0 + ldc + V);
    i20.intoArray(c, c0 + 2 * ldc);
    i21.intoArray(c, c0 + 2 * ldc + V);
    i30.intoArray(c, c0 + 3 * ldc);
    i31.intoArray(c, c0 + 3 * ldc + V);
  }

  /** {@link #tile4} for B rows exactly {@link #NR} apart. */
  private static void tile4Packed(int k0, int k1, float[] a, int a0, int lda, float[] b, int b0,
      int[] c, int c0, int ldc, boolean accumulate) {
    FloatVector s00 = FloatVector.zero(F);
    FloatVector s01 = s00;
    FloatVector s10 = s00;
    FloatVector s11 = s00;
    FloatVector s20 = s00;
    FloatVector s21 = s00;
    FloatVector s30 = s00;
    FloatVector s31 = s00;
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    for (int p = k0; p < k1; p++) {
      int bp = b0 + p * NR;
      FloatVector x0 = FloatVector.fromArray(F, b, bp);
      FloatVector x1 = FloatVector.fromArray(F, b, bp + V);
      FloatVector w = FloatVector.broadcast(F, a[a0 + p]);
      s00 = x0.fma(w, s00);
      s01 = x1.fma(w, s01);
      w = FloatVector.broadcast(F, a[a1 + p]);
      s10 = x0.fma(w, s10);
      s11 = x1.fma(w, s11);
      w = FloatVector.broadcast(F, a[a2 + p]);
      s20 = x0.fma(w, s20);
      s21 = x1.fma(w, s21);
      w = FloatVector.broadcast(F, a[a3 + p]);
      s30 = x0.fma(w, s30);
      s31 = x1.fma(w, s31);
    }
    // put() written out: past C2's node budget (NodeCountInliningCutoff) the last calls
    // stayed calls, boxing their vectors
    IntVector i00 = s00.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i01 = s01.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i10 = s10.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i11 = s11.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i20 = s20.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i21 = s21.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i30 = s30.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i31 = s31.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    if (accumulate) {
      i00 = i00.add(IntVector.fromArray(I, c, c0));
      i01 = i01.add(IntVector.fromArray(I, c, c0 + V));
      i10 = i10.add(IntVector.fromArray(I, c, c0 + ldc));
      i11 = i11.add(IntVector.fromArray(I, c, c0 + ldc + V));
      i20 = i20.add(IntVector.fromArray(I, c, c0 + 2 * ldc));
      i21 = i21.add(IntVector.fromArray(I, c, c0 + 2 * ldc + V));
      i30 = i30.add(IntVector.fromArray(I, c, c0 + 3 * ldc));
      i31 = i31.add(IntVector.fromArray(I, c, c0 + 3 * ldc + V));
    }
    i00.intoArray(c, c0);
    i01.intoArray(c, c0 + V);
    i10.intoArray(c, c0 + ldc);
    i11.intoArray(c, c0 + ldc + V);
    i20.intoArray(c, c0 + 2 * ldc);
    i21.intoArray(c, c0 + 2 * ldc + V);
    i30.intoArray(c, c0 + 3 * ldc);
    i31.intoArray(c, c0 + 3 * ldc + V);
  }

  private static void tile1(int k0, int k1, float[] a, int a0, float[] b, int b0, int ldb,
      int[] c, int c0, boolean accumulate) {
    FloatVector s0 = FloatVector.zero(F);
    FloatVector s1 = s0;
    int bp = b0 + k0 * ldb;
    for (int p = k0; p < k1; p++, bp += ldb) {
      FloatVector w = FloatVector.broadcast(F, a[a0 + p]);
      s0 = FloatVector.fromArray(F, b, bp).fma(w, s0);
      s1 = FloatVector.fromArray(F, b, bp + V).fma(w, s1);
    }
    // put() written out, as in the 4-row tiles
    IntVector i0 = s0.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    IntVector i1 = s1.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    if (accumulate) {
      i0 = i0.add(IntVector.fromArray(I, c, c0));
      i1 = i1.add(IntVector.fromArray(I, c, c0 + V));
    }
    i0.intoArray(c, c0);
    i1.intoArray(c, c0 + V);
  }

  /**
   * Converts an exact float block sum (an integer within +-2^22) to int and stores or adds it.
   * Adding 1.5 * 2^23 puts the integer in the low mantissa bits; reinterpreting and subtracting
   * the constant's bits gives it back exactly. (A vector F2I cast is not intrinsified on JDK 17
   * with AVX2 and would fall back to a slow Java loop.)
   */
  private static void put(FloatVector s, int[] c, int o, boolean accumulate) {
    IntVector v = s.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
    if (accumulate) {
      v = v.add(IntVector.fromArray(I, c, o));
    }
    v.intoArray(c, o);
  }
}
