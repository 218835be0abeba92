package org.quantlens.engine.kernels;

import org.quantlens.engine.tensor.QuantParams;

/** The reference {@link QuantizeKernels}: one element at a time. */
final class QuantizeKernelsScalar implements QuantizeKernels {
  @Override
  public void quantize(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax,
      byte[] y, int yOff) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = (byte) QuantParams.quantize(x[xOff + i], scale, zp, qmin, qmax);
    }
  }

  @Override
  public int quantizeCentered(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax,
      float[] a, int aOff) {
    int sum = 0;
    for (int i = 0; i < n; i++) {
      int v = QuantParams.quantize(x[xOff + i], scale, zp, qmin, qmax) - zp;
      a[aOff + i] = v;
      sum += v;
    }
    return sum;
  }

  @Override
  public void countSaturation(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax,
      long[] counts) {
    float lo = qmin - zp;
    float hi = qmax - zp;
    long low = 0;
    long high = 0;
    long nonFinite = 0;
    for (int i = 0; i < n; i++) {
      float v = x[xOff + i];
      if (!Float.isFinite(v)) {
        nonFinite++;
        continue;
      }
      double r = Math.rint(v / scale); // the float32 quotient, rounded as quantize rounds it
      low += r < lo ? 1 : 0;
      high += r > hi ? 1 : 0;
    }
    counts[0] += low;
    counts[1] += high;
    counts[2] += nonFinite;
  }

  @Override
  public void dequantize(byte[] q, int qOff, int n, boolean unsigned, int zp, float scale,
      float[] y, int yOff) {
    int mask = unsigned ? 0xff : -1;
    for (int i = 0; i < n; i++) {
      y[yOff + i] = (float) ((q[qOff + i] & mask) - zp) * scale;
    }
  }

  @Override
  public void binaryQuantized(boolean mul, byte[] a, int aOff, byte[] b, int bOff, int n, boolean unsigned,
      float sa, int za, float sb, int zb, float sy, int zy, int lo, int hi, byte[] y, int yOff) {
    int mask = unsigned ? 0xff : -1;
    for (int i = 0; i < n; i++) {
      float va = (float) ((a[aOff + i] & mask) - za) * sa;
      float vb = (float) ((b[bOff + i] & mask) - zb) * sb;
      y[yOff + i] = (byte) QuantParams.quantize(mul ? va * vb : va + vb, sy, zy, lo, hi);
    }
  }

  @Override
  public int widen(byte[] src, int srcOff, int n, boolean unsigned, float[] dst, int dstOff) {
    int flip = unsigned ? 0x80 : 0;
    int sum = 0;
    for (int i = 0; i < n; i++) {
      int v = (byte) (src[srcOff + i] ^ flip);
      dst[dstOff + i] = v;
      sum += v;
    }
    return sum;
  }

  @Override
  public void widenRows(byte[] src, int srcOff, int rows, int cols, boolean unsigned, float[] dst, int dstOff,
      int dstStride) {
    int flip = unsigned ? 0x80 : 0;
    for (int r = 0; r < rows; r++) {
      int s = srcOff + r * cols;
      int d = dstOff + r * dstStride;
      for (int i = 0; i < cols; i++) {
        dst[d + i] = (byte) (src[s + i] ^ flip);
      }
    }
  }
}
