package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.PoolKernels;

/**
 * SIMD {@link PoolKernels}. Window rows vectorize over output columns and visit taps in the
 * reference order with the same operations, so they match the scalar reference bit for bit (a row
 * whose width is not a multiple of the vector ends with one vector overlapping the previous one,
 * which rewrites equal values: small feature maps stay vectorized); the
 * plane sum uses four vector accumulators (a different association than the scalar loop).
 */
public final class SimdPool implements PoolKernels {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();

  @Override
  public void maxRow(float[] src, int base, int[] taps, float[] dst, int dstOff, int n) {
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
      for (int t = 0; t < taps.length; t++) {
        m = m.max(FloatVector.fromArray(F, src, base + taps[t] + i));
      }
      m.intoArray(dst, dstOff + i);
    }
    if (i < n && n >= L) {
      maxVector(src, base, taps, dst, dstOff, n - L); // overlap: recomputes equal values
      return;
    }
    for (; i < n; i++) {
      float m = Float.NEGATIVE_INFINITY;
      for (int t = 0; t < taps.length; t++) {
        m = Math.max(m, src[base + taps[t] + i]);
      }
      dst[dstOff + i] = m;
    }
  }

  private static void maxVector(float[] src, int base, int[] taps, float[] dst, int dstOff, int i) {
    FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    for (int t = 0; t < taps.length; t++) {
      m = m.max(FloatVector.fromArray(F, src, base + taps[t] + i));
    }
    m.intoArray(dst, dstOff + i);
  }

  // Lanes 0, 2, .. (EVEN) or 1, 3, .. (ODD) of a vector, twice over; blending the upper half
  // (HIGH) from a second vector's gives the even or odd columns of 2L consecutive floats. One-
  // vector shuffles and blends on exact-typed vectors (see SimdGemm.transpose4): the two-vector
  // rearrange binds only from a receiver profile, and boxes its vectors without one; JDK 17 ran
  // it out of line, 2x slower than the scalar loop, where this form is 1.7x faster than scalar.
  private static final VectorShuffle<Float> EVEN = columns(0);
  private static final VectorShuffle<Float> ODD = columns(1);
  private static final VectorMask<Float> HIGH = upperHalf();
  /** Adding -0 changes no float and gives the sum the exact vector class a load lacks. */
  private static final FloatVector NEG_ZERO = FloatVector.broadcast(F, -0f);

  private static VectorMask<Float> upperHalf() {
    boolean[] high = new boolean[L];
    java.util.Arrays.fill(high, L / 2, L, true);
    return VectorMask.fromArray(F, high, 0);
  }

  private static VectorShuffle<Float> columns(int first) {
    int[] c = new int[L];
    for (int i = 0; i < L; i++) {
      c[i] = (2 * i + first) % L;
    }
    return VectorShuffle.fromArray(F, c, 0);
  }

  @Override
  public void max2x2Row(float[] x, int r0, int w, float[] dst, int dstOff, int n) {
    int r1 = r0 + w;
    int i = 0;
    for (; i + L <= n; i += L) {
      max2x2Vector(x, r0, r1, dst, dstOff, i);
    }
    if (i < n && n >= L) {
      max2x2Vector(x, r0, r1, dst, dstOff, n - L); // overlap: recomputes equal values
      return;
    }
    for (; i < n; i++) {
      int j = 2 * i;
      dst[dstOff + i] = Math.max(Math.max(Math.max(x[r0 + j], x[r0 + j + 1]), x[r1 + j]), x[r1 + j + 1]);
    }
  }

  /** Outputs {@code [i, i + L)}: the even and odd columns of both rows, in maxRow's tap order. */
  private static void max2x2Vector(float[] x, int r0, int r1, float[] dst, int dstOff, int i) {
    int j = 2 * i;
    FloatVector a = NEG_ZERO.add(FloatVector.fromArray(F, x, r0 + j));
    FloatVector b = NEG_ZERO.add(FloatVector.fromArray(F, x, r0 + j + L));
    FloatVector c = NEG_ZERO.add(FloatVector.fromArray(F, x, r1 + j));
    FloatVector d = NEG_ZERO.add(FloatVector.fromArray(F, x, r1 + j + L));
    a.rearrange(EVEN).blend(b.rearrange(EVEN), HIGH)
        .max(a.rearrange(ODD).blend(b.rearrange(ODD), HIGH))
        .max(c.rearrange(EVEN).blend(d.rearrange(EVEN), HIGH))
        .max(c.rearrange(ODD).blend(d.rearrange(ODD), HIGH))
        .intoArray(dst, dstOff + i);
  }

  @Override
  public void avgRow(float[] src, int base, int[] taps, float divY, float[] divX, float[] dst,
      int dstOff, int n) {
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector s = FloatVector.zero(F);
      for (int t = 0; t < taps.length; t++) {
        s = s.add(FloatVector.fromArray(F, src, base + taps[t] + i));
      }
      s.div(FloatVector.fromArray(F, divX, i).mul(divY)).intoArray(dst, dstOff + i);
    }
    if (i < n && n >= L) {
      avgVector(src, base, taps, divY, divX, dst, dstOff, n - L); // overlap: equal values again
      return;
    }
    for (; i < n; i++) {
      float s = 0f;
      for (int t = 0; t < taps.length; t++) {
        s += src[base + taps[t] + i];
      }
      dst[dstOff + i] = s / (divY * divX[i]);
    }
  }

  private static void avgVector(float[] src, int base, int[] taps, float divY, float[] divX,
      float[] dst, int dstOff, int i) {
    FloatVector s = FloatVector.zero(F);
    for (int t = 0; t < taps.length; t++) {
      s = s.add(FloatVector.fromArray(F, src, base + taps[t] + i));
    }
    s.div(FloatVector.fromArray(F, divX, i).mul(divY)).intoArray(dst, dstOff + i);
  }

  @Override
  public float sum(float[] x, int off, int n) {
    int i = off;
    int end = off + n;
    FloatVector s0 = FloatVector.zero(F);
    FloatVector s1 = s0;
    FloatVector s2 = s0;
    FloatVector s3 = s0;
    for (; i + 4 * L <= end; i += 4 * L) {
      s0 = s0.add(FloatVector.fromArray(F, x, i));
      s1 = s1.add(FloatVector.fromArray(F, x, i + L));
      s2 = s2.add(FloatVector.fromArray(F, x, i + 2 * L));
      s3 = s3.add(FloatVector.fromArray(F, x, i + 3 * L));
    }
    for (; i + L <= end; i += L) {
      s0 = s0.add(FloatVector.fromArray(F, x, i));
    }
    float s = SimdInfo.sumLanes(s0.add(s1).add(s2.add(s3)));
    for (; i < end; i++) {
      s += x[i];
    }
    return s;
  }

  @Override
  public float max(float[] x, int off, int n) {
    int i = off;
    int end = off + n;
    FloatVector m0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    FloatVector m1 = m0;
    for (; i + 2 * L <= end; i += 2 * L) {
      m0 = m0.max(FloatVector.fromArray(F, x, i));
      m1 = m1.max(FloatVector.fromArray(F, x, i + L));
    }
    for (; i + L <= end; i += L) {
      m0 = m0.max(FloatVector.fromArray(F, x, i));
    }
    float m = m0.max(m1).reduceLanes(VectorOperators.MAX);
    for (; i < end; i++) {
      m = Math.max(m, x[i]);
    }
    return m;
  }

  @Override
  public void affine(float[] x, int xOff, float scale, float shift, float[] y, int yOff, int n) {
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector.fromArray(F, x, xOff + i).mul(scale).add(shift).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] = x[xOff + i] * scale + shift;
    }
  }
}
