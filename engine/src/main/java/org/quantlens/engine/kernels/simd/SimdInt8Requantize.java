package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.Requantize;

/**
 * {@link Requantize} over {@link SimdInfo#F}-wide vectors. Rounding half to even uses the
 * magic-number trick ({@code (f + 1.5 * 2^23) - 1.5 * 2^23}), exact here because values are
 * clamped to at most 255 in magnitude first; it equals {@code Math.rint} of the scalar kernel.
 * With 128-bit vectors (4 lanes, no 32-bit byte vector to store into) it uses the scalar kernel.
 * A row of at least one vector ends with a vector that overlaps the one before it (outputs depend
 * only on their own accumulator, so the overlap rewrites equal bytes) instead of a scalar tail:
 * conv output rows split at tile edges are rarely a multiple of the vector width.
 */
public final class SimdInt8Requantize implements Requantize {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
  private static final int V = F.length();
  private static final boolean NARROW = F.vectorBitSize() < 256;
  private static final VectorSpecies<Byte> B = NARROW ? null
      : ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.vectorBitSize() / 4));
  static final float MAGIC = 12582912f; // 1.5 * 2^23

  @Override
  public void requantizeRow(int[] acc, int accOff, int n, int bias, float scale, int zp, int lo,
      int hi, byte[] out, int outOff) {
    if (NARROW) {
      SCALAR.requantizeRow(acc, accOff, n, bias, scale, zp, lo, hi, out, outOff);
      return;
    }
    if (n < V) {
      SCALAR.requantizeRow(acc, accOff, n, bias, scale, zp, lo, hi, out, outOff);
      return;
    }
    IntVector vb = IntVector.broadcast(I, bias);
    FloatVector vs = FloatVector.broadcast(F, scale);
    FloatVector vlo = FloatVector.broadcast(F, lo - zp);
    FloatVector vhi = FloatVector.broadcast(F, hi - zp);
    IntVector vz = IntVector.broadcast(I, zp);
    // the last vector ends at n, overlapping the one before it: it writes a few outputs again,
    // with the same values. The vector code is written out here: a helper taking vectors that C2
    // did not inline (deep in a QGemm's call chain) boxed them, 36 KB per MLP run at batch 64
    for (int at = 0, last = n - V; ; at = Math.min(at + V, last)) {
      FloatVector f = (FloatVector) IntVector.fromArray(I, acc, accOff + at).add(vb)
          .convert(VectorOperators.I2F, 0);
      IntVector q = f.mul(vs).max(vlo).min(vhi).add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS)
          .add(vz);
      ((ByteVector) q.convertShape(VectorOperators.I2B, B, 0)).intoArray(out, outOff + at);
      if (at == last) {
        break;
      }
    }
  }

  @Override
  public void requantizeColumns(int[] acc, int accOff, int n, float[] scale, int scaleOff, int zp,
      int lo, int hi, byte[] out, int outOff) {
    if (NARROW || n < V) {
      SCALAR.requantizeColumns(acc, accOff, n, scale, scaleOff, zp, lo, hi, out, outOff);
      return;
    }
    FloatVector vlo = FloatVector.broadcast(F, lo - zp);
    FloatVector vhi = FloatVector.broadcast(F, hi - zp);
    IntVector vz = IntVector.broadcast(I, zp);
    // as requantizeRow: an overlapping last vector, the vector code written out
    for (int at = 0, last = n - V; ; at = Math.min(at + V, last)) {
      FloatVector f = (FloatVector) IntVector.fromArray(I, acc, accOff + at)
          .convert(VectorOperators.I2F, 0);
      IntVector q = f.mul(FloatVector.fromArray(F, scale, scaleOff + at)).max(vlo).min(vhi)
          .add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS).add(vz);
      ((ByteVector) q.convertShape(VectorOperators.I2B, B, 0)).intoArray(out, outOff + at);
      if (at == last) {
        break;
      }
    }
  }

  @Override
  public void countRowSaturation(int[] acc, int accOff, int n, int bias, float scale, int zp,
      int qmin, int qmax, long[] counts) {
    if (NARROW) {
      SCALAR.countRowSaturation(acc, accOff, n, bias, scale, zp, qmin, qmax, counts);
      return;
    }
    IntVector vb = IntVector.broadcast(I, bias);
    FloatVector vs = FloatVector.broadcast(F, scale);
    Bounds b = new Bounds(qmin - zp, qmax - zp);
    int i = 0;
    for (int end = n - V; i <= end; i += V) {
      FloatVector f = (FloatVector) IntVector.fromArray(I, acc, accOff + i).add(vb)
          .convert(VectorOperators.I2F, 0);
      b.count(f.mul(vs));
    }
    counts[0] += b.low;
    counts[1] += b.high;
    if (i < n) {
      SCALAR.countRowSaturation(acc, accOff + i, n - i, bias, scale, zp, qmin, qmax, counts);
    }
  }

  @Override
  public void countColumnsSaturation(int[] acc, int accOff, int n, float[] scale, int scaleOff,
      int zp, int qmin, int qmax, long[] counts) {
    if (NARROW) {
      SCALAR.countColumnsSaturation(acc, accOff, n, scale, scaleOff, zp, qmin, qmax, counts);
      return;
    }
    Bounds b = new Bounds(qmin - zp, qmax - zp);
    int i = 0;
    for (int end = n - V; i <= end; i += V) {
      FloatVector f = (FloatVector) IntVector.fromArray(I, acc, accOff + i).convert(VectorOperators.I2F, 0);
      b.count(f.mul(FloatVector.fromArray(F, scale, scaleOff + i)));
    }
    counts[0] += b.low;
    counts[1] += b.high;
    if (i < n) {
      SCALAR.countColumnsSaturation(acc, accOff + i, n - i, scale, scaleOff + i, zp, qmin, qmax, counts);
    }
  }

  /**
   * Counts rounded values below / above integer bounds. Clamping one past each bound first keeps
   * the magic-number rounding in range without changing which side of a bound a value lands.
   */
  private static final class Bounds {
    final FloatVector clampLo;
    final FloatVector clampHi;
    final IntVector lo;
    final IntVector hi;
    long low;
    long high;

    Bounds(int lo, int hi) {
      this.clampLo = FloatVector.broadcast(F, lo - 1);
      this.clampHi = FloatVector.broadcast(F, hi + 1);
      this.lo = IntVector.broadcast(I, lo);
      this.hi = IntVector.broadcast(I, hi);
    }

    void count(FloatVector f) {
      IntVector r = round(f.max(clampLo).min(clampHi));
      low += r.compare(VectorOperators.LT, lo).trueCount();
      high += r.compare(VectorOperators.GT, hi).trueCount();
    }
  }

  @Override
  public void toFloatColumns(int[] acc, int accOff, int n, float[] scale, int scaleOff,
      float[] bias, int biasOff, float[] out, int outOff) {
    int i = 0;
    for (int end = n - V; i <= end; i += V) {
      FloatVector f = (FloatVector) IntVector.fromArray(I, acc, accOff + i).convert(VectorOperators.I2F, 0);
      f = f.mul(FloatVector.fromArray(F, scale, scaleOff + i));
      if (bias != null) {
        f = f.add(FloatVector.fromArray(F, bias, biasOff + i));
      }
      f.intoArray(out, outOff + i);
    }
    if (i < n) {
      SCALAR.toFloatColumns(acc, accOff + i, n - i, scale, scaleOff + i, bias,
          bias == null ? 0 : biasOff + i, out, outOff + i);
    }
  }

  @Override
  public void addScaled(int[] acc, int off, int n, int factor, int[] v, int vOff) {
    IntVector vf = IntVector.broadcast(I, factor);
    int i = 0;
    for (int end = n - V; i <= end; i += V) {
      IntVector.fromArray(I, v, vOff + i).mul(vf).add(IntVector.fromArray(I, acc, off + i))
          .intoArray(acc, off + i);
    }
    for (; i < n; i++) {
      acc[off + i] += factor * v[vOff + i];
    }
  }

  static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);

  /**
   * Round half to even of values within +-2^22, as ints: adding 1.5 * 2^23 rounds to an integer
   * (current rounding mode, nearest-even) held in the low mantissa bits, read back by
   * reinterpreting. (No F2I cast: not intrinsified on JDK 17 with AVX2.)
   */
  static IntVector round(FloatVector f) {
    return f.add(MAGIC).reinterpretAsInts().sub(MAGIC_BITS);
  }
}
