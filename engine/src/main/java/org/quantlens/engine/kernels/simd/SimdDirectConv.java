package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.DirectConv;
import org.quantlens.engine.kernels.Scratch;

/**
 * The SIMD direct convolution behind {@link SimdConv#directConv}. A "slot" is one vector of
 * consecutive output columns {@code (oy, ox .. ox + L - 1)}: each output row is covered by
 * {@code ceil(outW / L)} slots, the last one shifted left to overlap its neighbour (stores are
 * overwrites of identical values); when that wastes many lanes, slots run over the flattened
 * padded rows instead (see {@link #run}). Slots are taken two at a time across row ends, so even
 * an 8x8 plane fills the registers: a block of 4 channels ({@link DirectConv#NARROW}) x 2
 * slots of accumulators, plus 2 input vectors and one broadcast
 * weight per channel, in one flat loop over (channel, tap); a last block of 2 channels
 * ({@link DirectConv#PAIR}) takes 4 slots at a time. The hot block always stores whole
 * channel blocks of whole vectors; a partial channel block, rows narrower than a vector (stored
 * at a pitch of one vector) or flattened rows go to a scratch buffer first and are copied out.
 * FMA rounds once per term where the scalar reference rounds twice.
 */
final class SimdDirectConv {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();

  private SimdDirectConv() {}

  static void run(float[] src, int srcOff, int rowStep, int[] offsets, float[] w, int wOff,
      int width, float[] bias, int m0, int mr, float lo, float hi, float[] dst, int dstOff,
      int dstPlane, int outH, int outW) {
    boolean narrow = outW < L;
    // Rows much narrower than a whole number of vectors (LeNet's 10-wide rows take 2 vectors
    // each) are covered instead by vectors over the flattened padded rows, whose extra columns
    // (past outW, up to rowStep) are computed but never copied out: fewer vectors in all.
    int span = (outH - 1) * rowStep + outW;
    int rowSlots = narrow ? outH : outH * ((outW + L - 1) / L);
    boolean flat = span >= L && (span + L - 1) / L < rowSlots;
    int gridRows = flat ? 1 : outH;
    int gridW = flat ? span : outW;
    int perRow = narrow && !flat ? 1 : (gridW + L - 1) / L;
    boolean direct = mr == width && !narrow && !flat;
    int pitch = flat ? rowStep : narrow ? L : outW;
    int plane = direct ? dstPlane : outH * pitch;
    float[] out = direct ? dst : Scratch.floats(1, width * plane);
    int outOff = direct ? dstOff : 0;
    int slots = gridRows * perRow;
    float[] b = BIAS.get();
    for (int j = 0; j < width; j++) {
      b[j] = bias == null || j >= mr ? 0f : bias[m0 + j];
    }
    if (width == DirectConv.PAIR) {
      pairs(src, srcOff, rowStep, offsets, w, wOff, b, lo, hi, out, outOff, plane, slots, perRow,
          gridW, pitch);
    } else {
      for (int s = 0; s < slots; s += 2) {
        int s1 = Math.min(s + 1, slots - 1); // an odd last slot is computed and stored twice
        int r0 = s / perRow;
        int r1 = s1 / perRow;
        int c0 = col(s, perRow, gridW);
        int c1 = col(s1, perRow, gridW);
        int i0 = srcOff + r0 * rowStep + c0;
        int i1 = srcOff + r1 * rowStep + c1;
        int o0 = outOff + r0 * pitch + c0;
        int o1 = outOff + r1 * pitch + c1;
        block4(src, offsets, w, wOff, i0, i1, b, lo, hi, out, o0, o1, plane);
      }
    }
    if (!direct) {
      for (int j = 0; j < mr; j++) {
        for (int oy = 0; oy < outH; oy++) {
          System.arraycopy(out, j * plane + oy * pitch, dst, dstOff + j * dstPlane + oy * outW,
              outW);
        }
      }
    }
  }

  /** The slots of a 2-channel block, four at a time (a short last group repeats its last slot). */
  private static void pairs(float[] src, int srcOff, int rowStep, int[] offsets, float[] w,
      int wOff, float[] b, float lo, float hi, float[] out, int outOff, int plane, int slots,
      int perRow, int gridW, int pitch) {
    for (int s = 0; s < slots; s += 4) {
      int i0 = srcOff + slotOffset(s, perRow, gridW, rowStep);
      int i1 = srcOff + slotOffset(Math.min(s + 1, slots - 1), perRow, gridW, rowStep);
      int i2 = srcOff + slotOffset(Math.min(s + 2, slots - 1), perRow, gridW, rowStep);
      int i3 = srcOff + slotOffset(Math.min(s + 3, slots - 1), perRow, gridW, rowStep);
      int o0 = outOff + slotOffset(s, perRow, gridW, pitch);
      int o1 = outOff + slotOffset(Math.min(s + 1, slots - 1), perRow, gridW, pitch);
      int o2 = outOff + slotOffset(Math.min(s + 2, slots - 1), perRow, gridW, pitch);
      int o3 = outOff + slotOffset(Math.min(s + 3, slots - 1), perRow, gridW, pitch);
      block2(src, offsets, w, wOff, i0, i1, i2, i3, b, lo, hi, out, o0, o1, o2, o3, plane);
    }
  }

