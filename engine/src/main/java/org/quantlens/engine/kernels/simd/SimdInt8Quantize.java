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
  /** Codes summed in float by {@link #quantizeCentered}: 255 x 2^16 stays below 2^24, so exact. */
  private static final int CENTERED_CHUNK = 1 << 16;
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
  public int quantizeCentered(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax,
      float[] a, int aOff) {
    if (NARROW) {
      return SCALAR.quantizeCentered(x, xOff, n, scale, zp, qmin, qmax, a, aOff);
    }
    FloatVector vs = FloatVector.broadcast(F, scale);
    FloatVector vlo = FloatVector.broadcast(F, qmin - zp);
    FloatVector vhi = FloatVector.broadcast(F, qmax - zp);
    FloatVector zero = FloatVector.zero(F);
    FloatVector magic = FloatVector.broadcast(F, SimdInt8Requantize.MAGIC);
    int total = 0;
    int i = 0;
    while (n - i >= V) {
      // quantize's steps without adding zp back, rounded in float (+- 1.5 * 2^23: half to even,
      // exact within 2^22); float sums of at most CENTERED_CHUNK codes of |q| <= 255 are exact
      FloatVector sum = zero;
      for (int end = Math.min(n, i + CENTERED_CHUNK) - V; i <= end; i += V) {
        FloatVector v = FloatVector.fromArray(F, x, xOff + i).div(vs);
        VectorMask<Float> nan = v.test(VectorOperators.IS_NAN);
        v = v.max(vlo).min(vhi).blend(zero, nan).add(magic).sub(magic);
        sum = sum.add(v);
        v.intoArray(a, aOff + i);
      }
      total += (int) sum.reduceLanes(VectorOperators.ADD);
    }
    if (i < n) {
      total += SCALAR.quantizeCentered(x, xOff + i, n - i, scale, zp, qmin, qmax, a, aOff + i);
    }
    return total;
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
  public void binaryQuantized(boolean mul, byte[] a, int aOff, byte[] b, int bOff, int n, boolean unsigned,
      float sa, int za, float sb, int zb, float sy, int zy, int lo, int hi, byte[] y, int yOff) {
    if (NARROW) {
      SCALAR.binaryQuantized(mul, a, aOff, b, bOff, n, unsigned, sa, za, sb, zb, sy, zy, lo, hi, y, yOff);
      return;
    }
    int i = runs(mul, a, aOff, b, bOff, n, unsigned, sa, za, sb, zb, sy, zy, lo, hi, y, yOff);
    if (i < n && n >= V && y != a && y != b) {
      // the tail as one vector ending at n, rewriting a few outputs with equal values (not in place:
      // those would read outputs)
      int t = n - V;
      runs(mul, a, aOff + t, b, bOff + t, V, unsigned, sa, za, sb, zb, sy, zy, lo, hi, y, yOff + t);
    } else if (i < n) {
      SCALAR.binaryQuantized(mul, a, aOff + i, b, bOff + i, n - i, unsigned, sa, za, sb, zb, sy, zy, lo, hi,
          y, yOff + i);
    }
  }

  /**
   * The whole vectors of a multiply or an add; returns how many elements were done. ({@code mul}
   * is the same for the whole loop: C2 takes the test out of it.) Written out without helpers
   * that take or hold vectors: as an object of vector fields the output's parameters were
   * allocated on every call (1.7 KB per int8 ResNet-20 run), not kept in registers.
   */
  private static int runs(boolean mul, byte[] a, int aOff, byte[] b, int bOff, int n, boolean unsigned,
      float sa, int za, float sb, int zb, float sy, int zy, int lo, int hi, byte[] y, int yOff) {
    int mask = unsigned ? 0xff : -1;
    IntVector vza = IntVector.broadcast(I, za);
    IntVector vzb = IntVector.broadcast(I, zb);
    FloatVector vsa = FloatVector.broadcast(F, sa);
    FloatVector vsb = FloatVector.broadcast(F, sb);
    FloatVector vsy = FloatVector.broadcast(F, sy);
    FloatVector vlo = FloatVector.broadcast(F, lo - zy);
    FloatVector vhi = FloatVector.broadcast(F, hi - zy);
    IntVector vzy = IntVector.broadcast(I, zy);
    int i = 0;
    for (int end = n - V; i <= end; i += V) {
      IntVector qa = (IntVector) ByteVector.fromArray(B, a, aOff + i)
          .convertShape(VectorOperators.B2I, I, 0);
      IntVector qb = (IntVector) ByteVector.fromArray(B, b, bOff + i)
          .convertShape(VectorOperators.B2I, I, 0);
      FloatVector fa = ((FloatVector) qa.and(mask).sub(vza).convert(VectorOperators.I2F, 0)).mul(vsa);
      FloatVector fb = ((FloatVector) qb.and(mask).sub(vzb).convert(VectorOperators.I2F, 0)).mul(vsb);
      // QuantizeLinear of the float result: NaN to the zero point, clamped, rounded half to even
      FloatVector v = (mul ? fa.mul(fb) : fa.add(fb)).div(vsy);
      VectorMask<Float> nan = v.test(VectorOperators.IS_NAN);
      v = v.max(vlo).min(vhi).blend(0f, nan);
      IntVector q = SimdInt8Requantize.round(v).add(vzy);
      ((ByteVector) q.convertShape(VectorOperators.I2B, B, 0)).intoArray(y, yOff + i);
    }
    return i;
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

  @Override
  public void widenRows(byte[] src, int srcOff, int rows, int cols, boolean unsigned, float[] dst, int dstOff,
      int dstStride) {
    if (NARROW || cols < V) {
      SCALAR.widenRows(src, srcOff, rows, cols, unsigned, dst, dstOff, dstStride);
      return;
    }
    byte flip = (byte) (unsigned ? 0x80 : 0);
    int whole = cols - cols % V;
    for (int r = 0; r < rows; r++) {
      int s = srcOff + r * cols;
      int d = dstOff + r * dstStride;
      for (int i = 0; i < whole; i += V) {
        widenVector(src, s + i, flip, dst, d + i);
      }
      if (whole < cols) { // one vector ending at the row's end, rewriting a few equal values
        widenVector(src, s + cols - V, flip, dst, d + cols - V);
      }
    }
  }

  private static void widenVector(byte[] src, int s, byte flip, float[] dst, int d) {
    IntVector v = (IntVector) ByteVector.fromArray(B, src, s).lanewise(VectorOperators.XOR, flip)
        .convertShape(VectorOperators.B2I, I, 0);
    ((FloatVector) v.convert(VectorOperators.I2F, 0)).intoArray(dst, d);
  }
}
