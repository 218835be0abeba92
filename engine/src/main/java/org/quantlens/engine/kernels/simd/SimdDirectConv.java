package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.DirectConv;

/**
 * The SIMD direct convolution behind {@link SimdConv#directConv}. A "slot" is one vector of
 * consecutive output columns {@code (oy, ox .. ox + L - 1)}: each output row is covered by
 * {@code ceil(outW / L)} slots, the last one shifted left to overlap its neighbour (stores are
 * overwrites of identical values), or, for rows narrower than a vector, one slot stored under a
 * mask. Slots are taken three at a time across row ends, so even an 8x8 plane fills the
 * registers: 4 channels x 3 slots = 12 accumulators, plus 3 input vectors and one broadcast
 * weight per tap. FMA rounds once per term where the scalar reference rounds twice.
 */
final class SimdDirectConv {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();
  private static final int B = DirectConv.BLOCK;

  private SimdDirectConv() {}

  static void run(float[] src, int srcOff, int planeLen, int rowLen, int channels, int[] taps,
      float[] w, int wOff, float[] bias, int m0, int mr, float lo, float hi, float[] dst,
      int dstOff, int outH, int outW) {
    boolean narrow = outW < L;
    VectorMask<Float> mask = narrow ? F.indexInRange(0, outW) : null;
    int perRow = narrow ? 1 : (outW + L - 1) / L;
    int slots = outH * perRow;
    int plane = outH * outW;
    for (int s = 0; s < slots; s += 3) {
      // A tail of one or two slots repeats its last slot: same values stored twice.
      int s1 = Math.min(s + 1, slots - 1);
      int s2 = Math.min(s + 2, slots - 1);
      int r0 = s / perRow;
      int r1 = s1 / perRow;
      int r2 = s2 / perRow;
      int c0 = col(s, perRow, outW);
      int c1 = col(s1, perRow, outW);
      int c2 = col(s2, perRow, outW);
      block(src, planeLen, channels, taps, w, wOff, srcOff + r0 * rowLen + c0,
          srcOff + r1 * rowLen + c1, srcOff + r2 * rowLen + c2, bias, m0, mr, lo, hi, dst,
          dstOff + r0 * outW + c0, dstOff + r1 * outW + c1, dstOff + r2 * outW + c2, plane, mask);
    }
  }

  /** Output column of slot {@code s}'s first lane. */
  private static int col(int s, int perRow, int outW) {
    return Math.max(0, Math.min((s % perRow) * L, outW - L));
  }

  private static FloatVector init(float[] bias, int m0, int mr, int j) {
    return FloatVector.broadcast(F, bias == null || j >= mr ? 0f : bias[m0 + j]);
  }

  private static void store(FloatVector a, int j, int mr, float lo, float hi, float[] dst, int o,
      VectorMask<Float> mask) {
    if (j >= mr) {
      return; // a padding channel of the last block
    }
    FloatVector v = a.max(lo).min(hi);
    if (mask == null) {
      v.intoArray(dst, o);
    } else {
      v.intoArray(dst, o, mask);
    }
  }

  private static void block(float[] src, int planeLen, int channels, int[] taps, float[] w,
      int wOff, int i0, int i1, int i2, float[] bias, int m0, int mr, float lo, float hi,
      float[] dst, int o0, int o1, int o2, int plane, VectorMask<Float> mask) {
    FloatVector a00 = init(bias, m0, mr, 0);
    FloatVector a10 = init(bias, m0, mr, 1);
    FloatVector a20 = init(bias, m0, mr, 2);
    FloatVector a30 = init(bias, m0, mr, 3);
    FloatVector a01 = a00;
    FloatVector a11 = a10;
    FloatVector a21 = a20;
    FloatVector a31 = a30;
    FloatVector a02 = a00;
    FloatVector a12 = a10;
    FloatVector a22 = a20;
    FloatVector a32 = a30;
    int nt = taps.length;
    int wi = wOff;
    for (int c = 0, base = 0; c < channels; c++, base += planeLen) {
      for (int t = 0; t < nt; t++, wi += B) {
        int o = base + taps[t];
        FloatVector x0 = FloatVector.fromArray(F, src, i0 + o);
        FloatVector x1 = FloatVector.fromArray(F, src, i1 + o);
        FloatVector x2 = FloatVector.fromArray(F, src, i2 + o);
        FloatVector wv = FloatVector.broadcast(F, w[wi]);
        a00 = x0.fma(wv, a00);
        a01 = x1.fma(wv, a01);
        a02 = x2.fma(wv, a02);
        wv = FloatVector.broadcast(F, w[wi + 1]);
        a10 = x0.fma(wv, a10);
        a11 = x1.fma(wv, a11);
        a12 = x2.fma(wv, a12);
        wv = FloatVector.broadcast(F, w[wi + 2]);
        a20 = x0.fma(wv, a20);
        a21 = x1.fma(wv, a21);
        a22 = x2.fma(wv, a22);
        wv = FloatVector.broadcast(F, w[wi + 3]);
        a30 = x0.fma(wv, a30);
        a31 = x1.fma(wv, a31);
        a32 = x2.fma(wv, a32);
      }
    }
    store(a00, 0, mr, lo, hi, dst, o0, mask);
    store(a10, 1, mr, lo, hi, dst, o0 + plane, mask);
    store(a20, 2, mr, lo, hi, dst, o0 + 2 * plane, mask);
    store(a30, 3, mr, lo, hi, dst, o0 + 3 * plane, mask);
    store(a01, 0, mr, lo, hi, dst, o1, mask);
    store(a11, 1, mr, lo, hi, dst, o1 + plane, mask);
    store(a21, 2, mr, lo, hi, dst, o1 + 2 * plane, mask);
    store(a31, 3, mr, lo, hi, dst, o1 + 3 * plane, mask);
    store(a02, 0, mr, lo, hi, dst, o2, mask);
    store(a12, 1, mr, lo, hi, dst, o2 + plane, mask);
    store(a22, 2, mr, lo, hi, dst, o2 + 2 * plane, mask);
    store(a32, 3, mr, lo, hi, dst, o2 + 3 * plane, mask);
  }
}
