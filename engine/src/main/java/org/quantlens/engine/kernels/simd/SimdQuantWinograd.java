package org.quantlens.engine.kernels.simd;

import static jdk.incubator.vector.VectorOperators.B2F;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.QuantWinogradKernels;

/**
 * The SIMD {@link QuantWinogradKernels}: {@link SimdWinograd}'s input transform, and the channel
 * sums on {@link SimdGemm}'s 4 x (2 vectors) tile, a chunk of channels at a time, each chunk's
 * float sums converted to int by the vector cast and added up (as {@link SimdInt8Gemm} does with
 * its K blocks, which convert by a magic number, exact only within 2^22: the cast's 2^24 takes a
 * quarter of the chunks, and ResNet-20 static-int8 at batch 1 ran 1.1-1.3x with it).
 */
public final class SimdQuantWinograd implements QuantWinogradKernels {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final VectorSpecies<Integer> I =
      IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
  private static final int L = F.length();
  private static final int NR = 2 * L;
  private static final int POSITIONS = 16;
  /** Weight bytes that widen to one float vector (null below 8 lanes: no such shape). */
  private static final VectorSpecies<Byte> BS =
      L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
  /** Lane i takes lane i / 2 (of the upper half): each lane of a half, twice. */
  private static final VectorShuffle<Integer> TWICE_LO = VectorShuffle.fromOp(I, i -> i / 2);
  private static final VectorShuffle<Integer> TWICE_HI =
      VectorShuffle.fromOp(I, i -> L / 2 + i / 2);
  private static final VectorMask<Integer> ODD = VectorMask.fromLong(I, 0xAAAAAAAAAAAAAAAAL);
  private final SimdWinograd transforms = new SimdWinograd();

  @Override
  public int panelTiles() {
    return NR;
  }

  @Override
  public int inputFloats(int channels, int w, int rows) {
    return transforms.inputFloats(channels, w, rows);
  }

  @Override
  public void transformInputs(float[] x, int xOff, int channels, int h, int w, int ty0, int ty1,
      float[] v) {
    transforms.transformInputs(x, xOff, channels, h, w, 0, channels, ty0, ty1, v);
  }

  @Override
  public void transformKernels(byte[] w, int channels, int b0, int b1, float[] u, int uOff) {
    int n = 4 * channels; // a tap's values in a block: (channel, row) pairs
    int vectors = BS == null ? 0 : n / L * L;
    for (int b = b0; b < b1; b++) {
      int wb = b * 9 * n;
      int ub = uOff + (b - b0) * POSITIONS * n;
      for (int i = 0; i < vectors; i += L) {
        kernelVector(w, wb + i, n, u, ub + i);
      }
      for (int i = vectors; i < n; i++) {
        int o = wb + i;
        int g00 = w[o];
        int g01 = w[o + n];
        int g02 = w[o + 2 * n];
        int g10 = w[o + 3 * n];
        int g11 = w[o + 4 * n];
        int g12 = w[o + 5 * n];
        int g20 = w[o + 6 * n];
        int g21 = w[o + 7 * n];
        int g22 = w[o + 8 * n];
        int at = ub + i;
        rowScalar(2 * g00, 2 * g01, 2 * g02, u, at, n);
        rowScalar(g00 + g10 + g20, g01 + g11 + g21, g02 + g12 + g22, u, at + 4 * n, n);
        rowScalar(g00 - g10 + g20, g01 - g11 + g21, g02 - g12 + g22, u, at + 8 * n, n);
        rowScalar(2 * g20, 2 * g21, 2 * g22, u, at + 12 * n, n);
      }
    }
  }

