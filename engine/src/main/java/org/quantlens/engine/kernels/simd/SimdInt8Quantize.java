package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.QuantizeKernels;

/**
 * {@link QuantizeKernels} over {@link SimdInfo#F}-wide vectors: one vector of floats per vector
 * of bytes a quarter as wide. With 128-bit vectors it uses the scalar kernels.
 */
public final class SimdInt8Quantize implements QuantizeKernels {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
  private static final int V = F.length();
  private static final boolean NARROW = F.vectorBitSize() < 256;
  private static final VectorSpecies<Byte> B = NARROW ? null
      : ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.vectorBitSize() / 4));

  @Override
  public void quantize(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax,
      byte[] y, int yOff) {
    if (NARROW) {
      SCALAR.quantize(x, xOff, n, scale, zp, qmin, qmax, y, yOff);
      return;
    }
    FloatVector vs = FloatVector.broadcast(F, scale);
    FloatVector vlo = FloatVector.broadcast(F, qmin - zp);
    FloatVector vhi = FloatVector.broadcast(F, qmax - zp);
    FloatVector zero = FloatVector.zero(F);
    IntVector vz = IntVector.broadcast(I, zp);
    int i = 0;
    for (int end = n - V; i <= end; i += V) {
      FloatVector v = FloatVector.fromArray(F, x, xOff + i).div(vs);
      VectorMask<Float> nan = v.test(VectorOperators.IS_NAN);
      v = v.max(vlo).min(vhi).blend(zero, nan);
      IntVector q = SimdInt8Requantize.round(v).add(vz);
      ((ByteVector) q.convertShape(VectorOperators.I2B, B, 0)).intoArray(y, yOff + i);
    }
    if (i < n) {
      SCALAR.quantize(x, xOff + i, n - i, scale, zp, qmin, qmax, y, yOff + i);
    }
  }

  @Override
  public void countSaturation(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax,
      long[] counts) {
    if (NARROW) {
      SCALAR.countSaturation(x, xOff, n, scale, zp, qmin, qmax, counts);
      return;
    }
    FloatVector vs = FloatVector.broadcast(F, scale);
    // Clamping one past each bound keeps the magic-number rounding in range and the comparison exact.
    FloatVector vlo = FloatVector.broadcast(F, qmin - zp - 1);
    FloatVector vhi = FloatVector.broadcast(F, qmax - zp + 1);
    IntVector ilo = IntVector.broadcast(I, qmin - zp);
    IntVector ihi = IntVector.broadcast(I, qmax - zp);
    FloatVector zero = FloatVector.zero(F);
    long low = 0;
    long high = 0;
    long nonFinite = 0;
    int i = 0;
    for (int end = n - V; i <= end; i += V) {
      FloatVector v = FloatVector.fromArray(F, x, xOff + i);
      VectorMask<Float> bad = v.test(VectorOperators.IS_FINITE).not();
      nonFinite += bad.trueCount();
      IntVector r = SimdInt8Requantize.round(v.div(vs).max(vlo).min(vhi).blend(zero, bad));
      low += r.compare(VectorOperators.LT, ilo).trueCount();
      high += r.compare(VectorOperators.GT, ihi).trueCount();
    }
    counts[0] += low;
    counts[1] += high;
    counts[2] += nonFinite;
    if (i < n) {
      SCALAR.countSaturation(x, xOff + i, n - i, scale, zp, qmin, qmax, counts);
    }
  }

  @Override
  public void dequantize(byte[] q, int qOff, int n, boolean unsigned, int zp, float scale,
      float[] y, int yOff) {
    if (NARROW) {
      SCALAR.dequantize(q, qOff, n, unsigned, zp, scale, y, yOff);
      return;
    }
    IntVector vz = IntVector.broadcast(I, zp);
    FloatVector vs = FloatVector.broadcast(F, scale);
    int mask = unsigned ? 0xff : -1;
    int i = 0;
    for (int end = n - V; i <= end; i += V) {
      IntVector v = (IntVector) ByteVector.fromArray(B, q, qOff + i).convertShape(VectorOperators.B2I, I, 0);
      FloatVector f = (FloatVector) v.and(mask).sub(vz).convert(VectorOperators.I2F, 0);
      f.mul(vs).intoArray(y, yOff + i);
    }
    if (i < n) {
      SCALAR.dequantize(q, qOff + i, n - i, unsigned, zp, scale, y, yOff + i);
    }
  }

  @Override
  public int widen(byte[] src, int srcOff, int n, boolean unsigned, float[] dst, int dstOff) {
    if (NARROW) {
      return SCALAR.widen(src, srcOff, n, unsigned, dst, dstOff);
    }
    byte flip = (byte) (unsigned ? 0x80 : 0);
    IntVector sum = IntVector.zero(I);
    int i = 0;
    for (int end = n - V; i <= end; i += V) {
      IntVector v = (IntVector) ByteVector.fromArray(B, src, srcOff + i).lanewise(VectorOperators.XOR, flip)
          .convertShape(VectorOperators.B2I, I, 0);
      sum = sum.add(v);
      ((FloatVector) v.convert(VectorOperators.I2F, 0)).intoArray(dst, dstOff + i);
    }
    int s = sum.reduceLanes(VectorOperators.ADD);
    if (i < n) {
      s += SCALAR.widen(src, srcOff + i, n - i, unsigned, dst, dstOff + i);
    }
    return s;
  }
}
