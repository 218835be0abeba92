package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.GemmKernel;

/**
 * The Vector API {@link GemmKernel}: a register tile of fused multiply-adds, two vectors wide, fed
 * from panels packed by the base class. Every accumulation is a fused multiply-add in order of k,
 * so the blocked, packed and row-streaming matrix-vector paths give identical bits.
 *
 * <p>The tile is 6 rows on JDK 17 and 4 rows on later JDKs. Six rows need 12 accumulators, 2 B
 * vectors and a broadcast: 15 of the 16 AVX2 registers, which only works if C2 issues each
 * broadcast just before its two FMAs. JDK 17's C2 does; JDK 25's hoists all six broadcasts to the
 * top of the loop, spills an accumulator, and the store-to-load round trip through the stack in
 * every step halves the rate (0.4 of the FMA peak). Four rows fit in registers however the loads
 * are ordered (8 + 2 + 4) and reach about 0.9 of the peak there, against 0.7 on JDK 17.
 */
public final class SimdGemm extends GemmKernel {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();
  private static final int NR = 2 * L;
  /** Rows of the register tile on this JDK (see the class comment). */
  private static final int MR = Runtime.version().feature() <= 17 ? 6 : 4;

  public SimdGemm() {
    super(MR, NR);
  }

  @Override
  protected void microKernel(int kc, float[] a, int ia, float[] b, int ib, float[] tile) {
    if (MR == 6) {
      micro6(kc, a, ia, b, ib, tile);
    } else {
      micro4(kc, a, ia, b, ib, tile);
    }
  }