  /** Where slot {@code s}'s first lane sits in a grid whose rows are {@code step} apart. */
  private static int slotOffset(int s, int perRow, int gridW, int step) {
    return s / perRow * step + col(s, perRow, gridW);
  }

  /** Per-thread bias block, so the kernel takes one array instead of four floats. */
  private static final ThreadLocal<float[]> BIAS = ThreadLocal.withInitial(() -> new float[4]);

  /** Column of slot {@code s}'s first lane in a grid {@code width} columns wide. */
  private static int col(int s, int perRow, int width) {
    return Math.max(0, Math.min((s % perRow) * L, width - L));
  }

  private static void block2(float[] src, int[] offsets, float[] w, int wOff, int i0, int i1,
      int i2, int i3, float[] b, float lo, float hi, float[] dst, int o0, int o1, int o2, int o3,
      int plane) {
    FloatVector a00 = FloatVector.broadcast(F, b[0]);
    FloatVector a10 = FloatVector.broadcast(F, b[1]);
    FloatVector a01 = a00;
    FloatVector a11 = a10;
    FloatVector a02 = a00;
    FloatVector a12 = a10;
    FloatVector a03 = a00;
    FloatVector a13 = a10;
    for (int q = 0, wi = wOff; q < offsets.length; q++, wi += 2) {
      int o = offsets[q];
      FloatVector w0 = FloatVector.broadcast(F, w[wi]);
      FloatVector w1 = FloatVector.broadcast(F, w[wi + 1]);
      FloatVector x = FloatVector.fromArray(F, src, i0 + o);
      a00 = x.fma(w0, a00);
      a10 = x.fma(w1, a10);
      x = FloatVector.fromArray(F, src, i1 + o);
      a01 = x.fma(w0, a01);
      a11 = x.fma(w1, a11);
      x = FloatVector.fromArray(F, src, i2 + o);
      a02 = x.fma(w0, a02);
      a12 = x.fma(w1, a12);
      x = FloatVector.fromArray(F, src, i3 + o);
      a03 = x.fma(w0, a03);
      a13 = x.fma(w1, a13);
    }
    a00.max(lo).min(hi).intoArray(dst, o0);
    a10.max(lo).min(hi).intoArray(dst, o0 + plane);
    a01.max(lo).min(hi).intoArray(dst, o1);
    a11.max(lo).min(hi).intoArray(dst, o1 + plane);
    a02.max(lo).min(hi).intoArray(dst, o2);
    a12.max(lo).min(hi).intoArray(dst, o2 + plane);
    a03.max(lo).min(hi).intoArray(dst, o3);
    a13.max(lo).min(hi).intoArray(dst, o3 + plane);
  }

  private static void block4(float[] src, int[] offsets, float[] w, int wOff, int i0, int i1,
      float[] b, float lo, float hi, float[] dst, int o0, int o1, int plane) {
    FloatVector a00 = FloatVector.broadcast(F, b[0]);
    FloatVector a10 = FloatVector.broadcast(F, b[1]);
    FloatVector a20 = FloatVector.broadcast(F, b[2]);
    FloatVector a30 = FloatVector.broadcast(F, b[3]);
    FloatVector a01 = a00;
    FloatVector a11 = a10;
    FloatVector a21 = a20;
    FloatVector a31 = a30;
    for (int q = 0, wi = wOff; q < offsets.length; q++, wi += 4) {
      int o = offsets[q];
      FloatVector x0 = FloatVector.fromArray(F, src, i0 + o);
      FloatVector x1 = FloatVector.fromArray(F, src, i1 + o);
      FloatVector wv;
      wv = FloatVector.broadcast(F, w[wi]);
      a00 = x0.fma(wv, a00);
      a01 = x1.fma(wv, a01);
      wv = FloatVector.broadcast(F, w[wi + 1]);
      a10 = x0.fma(wv, a10);
      a11 = x1.fma(wv, a11);
      wv = FloatVector.broadcast(F, w[wi + 2]);
      a20 = x0.fma(wv, a20);
      a21 = x1.fma(wv, a21);
      wv = FloatVector.broadcast(F, w[wi + 3]);
      a30 = x0.fma(wv, a30);
      a31 = x1.fma(wv, a31);
    }
    a00.max(lo).min(hi).intoArray(dst, o0);
    a10.max(lo).min(hi).intoArray(dst, o0 + plane);
    a20.max(lo).min(hi).intoArray(dst, o0 + 2 * plane);
    a30.max(lo).min(hi).intoArray(dst, o0 + 3 * plane);
    a01.max(lo).min(hi).intoArray(dst, o1);
    a11.max(lo).min(hi).intoArray(dst, o1 + plane);
    a21.max(lo).min(hi).intoArray(dst, o1 + 2 * plane);
    a31.max(lo).min(hi).intoArray(dst, o1 + 3 * plane);
  }
}