  /**
   * One vector of (channel, row) pairs of a block: its nine taps from {@code w[o]}, {@code n}
   * apart, transformed into 16 positions at {@code u[at]}, {@code n} apart. Written out in one
   * method that takes no vectors: C2 left this loop's B2F conversions to Java code (boxing every
   * vector) while it held helpers that passed vectors.
   */
  private static void kernelVector(byte[] w, int o, int n, float[] u, int at) {
    FloatVector g00 = (FloatVector) ByteVector.fromArray(BS, w, o).convertShape(B2F, F, 0);
    FloatVector g01 = (FloatVector) ByteVector.fromArray(BS, w, o + n).convertShape(B2F, F, 0);
    FloatVector g02 = (FloatVector) ByteVector.fromArray(BS, w, o + 2 * n).convertShape(B2F, F, 0);
    FloatVector g10 = (FloatVector) ByteVector.fromArray(BS, w, o + 3 * n).convertShape(B2F, F, 0);
    FloatVector g11 = (FloatVector) ByteVector.fromArray(BS, w, o + 4 * n).convertShape(B2F, F, 0);
    FloatVector g12 = (FloatVector) ByteVector.fromArray(BS, w, o + 5 * n).convertShape(B2F, F, 0);
    FloatVector g20 = (FloatVector) ByteVector.fromArray(BS, w, o + 6 * n).convertShape(B2F, F, 0);
    FloatVector g21 = (FloatVector) ByteVector.fromArray(BS, w, o + 7 * n).convertShape(B2F, F, 0);
    FloatVector g22 = (FloatVector) ByteVector.fromArray(BS, w, o + 8 * n).convertShape(B2F, F, 0);
    // rows of (2G) g: 2 g0, g0 + g1 + g2, g0 - g1 + g2, 2 g2; each row t then times (2G)^T:
    // 2 t0, t0 + t1 + t2, t0 - t1 + t2, 2 t2
    FloatVector t0 = g00.add(g00);
    FloatVector t1 = g01.add(g01);
    FloatVector t2 = g02.add(g02);
    FloatVector s = t0.add(t2);
    t0.add(t0).intoArray(u, at);
    s.add(t1).intoArray(u, at + n);
    s.sub(t1).intoArray(u, at + 2 * n);
    t2.add(t2).intoArray(u, at + 3 * n);
    FloatVector e0 = g00.add(g20);
    FloatVector e1 = g01.add(g21);
    FloatVector e2 = g02.add(g22);
    t0 = e0.add(g10);
    t1 = e1.add(g11);
    t2 = e2.add(g12);
    s = t0.add(t2);
    t0.add(t0).intoArray(u, at + 4 * n);
    s.add(t1).intoArray(u, at + 5 * n);
    s.sub(t1).intoArray(u, at + 6 * n);
    t2.add(t2).intoArray(u, at + 7 * n);
    t0 = e0.sub(g10);
    t1 = e1.sub(g11);
    t2 = e2.sub(g12);
    s = t0.add(t2);
    t0.add(t0).intoArray(u, at + 8 * n);
    s.add(t1).intoArray(u, at + 9 * n);
    s.sub(t1).intoArray(u, at + 10 * n);
    t2.add(t2).intoArray(u, at + 11 * n);
    t0 = g20.add(g20);
    t1 = g21.add(g21);
    t2 = g22.add(g22);
    s = t0.add(t2);
    t0.add(t0).intoArray(u, at + 12 * n);
    s.add(t1).intoArray(u, at + 13 * n);
    s.sub(t1).intoArray(u, at + 14 * n);
    t2.add(t2).intoArray(u, at + 15 * n);
  }

  private static void rowScalar(int t0, int t1, int t2, float[] u, int at, int n) {
    u[at] = 2 * t0;
    u[at + n] = t0 + t1 + t2;
    u[at + 2 * n] = t0 - t1 + t2;
    u[at + 3 * n] = 2 * t2;
  }

  @Override
  public void products(float[] u, int uOff, float[] v, int channels, int tiles, short[] cuts,
      int cut0, int cut1, int[] m, int mStride) {
    int vStride = channels * tiles + NR; // SimdWinograd's layout: panels of NR tiles per channel
    for (int xi = 0; xi < POSITIONS; xi++) {
      for (int q = 0; q < tiles; q += NR) {
        for (int i = cut0; i < cut1; i++) {
          int c0 = cuts[i];
          tile4(cuts[i + 1] - c0, u, uOff + (xi * channels + c0) * 4, v,
              xi * vStride + q * channels + c0 * NR, i == cut0, m, xi * mStride + q, tiles);
        }
      }
    }
  }

  /**
   * {@link SimdGemm#micro4}'s 4 x (2 vectors) tile over one chunk of {@code kc} channels, its
   * sums converted to int and stored to rows {@code ld} apart from {@code m[mi]} ({@code first})
   * or added to them. The loop is micro4's, written again here with this epilogue rather than
   * given to micro4 as one more mode: micro4 is the float GEMM's kernel, whose compiled form its
   * measurements were taken with.
   */
  private static void tile4(int kc, float[] a, int ia, float[] b, int ib, boolean first, int[] m,
      int mi, int ld) {
    FloatVector c00 = FloatVector.zero(F);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
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
    int r1 = mi + ld;
    int r2 = r1 + ld;
    int r3 = r2 + ld;
    if (first) {
      ((IntVector) c00.convert(VectorOperators.F2I, 0)).intoArray(m, mi);
      ((IntVector) c01.convert(VectorOperators.F2I, 0)).intoArray(m, mi + L);
      ((IntVector) c10.convert(VectorOperators.F2I, 0)).intoArray(m, r1);
      ((IntVector) c11.convert(VectorOperators.F2I, 0)).intoArray(m, r1 + L);
      ((IntVector) c20.convert(VectorOperators.F2I, 0)).intoArray(m, r2);
      ((IntVector) c21.convert(VectorOperators.F2I, 0)).intoArray(m, r2 + L);
      ((IntVector) c30.convert(VectorOperators.F2I, 0)).intoArray(m, r3);
      ((IntVector) c31.convert(VectorOperators.F2I, 0)).intoArray(m, r3 + L);
    } else {
      ((IntVector) c00.convert(VectorOperators.F2I, 0)).add(IntVector.fromArray(I, m, mi)).intoArray(m, mi);
      ((IntVector) c01.convert(VectorOperators.F2I, 0)).add(IntVector.fromArray(I, m, mi + L)).intoArray(m, mi + L);
      ((IntVector) c10.convert(VectorOperators.F2I, 0)).add(IntVector.fromArray(I, m, r1)).intoArray(m, r1);
      ((IntVector) c11.convert(VectorOperators.F2I, 0)).add(IntVector.fromArray(I, m, r1 + L)).intoArray(m, r1 + L);
      ((IntVector) c20.convert(VectorOperators.F2I, 0)).add(IntVector.fromArray(I, m, r2)).intoArray(m, r2);
      ((IntVector) c21.convert(VectorOperators.F2I, 0)).add(IntVector.fromArray(I, m, r2 + L)).intoArray(m, r2 + L);
      ((IntVector) c30.convert(VectorOperators.F2I, 0)).add(IntVector.fromArray(I, m, r3)).intoArray(m, r3);
      ((IntVector) c31.convert(VectorOperators.F2I, 0)).add(IntVector.fromArray(I, m, r3 + L)).intoArray(m, r3 + L);
    }
  }

