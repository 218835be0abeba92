package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.ConvKernels;

/**
 * SIMD {@link ConvKernels}: the depthwise row keeps two vectors of output columns in registers
 * across all taps (one FMA per tap and vector), so each output is written once. FMA rounds once per
 * tap where the scalar reference rounds twice: results differ from it by accumulated rounding only.
 */
public final class SimdConv implements ConvKernels {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();

  @Override
  public void depthwiseRow(float[] src, int base, int[] taps, float[] w, int wOff, float bias,
      float lo, float hi, float[] dst, int dstOff, int n) {
    int i = 0;
    for (; i + 2 * L <= n; i += 2 * L) {
      FloatVector a0 = FloatVector.broadcast(F, bias);
      FloatVector a1 = a0;
      for (int t = 0; t < taps.length; t++) {
        FloatVector wt = FloatVector.broadcast(F, w[wOff + t]);
        int s = base + taps[t] + i;
        a0 = FloatVector.fromArray(F, src, s).fma(wt, a0);
        a1 = FloatVector.fromArray(F, src, s + L).fma(wt, a1);
      }
      a0.max(lo).min(hi).intoArray(dst, dstOff + i);
      a1.max(lo).min(hi).intoArray(dst, dstOff + i + L);
    }
    for (; i + L <= n; i += L) {
      depthwiseVector(src, base, taps, w, wOff, bias, lo, hi, dst, dstOff, i);
    }
    if (i < n && n >= L) {
      // one vector overlapping the previous: the shared columns get the same values again
      depthwiseVector(src, base, taps, w, wOff, bias, lo, hi, dst, dstOff, n - L);
      return;
    }
    for (; i < n; i++) {
      float acc = bias;
      for (int t = 0; t < taps.length; t++) {
        acc = Math.fma(src[base + taps[t] + i], w[wOff + t], acc);
      }
      dst[dstOff + i] = Math.min(Math.max(acc, lo), hi);
    }
  }

  private static void depthwiseVector(float[] src, int base, int[] taps, float[] w, int wOff,
      float bias, float lo, float hi, float[] dst, int dstOff, int i) {
    FloatVector a0 = FloatVector.broadcast(F, bias);
    for (int t = 0; t < taps.length; t++) {
      a0 = FloatVector.fromArray(F, src, base + taps[t] + i)
          .fma(FloatVector.broadcast(F, w[wOff + t]), a0);
    }
    a0.max(lo).min(hi).intoArray(dst, dstOff + i);
  }

  @Override
  public void directConv(float[] src, int srcOff, int rowStep, int[] offsets, float[] w, int wOff,
      int width, float[] bias, int m0, int mr, float lo, float hi, float[] dst, int dstOff,
      int dstPlane, int outH, int outW) {
    SimdDirectConv.run(src, srcOff, rowStep, offsets, w, wOff, width, bias, m0, mr, lo, hi, dst, dstOff,
        dstPlane, outH, outW);
  }

  @Override
  public void biasClamp(float[] y, int off, int n, float bias, float lo, float hi) {
    int i = off;
    int end = off + n;
    for (; i + L <= end; i += L) {
      FloatVector.fromArray(F, y, i).add(bias).max(lo).min(hi).intoArray(y, i);
    }
    for (; i < end; i++) {
      y[i] = Math.min(Math.max(y[i] + bias, lo), hi);
    }
  }
}