  /** The 6 x (2 vectors) tile. */
  private static void micro6(int kc, float[] a, int ia, float[] b, int ib, float[] tile) {
    FloatVector c00 = FloatVector.zero(F);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    // One counter with constant strides makes every index linear in it, so C2 hoists all bounds
    // checks (a variable A stride left six compares per step).
    for (int p = 0; p < kc; p++) {
      int pa = ia + p * 6;
      int pb = ib + p * NR;
      FloatVector b0 = FloatVector.fromArray(F, b, pb);
      FloatVector b1 = FloatVector.fromArray(F, b, pb + L);
      FloatVector av = FloatVector.broadcast(F, a[pa]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(F, a[pa + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(F, a[pa + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(F, a[pa + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(F, a[pa + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(F, a[pa + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, L);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + L);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + L);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + L);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + L);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + L);
  }

  @Override
  protected void microKernelInto(int kc, float[] a, int ia, float[] b, int ib, float[] tile,
      float alpha, float beta, boolean first, float[] c, int ci, int ldc) {
    if (MR == 6) {
      micro6(kc, a, ia, b, ib, tile);
      if (first && beta == 0) {
        scaleTile6(tile, alpha, c, ci, ldc);
      } else { // y * 1 is exact: the later blocks' y + alpha * t
        addTile6(tile, alpha, first ? beta : 1f, c, ci, ldc);
      }
    } else {
      micro4(kc, a, ia, b, ib, null, alpha, beta, first, c, ci, ldc);
    }
  }

  /**
   * {@code y = alpha * t} for a full 6-row tile (JDK 17's tile): {@link #storeTile}'s general
   * loops cost about as much as 50 steps of the tile (depth-50 products). Kept out of {@link
   * #micro6}: with the stores inside, C2 spilled an accumulator in its loop. A short loop, and the
   * loads as operands of alpha's broadcast (a receiver of exact class, see NEG_ZERO): written out
   * with the loads as receivers, C2 left every vector boxed once int8 kernels had run in the same
   * JVM (323 KB per float MLP call at batch 16); the receivers took that to 37 KB, the loop to 0.
   */
  private static void scaleTile6(float[] tile, float alpha, float[] c, int ci, int ldc) {
    FloatVector al = FloatVector.broadcast(F, alpha);
    for (int r = 0, t = 0, y = ci; r < 6; r++, t += NR, y += ldc) {
      al.mul(FloatVector.fromArray(F, tile, t)).intoArray(c, y);
      al.mul(FloatVector.fromArray(F, tile, t + L)).intoArray(c, y + L);
    }
  }

  /** {@code y = alpha * t + keep * y} for a full 6-row tile (see {@link #scaleTile6}). */
  private static void addTile6(float[] tile, float alpha, float keep, float[] c, int ci, int ldc) {
    FloatVector al = FloatVector.broadcast(F, alpha);
    FloatVector kp = FloatVector.broadcast(F, keep);
    for (int r = 0, t = 0, y = ci; r < 6; r++, t += NR, y += ldc) {
      al.mul(FloatVector.fromArray(F, tile, t)).add(kp.mul(FloatVector.fromArray(F, c, y)))
          .intoArray(c, y);
      al.mul(FloatVector.fromArray(F, tile, t + L))
          .add(kp.mul(FloatVector.fromArray(F, c, y + L))).intoArray(c, y + L);
    }
  }

  private static void micro4(int kc, float[] a, int ia, float[] b, int ib, float[] tile) {
    micro4(kc, a, ia, b, ib, tile, 1f, 0f, true, null, 0, 0);
  }

  /**
   * The 4 x (2 vectors) tile: 8 accumulators, so no spill whatever the load order. Writes the
   * sums to {@code tile} when it is given, else adds them to C as {@link #storeTile} does. Also
   * the products of {@link SimdWinograd} and {@link SimdWinograd4}.
   */
  static void micro4(int kc, float[] a, int ia, float[] b, int ib, float[] tile,
      float alpha, float beta, boolean first, float[] c, int ci, int ldc) {
    FloatVector c00 = FloatVector.zero(F);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    // The offsets are the loop's variables: 19 instructions per step, where rebuilding both from
    // a step counter took 22. The FMAs do not wait on them, but a shared core issues fewer
    // instructions per cycle (the host's slow phases in benchmarks/NOTES.md).
    for (int pa = ia, pb = ib, end = ia + 4 * kc; pa < end; pa += 4, pb += NR) {
      FloatVector b0 = FloatVector.fromArray(F, b, pb);
      FloatVector b1 = FloatVector.fromArray(F, b, pb + L);
      FloatVector av = FloatVector.broadcast(F, a[pa]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(F, a[pa + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(F, a[pa + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(F, a[pa + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
    }
    if (tile != null) {
      c00.intoArray(tile, 0);
      c01.intoArray(tile, L);
      c10.intoArray(tile, NR);
      c11.intoArray(tile, NR + L);
      c20.intoArray(tile, 2 * NR);
      c21.intoArray(tile, 2 * NR + L);
      c30.intoArray(tile, 3 * NR);
      c31.intoArray(tile, 3 * NR + L);
      return;
    }
    // storeTile's rounding, written out here: a helper taking vectors was not inlined (boxing)
    int r1 = ci + ldc;
    int r2 = r1 + ldc;
    int r3 = r2 + ldc;
    if (first && beta == 0) {
      c00.mul(alpha).intoArray(c, ci);
      c01.mul(alpha).intoArray(c, ci + L);
      c10.mul(alpha).intoArray(c, r1);
      c11.mul(alpha).intoArray(c, r1 + L);
      c20.mul(alpha).intoArray(c, r2);
      c21.mul(alpha).intoArray(c, r2 + L);
      c30.mul(alpha).intoArray(c, r3);
      c31.mul(alpha).intoArray(c, r3 + L);
    } else { // alpha * t + beta * y on the first block, y + alpha * t (y * 1 is exact) after
      float keep = first ? beta : 1f;
      c00.mul(alpha).add(FloatVector.fromArray(F, c, ci).mul(keep)).intoArray(c, ci);
      c01.mul(alpha).add(FloatVector.fromArray(F, c, ci + L).mul(keep)).intoArray(c, ci + L);
      c10.mul(alpha).add(FloatVector.fromArray(F, c, r1).mul(keep)).intoArray(c, r1);
      c11.mul(alpha).add(FloatVector.fromArray(F, c, r1 + L).mul(keep)).intoArray(c, r1 + L);
      c20.mul(alpha).add(FloatVector.fromArray(F, c, r2).mul(keep)).intoArray(c, r2);
      c21.mul(alpha).add(FloatVector.fromArray(F, c, r2 + L).mul(keep)).intoArray(c, r2 + L);
      c30.mul(alpha).add(FloatVector.fromArray(F, c, r3).mul(keep)).intoArray(c, r3);
      c31.mul(alpha).add(FloatVector.fromArray(F, c, r3 + L).mul(keep)).intoArray(c, r3 + L);
    }
  }

  // The 4 x 8 transpose in transpose4 zips pairs of vectors: both go through the same one-vector
  // shuffle (lanes doubled up, singly or in pairs) and a blend takes the odd units from the
  // second. Not the two-vector rearrange: JDK 25 implements that with a blend on the result of a
  // late-inlined intrinsic, an abstract call that C2 binds only from a receiver profile, and where
  // it had none (transpose4 compiled on its own) every shuffle boxed its vectors (100 KB per
  // ResNet-20 call at batch 64).
  private static final VectorShuffle<Float> ONES_LO = doubled(0, 1);
  private static final VectorShuffle<Float> ONES_HI = doubled(L / 2, 1);
  private static final VectorShuffle<Float> PAIRS_LO = doubled(0, 2);
  private static final VectorShuffle<Float> PAIRS_HI = doubled(L / 2, 2);
  private static final VectorMask<Float> ODD_ONES = oddUnits(1);
  private static final VectorMask<Float> ODD_PAIRS = oddUnits(2);
  /**
   * Adding -0 leaves every float as it is (-0 + -0 = -0, +0 + -0 = +0, NaN stays NaN) and gives
   * the sum the exact vector class, which a load's result lacks until its late-inlined intrinsic
   * is expanded: {@code loaded.rearrange(..)} would be bound only from a receiver profile.
   */
  private static final FloatVector NEG_ZERO = FloatVector.broadcast(F, -0f);

  /** Lanes {@code from, from + 1, ..} in units of {@code unit} lanes, each unit twice. */
  private static VectorShuffle<Float> doubled(int from, int unit) {
    int[] idx = new int[L];
    for (int j = 0; j < L; j++) {
      idx[j] = from + (j / (2 * unit)) * unit + j % unit;
    }
    return VectorShuffle.fromArray(F, idx, 0);
  }

  /** True in the odd units of {@code unit} lanes. */
  private static VectorMask<Float> oddUnits(int unit) {
    boolean[] odd = new boolean[L];
    for (int j = 0; j < L; j++) {
      odd[j] = (j / unit) % 2 == 1;
    }
    return VectorMask.fromArray(F, odd, 0);
  }

  @Override
  protected void transpose4(float[] src, int s0, int so, int depth, float[] dst, int base) {
    if (L != 8) {
      super.transpose4(src, s0, so, depth, dst, base);
      return;
    }
    int s1 = s0 + so;
    int s2 = s1 + so;
    int s3 = s2 + so;
    int p = 0;
    for (int d = base; p + L <= depth; p += L, d += 4 * L) {
      // every receiver must have an exact class (see NEG_ZERO); shuffles and blends give one
      FloatVector r0 = NEG_ZERO.add(FloatVector.fromArray(F, src, s0 + p));
      FloatVector r1 = NEG_ZERO.add(FloatVector.fromArray(F, src, s1 + p));
      FloatVector r2 = NEG_ZERO.add(FloatVector.fromArray(F, src, s2 + p));
      FloatVector r3 = NEG_ZERO.add(FloatVector.fromArray(F, src, s3 + p));
      // r0p0 r1p0 r0p1 r1p1 .. r1p3, then steps 4..7
      FloatVector a = r0.rearrange(ONES_LO).blend(r1.rearrange(ONES_LO), ODD_ONES);
      FloatVector b = r2.rearrange(ONES_LO).blend(r3.rearrange(ONES_LO), ODD_ONES);
      FloatVector c = r0.rearrange(ONES_HI).blend(r1.rearrange(ONES_HI), ODD_ONES);
      FloatVector e = r2.rearrange(ONES_HI).blend(r3.rearrange(ONES_HI), ODD_ONES);
      // two steps per vector: r0 r1 r2 r3 each
      a.rearrange(PAIRS_LO).blend(b.rearrange(PAIRS_LO), ODD_PAIRS).intoArray(dst, d);
      a.rearrange(PAIRS_HI).blend(b.rearrange(PAIRS_HI), ODD_PAIRS).intoArray(dst, d + L);
      c.rearrange(PAIRS_LO).blend(e.rearrange(PAIRS_LO), ODD_PAIRS).intoArray(dst, d + 2 * L);
      c.rearrange(PAIRS_HI).blend(e.rearrange(PAIRS_HI), ODD_PAIRS).intoArray(dst, d + 3 * L);
    }
    if (p < depth) {
      transposeTail(src, s0, so, p, depth, dst, base);
    }
  }

  /**
   * Steps {@code [p, depth)} of {@link #transpose4}, one at a time. A method of its own so that
   * transpose4 stays small enough for C2 to inline into the GEMM's tile loop: compiled on its own
   * it waited at C1 (vectors boxed) for seconds on a busy machine.
   */
  private static void transposeTail(float[] src, int s0, int so, int p, int depth, float[] dst, int base) {
    for (int d = base + 4 * p; p < depth; p++, d += 4) {
      dst[d] = src[s0 + p];
      dst[d + 1] = src[s0 + so + p];
      dst[d + 2] = src[s0 + 2 * so + p];
      dst[d + 3] = src[s0 + 3 * so + p];
    }
  }

  @Override
  protected void copyRun(float[] src, int s, float[] dst, int d, int w) {
    if (w == NR) {
      FloatVector.fromArray(F, src, s).intoArray(dst, d);
      FloatVector.fromArray(F, src, s + L).intoArray(dst, d + L);
    } else {
      super.copyRun(src, s, dst, d, w);
    }
  }

  /** Runs of a panel's width or at least a vector: two vector copies (overlapping when shorter). */
  @Override
  protected void gatherRuns(float[] src, int srcBase, int[] offsets, int k, int len, float[] dst,
      int d) {
    if (len < L || len > NR) {
      super.gatherRuns(src, srcBase, offsets, k, len, dst, d);
      return;
    }
    int tail = len - L;
    for (int p = 0; p < k; p++) {
      int s = srcBase + offsets[p];
      int o = d + p * NR;
      FloatVector.fromArray(F, src, s).intoArray(dst, o);
      FloatVector.fromArray(F, src, s + tail).intoArray(dst, o + tail);
    }
  }

  @Override
  protected void storeTile(float[] tile, int tOff, int tileLd, int rows, int cols, float alpha,
      float beta, boolean first, float[] c, int ci, int ldc) {
    int vecEnd = F.loopBound(cols);
    for (int r = 0; r < rows; r++) {
      int t = tOff + r * tileLd;
      int y = ci + r * ldc;
      int j = 0;
      if (!first) {
        for (; j < vecEnd; j += L) {
          FloatVector.fromArray(F, c, y + j)
              .add(FloatVector.fromArray(F, tile, t + j).mul(alpha)).intoArray(c, y + j);
        }
        for (; j < cols; j++) {
          c[y + j] = c[y + j] + alpha * tile[t + j];
        }
      } else if (beta == 0) {
        for (; j < vecEnd; j += L) {
          FloatVector.fromArray(F, tile, t + j).mul(alpha).intoArray(c, y + j);
        }
        for (; j < cols; j++) {
          c[y + j] = alpha * tile[t + j];
        }
      } else {
        for (; j < vecEnd; j += L) {
          FloatVector.fromArray(F, tile, t + j).mul(alpha)
              .add(FloatVector.fromArray(F, c, y + j).mul(beta)).intoArray(c, y + j);
        }
        for (; j < cols; j++) {
          c[y + j] = alpha * tile[t + j] + beta * c[y + j];
        }
      }
    }
  }

  @Override
  protected void gemvPanels(int k, float[] x, int xOff, int xStride, float[] pb, int pOff,
      int panels, int cols, float alpha, float beta, float[] c, int cOff, float[] acc) {
    int ps = NR * k;
    int q = 0;
    for (; q + 4 <= panels; q += 4) {
      for (int k0 = 0; k0 < k; k0 += KC) {
        panels4(Math.min(KC, k - k0), x, xOff + k0 * xStride, xStride, pb, pOff + q * ps + k0 * NR,
            ps, acc);
        int j0 = q * NR;
        if (j0 + 4 * NR <= cols) { // the four panels are adjacent in C: one 4-row store
          storeTile(acc, 0, NR, 4, NR, alpha, beta, k0 == 0, c, cOff + j0, NR);
        } else {
          for (int i = 0; i < 4; i++) {
            storeTile(acc, i * NR, 0, 1, Math.min(NR, cols - j0 - i * NR), alpha, beta, k0 == 0, c,
                cOff + j0 + i * NR, 0);
          }
        }
      }
    }
    for (; q < panels; q++) {
      for (int k0 = 0; k0 < k; k0 += KC) {
        panel1(Math.min(KC, k - k0), x, xOff + k0 * xStride, xStride, pb, pOff + q * ps + k0 * NR,
            acc);
        storeTile(acc, 0, 0, 1, Math.min(NR, cols - q * NR), alpha, beta, k0 == 0, c,
            cOff + q * NR, 0);
      }
    }
  }

  @Override
  protected int gemvScratch() {
    return 4 * NR;
  }

  /**
   * Sums of four adjacent panels over kc steps into acc[0, 4 * NR). Each load index is an
   * invariant base plus {@code p * NR}, the form C2 hoists the bounds checks of (written with a
   * second counter and {@code + ps} offsets it kept six compares in the loop).
   */
  private static void panels4(int kc, float[] x, int xi, int xStride, float[] pb, int ib, int ps,
      float[] acc) {
    FloatVector s00 = FloatVector.zero(F);
    FloatVector s01 = s00;
    FloatVector s10 = s00;
    FloatVector s11 = s00;
    FloatVector s20 = s00;
    FloatVector s21 = s00;
    FloatVector s30 = s00;
    FloatVector s31 = s00;
    int q1 = ib + ps;
    int q2 = q1 + ps;
    int q3 = q2 + ps;
    for (int p = 0; p < kc; p++) {
      int o = p * NR;
      FloatVector xv = FloatVector.broadcast(F, x[xi + p * xStride]);
      s00 = xv.fma(FloatVector.fromArray(F, pb, ib + o), s00);
      s01 = xv.fma(FloatVector.fromArray(F, pb, ib + o + L), s01);
      s10 = xv.fma(FloatVector.fromArray(F, pb, q1 + o), s10);
      s11 = xv.fma(FloatVector.fromArray(F, pb, q1 + o + L), s11);
      s20 = xv.fma(FloatVector.fromArray(F, pb, q2 + o), s20);
      s21 = xv.fma(FloatVector.fromArray(F, pb, q2 + o + L), s21);
      s30 = xv.fma(FloatVector.fromArray(F, pb, q3 + o), s30);
      s31 = xv.fma(FloatVector.fromArray(F, pb, q3 + o + L), s31);
    }
    s00.intoArray(acc, 0);
    s01.intoArray(acc, L);
    s10.intoArray(acc, NR);
    s11.intoArray(acc, NR + L);
    s20.intoArray(acc, 2 * NR);
    s21.intoArray(acc, 2 * NR + L);
    s30.intoArray(acc, 3 * NR);
    s31.intoArray(acc, 3 * NR + L);
  }

  /** Sums of one panel over kc steps into acc[0, NR). */
  private static void panel1(int kc, float[] x, int xi, int xStride, float[] pb, int ib, float[] acc) {
    FloatVector s0 = FloatVector.zero(F);
    FloatVector s1 = s0;
    for (int p = 0; p < kc; p++) {
      int o = ib + p * NR;
      FloatVector xv = FloatVector.broadcast(F, x[xi + p * xStride]);
      s0 = xv.fma(FloatVector.fromArray(F, pb, o), s0);
      s1 = xv.fma(FloatVector.fromArray(F, pb, o + L), s1);
    }
    s0.intoArray(acc, 0);
    s1.intoArray(acc, L);
  }

  @Override
  protected void gemvRows(int k, float[] x, int xOff, int xStride, float[] mat, int mOff, int ld,
      int j0, int j1, float alpha, float beta, float[] y, int yOff, float[] tmp) {
    int len = j1 - j0;
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kEnd = Math.min(k, k0 + KC);
      java.util.Arrays.fill(tmp, 0, len, 0f);
      int p = k0;
      // four rows per sweep over tmp: the same chain of fused multiply-adds per element as one
      // row at a time, with a quarter of the loads and stores of tmp
      for (; p + 4 <= kEnd; p += 4) {
        int xi = xOff + p * xStride;
        axpy4(x[xi], x[xi + xStride], x[xi + 2 * xStride], x[xi + 3 * xStride], mat,
            mOff + p * ld + j0, ld, len, tmp);
      }
      for (; p < kEnd; p++) {
        axpy1(x[xOff + p * xStride], mat, mOff + p * ld + j0, len, tmp);
      }
      storeTile(tmp, 0, len, 1, len, alpha, beta, k0 == 0, y, yOff + j0, 0);
    }
  }

  private static void axpy4(float x0, float x1, float x2, float x3, float[] mat, int row, int ld,
      int len, float[] tmp) {
    FloatVector v0 = FloatVector.broadcast(F, x0);
    FloatVector v1 = FloatVector.broadcast(F, x1);
    FloatVector v2 = FloatVector.broadcast(F, x2);
    FloatVector v3 = FloatVector.broadcast(F, x3);
    int r1 = row + ld;
    int r2 = r1 + ld;
    int r3 = r2 + ld;
    int j = 0;
    for (int end = F.loopBound(len); j < end; j += L) {
      FloatVector t = FloatVector.fromArray(F, tmp, j);
      t = v0.fma(FloatVector.fromArray(F, mat, row + j), t);
      t = v1.fma(FloatVector.fromArray(F, mat, r1 + j), t);
      t = v2.fma(FloatVector.fromArray(F, mat, r2 + j), t);
      t = v3.fma(FloatVector.fromArray(F, mat, r3 + j), t);
      t.intoArray(tmp, j);
    }
    for (; j < len; j++) {
      float t = tmp[j];
      t = Math.fma(x0, mat[row + j], t);
      t = Math.fma(x1, mat[r1 + j], t);
      t = Math.fma(x2, mat[r2 + j], t);
      tmp[j] = Math.fma(x3, mat[r3 + j], t);
    }
  }

  private static void axpy1(float x0, float[] mat, int row, int len, float[] tmp) {
    FloatVector v0 = FloatVector.broadcast(F, x0);
    int j = 0;
    for (int end = F.loopBound(len); j < end; j += L) {
      v0.fma(FloatVector.fromArray(F, mat, row + j), FloatVector.fromArray(F, tmp, j)).intoArray(tmp, j);
    }
    for (; j < len; j++) {
      tmp[j] = Math.fma(x0, mat[row + j], tmp[j]);
    }
  }

  @Override
  protected void gemvDots(int k, float[] x, int xOff, float[] mat, int mOff, int ld, int j0, int j1,
      float alpha, float beta, float[] y, int yOff) {
    int j = j0;
    for (; j + 4 <= j1; j += 4) {
      dots4(k, x, xOff, mat, mOff + j * ld, ld, alpha, beta, y, yOff + j);
    }
    for (; j < j1; j++) {
      float s = dot(k, x, xOff, mat, mOff + j * ld);
      int yi = yOff + j;
      y[yi] = beta == 0 ? alpha * s : alpha * s + beta * y[yi];
    }
  }

  /** Four dot products sharing x, two vector accumulators each (eight independent chains). */
  private static void dots4(int k, float[] x, int xOff, float[] mat, int row, int ld, float alpha,
      float beta, float[] y, int yi) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector b0 = a0;
    FloatVector a1 = a0;
    FloatVector b1 = a0;
    FloatVector a2 = a0;
    FloatVector b2 = a0;
    FloatVector a3 = a0;
    FloatVector b3 = a0;
    int r1 = row + ld;
    int r2 = r1 + ld;
    int r3 = r2 + ld;
    int p = 0;
    for (int end = k - 2 * L + 1; p < end; p += 2 * L) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + p);
      FloatVector x1 = FloatVector.fromArray(F, x, xOff + p + L);
      a0 = x0.fma(FloatVector.fromArray(F, mat, row + p), a0);
      b0 = x1.fma(FloatVector.fromArray(F, mat, row + p + L), b0);
      a1 = x0.fma(FloatVector.fromArray(F, mat, r1 + p), a1);
      b1 = x1.fma(FloatVector.fromArray(F, mat, r1 + p + L), b1);
      a2 = x0.fma(FloatVector.fromArray(F, mat, r2 + p), a2);
      b2 = x1.fma(FloatVector.fromArray(F, mat, r2 + p + L), b2);
      a3 = x0.fma(FloatVector.fromArray(F, mat, r3 + p), a3);
      b3 = x1.fma(FloatVector.fromArray(F, mat, r3 + p + L), b3);
    }
    float s0 = SimdInfo.sumLanes(a0.add(b0));
    float s1 = SimdInfo.sumLanes(a1.add(b1));
    float s2 = SimdInfo.sumLanes(a2.add(b2));
    float s3 = SimdInfo.sumLanes(a3.add(b3));
    for (; p < k; p++) {
      float xv = x[xOff + p];
      s0 = Math.fma(xv, mat[row + p], s0);
      s1 = Math.fma(xv, mat[r1 + p], s1);
      s2 = Math.fma(xv, mat[r2 + p], s2);
      s3 = Math.fma(xv, mat[r3 + p], s3);
    }
    if (beta == 0) {
      y[yi] = alpha * s0;
      y[yi + 1] = alpha * s1;
      y[yi + 2] = alpha * s2;
      y[yi + 3] = alpha * s3;
    } else {
      y[yi] = alpha * s0 + beta * y[yi];
      y[yi + 1] = alpha * s1 + beta * y[yi + 1];
      y[yi + 2] = alpha * s2 + beta * y[yi + 2];
      y[yi + 3] = alpha * s3 + beta * y[yi + 3];
    }
  }

  private static float dot(int k, float[] x, int xOff, float[] mat, int row) {
    FloatVector a = FloatVector.zero(F);
    FloatVector b = a;
    int p = 0;
    for (int end = k - 2 * L + 1; p < end; p += 2 * L) {
      a = FloatVector.fromArray(F, x, xOff + p).fma(FloatVector.fromArray(F, mat, row + p), a);
      b = FloatVector.fromArray(F, x, xOff + p + L).fma(FloatVector.fromArray(F, mat, row + p + L), b);
    }
    float s = SimdInfo.sumLanes(a.add(b));
    for (; p < k; p++) {
      s = Math.fma(x[xOff + p], mat[row + p], s);
    }
    return s;
  }
}
