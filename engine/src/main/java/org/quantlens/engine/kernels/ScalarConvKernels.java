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
  public void directConv(float[] src, int srcOff, int rowStep, int[] offsets, float[] w, int wOff,
      int width, float[] bias, int m0, int mr, float lo, float hi, float[] dst, int dstOff, int dstPlane,
      int outH, int outW) {
    for (int j = 0; j < mr; j++) {
      float b = bias == null ? 0f : bias[m0 + j];
      for (int oy = 0; oy < outH; oy++) {
        for (int ox = 0; ox < outW; ox++) {
          int s = srcOff + oy * rowStep + ox;
          float acc = b;
          for (int q = 0, wi = wOff + j; q < offsets.length; q++, wi += width) {
            acc += src[s + offsets[q]] * w[wi];
          }
          dst[dstOff + j * dstPlane + oy * outW + ox] = Math.min(Math.max(acc, lo), hi);
        }
      }
    }
  }

  @Override
  public void biasClamp(float[] y, int off, int n, float bias, float lo, float hi) {
    for (int i = off; i < off + n; i++) {
      y[i] = Math.min(Math.max(y[i] + bias, lo), hi);
    }
  }
}
