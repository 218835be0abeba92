package org.quantlens.engine.kernels;

/** Scalar reference of {@link ConvKernels}: plain loops, multiply then add (no FMA). */
public final class ScalarConvKernels implements ConvKernels {
  /** Use {@link ConvKernels#SCALAR}. */
  ScalarConvKernels() {}

  @Override
  public void depthwiseRow(float[] src, int base, int[] taps, float[] w, int wOff, float bias,
      float lo, float hi, float[] dst, int dstOff, int n) {
    for (int i = 0; i < n; i++) {
      float acc = bias;
      for (int t = 0; t < taps.length; t++) {
        acc += src[base + taps[t] + i] * w[wOff + t];
      }
      dst[dstOff + i] = Math.min(Math.max(acc, lo), hi);
    }
  }

  @Override
  public void biasClamp(float[] y, int off, int n, float bias, float lo, float hi) {
    for (int i = off; i < off + n; i++) {
      y[i] = Math.min(Math.max(y[i] + bias, lo), hi);
    }
  }
}