  @Override
  public void outputs(int[] m, int r, int tiles, int mStride, int w, int add, int[] out,
      int outOff) {
    int tw = w / 2;
    for (int j = 0; j < tiles; j += L) {
      // A^T M A, row i of M at a time: a = M[i][0] + M[i][1] + M[i][2], b = M[i][1] - M[i][2]
      // - M[i][3]; y00 and y01 sum rows 0-2 of a and b, y10 and y11 take row 1 - row 2 - row 3
      int at = r * tiles + j;
      IntVector m0 = IntVector.fromArray(I, m, at);
      IntVector m1 = IntVector.fromArray(I, m, at + mStride);
      IntVector m2 = IntVector.fromArray(I, m, at + 2 * mStride);
      IntVector m3 = IntVector.fromArray(I, m, at + 3 * mStride);
      IntVector a = m0.add(m1).add(m2);
      IntVector b = m1.sub(m2).sub(m3);
      IntVector y00 = a;
      IntVector y01 = b;
      at += 4 * mStride;
      m0 = IntVector.fromArray(I, m, at);
      m1 = IntVector.fromArray(I, m, at + mStride);
      m2 = IntVector.fromArray(I, m, at + 2 * mStride);
      m3 = IntVector.fromArray(I, m, at + 3 * mStride);
      a = m0.add(m1).add(m2);
      b = m1.sub(m2).sub(m3);
      y00 = y00.add(a);
      y01 = y01.add(b);
      IntVector y10 = a;
      IntVector y11 = b;
      at += 4 * mStride;
      m0 = IntVector.fromArray(I, m, at);
      m1 = IntVector.fromArray(I, m, at + mStride);
      m2 = IntVector.fromArray(I, m, at + 2 * mStride);
      m3 = IntVector.fromArray(I, m, at + 3 * mStride);
      a = m0.add(m1).add(m2);
      b = m1.sub(m2).sub(m3);
      y00 = y00.add(a);
      y01 = y01.add(b);
      y10 = y10.sub(a);
      y11 = y11.sub(b);
      at += 4 * mStride;
      m0 = IntVector.fromArray(I, m, at);
      m1 = IntVector.fromArray(I, m, at + mStride);
      m2 = IntVector.fromArray(I, m, at + 2 * mStride);
      m3 = IntVector.fromArray(I, m, at + 3 * mStride);
      y10 = y10.sub(m0.add(m1).add(m2));
      y11 = y11.sub(m1.sub(m2).sub(m3));
      y00 = y00.lanewise(VectorOperators.ASHR, 2).add(add);
      y01 = y01.lanewise(VectorOperators.ASHR, 2).add(add);
      y10 = y10.lanewise(VectorOperators.ASHR, 2).add(add);
      y11 = y11.lanewise(VectorOperators.ASHR, 2).add(add);
      // zip each tile's two columns back into rows: the lower half of the tiles, then the upper
      int lo = outOff + 2 * (j / tw) * w + 2 * (j % tw);
      int jh = j + L / 2;
      int hi = outOff + 2 * (jh / tw) * w + 2 * (jh % tw);
      y00.rearrange(TWICE_LO).blend(y01.rearrange(TWICE_LO), ODD).intoArray(out, lo);
      y10.rearrange(TWICE_LO).blend(y11.rearrange(TWICE_LO), ODD).intoArray(out, lo + w);
      y00.rearrange(TWICE_HI).blend(y01.rearrange(TWICE_HI), ODD).intoArray(out, hi);
      y10.rearrange(TWICE_HI).blend(y11.rearrange(TWICE_HI), ODD).intoArray(out, hi + w);
    }
  }
}
