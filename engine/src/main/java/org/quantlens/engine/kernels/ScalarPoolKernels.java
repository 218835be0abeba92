package org.quantlens.engine.kernels;

/** Scalar reference of {@link PoolKernels}. */
public final class ScalarPoolKernels implements PoolKernels {
  /** Use {@link PoolKernels#SCALAR}. */
  ScalarPoolKernels() {}

  @Override
  public void maxRow(float[] src, int base, int[] taps, float[] dst, int dstOff, int n) {
    for (int i = 0; i < n; i++) {
      float m = Float.NEGATIVE_INFINITY;
      for (int t = 0; t < taps.length; t++) {
        m = Math.max(m, src[base + taps[t] + i]);
      }
      dst[dstOff + i] = m;
    }
  }

  @Override
  public void max2x2Row(float[] x, int r0, int w, float[] dst, int dstOff, int n) {
    int r1 = r0 + w;
    for (int i = 0; i < n; i++) {
      int j = 2 * i;
      dst[dstOff + i] = Math.max(Math.max(Math.max(x[r0 + j], x[r0 + j + 1]), x[r1 + j]), x[r1 + j + 1]);
    }
  }

  @Override
  public void avgRow(float[] src, int base, int[] taps, float divY, float[] divX, float[] dst,
      int dstOff, int n) {
    for (int i = 0; i < n; i++) {
      float s = 0f;
      for (int t = 0; t < taps.length; t++) {
        s += src[base + taps[t] + i];
      }
      dst[dstOff + i] = s / (divY * divX[i]);
    }
  }

  @Override
  public float sum(float[] x, int off, int n) {
    float s = 0f;
    for (int i = off; i < off + n; i++) {
      s += x[i];
    }
    return s;
  }

  @Override
  public float max(float[] x, int off, int n) {
    float m = Float.NEGATIVE_INFINITY;
    for (int i = off; i < off + n; i++) {
      m = Math.max(m, x[i]);
    }
    return m;
  }

  @Override
  public void affine(float[] x, int xOff, float scale, float shift, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = x[xOff + i] * scale + shift;
    }
  }
}
