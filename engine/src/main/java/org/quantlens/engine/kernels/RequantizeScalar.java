package org.quantlens.engine.kernels;

/** The reference {@link Requantize}: one element at a time. */
final class RequantizeScalar implements Requantize {
  @Override
  public void requantizeRow(int[] acc, int accOff, int n, int bias, float scale, int zp, int lo,
      int hi, byte[] out, int outOff) {
    float fl = lo - zp;
    float fh = hi - zp;
    for (int i = 0; i < n; i++) {
      float f = (float) (acc[accOff + i] + bias) * scale;
      out[outOff + i] = (byte) ((int) Math.rint(Math.min(Math.max(f, fl), fh)) + zp);
    }
  }

  @Override
  public void requantizeColumns(int[] acc, int accOff, int n, float[] scale, int scaleOff, int zp,
      int lo, int hi, byte[] out, int outOff) {
    float fl = lo - zp;
    float fh = hi - zp;
    for (int i = 0; i < n; i++) {
      float f = (float) acc[accOff + i] * scale[scaleOff + i];
      out[outOff + i] = (byte) ((int) Math.rint(Math.min(Math.max(f, fl), fh)) + zp);
    }
  }

  @Override
  public void countRowSaturation(int[] acc, int accOff, int n, int bias, float scale, int zp,
      int qmin, int qmax, long[] counts) {
    float lo = qmin - zp;
    float hi = qmax - zp;
    long low = 0;
    long high = 0;
    for (int i = 0; i < n; i++) {
      double r = Math.rint((float) (acc[accOff + i] + bias) * scale);
      low += r < lo ? 1 : 0;
      high += r > hi ? 1 : 0;
    }
    counts[0] += low;
    counts[1] += high;
  }

  @Override
  public void countColumnsSaturation(int[] acc, int accOff, int n, float[] scale, int scaleOff,
      int zp, int qmin, int qmax, long[] counts) {
    float lo = qmin - zp;
    float hi = qmax - zp;
    long low = 0;
    long high = 0;
    for (int i = 0; i < n; i++) {
      double r = Math.rint((float) acc[accOff + i] * scale[scaleOff + i]);
      low += r < lo ? 1 : 0;
      high += r > hi ? 1 : 0;
    }
    counts[0] += low;
    counts[1] += high;
  }

  @Override
  public void toFloatColumns(int[] acc, int accOff, int n, float[] scale, int scaleOff,
      float[] bias, int biasOff, float[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      float f = (float) acc[accOff + i] * scale[scaleOff + i];
      out[outOff + i] = bias == null ? f : f + bias[biasOff + i];
    }
  }

  @Override
  public void addScaled(int[] acc, int off, int n, int factor, int[] v, int vOff) {
    for (int i = 0; i < n; i++) {
      acc[off + i] += factor * v[vOff + i];
    }
  }
}
