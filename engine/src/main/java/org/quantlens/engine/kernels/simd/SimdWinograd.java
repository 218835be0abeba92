package org.quantlens.engine.kernels.simd;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.Scratch;
import org.quantlens.engine.kernels.WinogradKernels;

/**
 * The SIMD {@link WinogradKernels}. A vector holds one value of {@code L} horizontally adjacent
 * tiles. Input rows are first split into even and odd columns ({@code E[k] = padded[2k]}, {@code
 * O[k] = padded[2k + 1]}), so a tile's four columns are {@code E[k], O[k], E[k + 1], O[k + 1]}:
 * plain loads at offsets 0 and 1. The transformed input is written in the packed-B layout of
 * {@link SimdGemm}'s 4 x (2 vectors) tile, which then runs the 16 channel sums, and the output
 * transform zips each 2x2 tile's columns back into rows.
 */
public final class SimdWinograd implements WinogradKernels {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();
  /** Tiles per panel of the transformed input: the GEMM tile's columns. */
  private static final int NR = 2 * L;
  private static final int POSITIONS = 16;
  /** Lane i takes lane 2 (i mod L/2) (+ 1): the even (odd) lanes of one vector, twice. */
  private static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(F, i -> 2 * (i % (L / 2)));
  private static final VectorShuffle<Float> ODDS =
      VectorShuffle.fromOp(F, i -> 2 * (i % (L / 2)) + 1);
  private static final VectorMask<Float> HIGH = VectorMask.fromLong(F, -1L << (L / 2));
  /** Lane i takes lane i / 2 (of the upper half): each lane of a half, twice. */
  private static final VectorShuffle<Float> TWICE_LO = VectorShuffle.fromOp(F, i -> i / 2);
  private static final VectorShuffle<Float> TWICE_HI = VectorShuffle.fromOp(F, i -> L / 2 + i / 2);
  private static final VectorMask<Float> ODD = VectorMask.fromLong(F, 0xAAAAAAAAAAAAAAAAL);
  /** Adding -0 keeps every float and gives a loaded vector an exact class (see SimdGemm). */
  private static final FloatVector NEG_ZERO = FloatVector.broadcast(F, -0f);

  @Override
  public int lanes() {
    return L;
  }

  @Override
  public int tile() {
    return 2;
  }

  @Override
  public void band(float[] x, int xOff, int channels, int h, int w, float[] u, int outChannels,
      int m0, int m1, float[] bias, float lo, float hi, float[] y, int yOff, int ty0, int ty1,
      int step) {
    int tw = w / 2;
    int pitch = 2 * (tw + L); // E, then O at tw + L
    int chanStride = (2 * (ty1 - ty0) + 2) * pitch;
    int rows = (m1 - m0 + 3) / 4 * 4;
    // the 16 positions are read and written together: one cache line between their regions keeps
    // sizes like 8 KiB from mapping all 16 onto the same L1 sets
    int vStride = channels * step * tw + NR;
    int pStride = rows * step * tw + NR;
    float[] s = Scratch.floats(0, channels * chanStride);
    float[] v = Scratch.floats(1, POSITIONS * vStride);
    float[] p = Scratch.floats(2, POSITIONS * pStride);
    // the input rows once, each channel's in one sequential pass; then products `step` rows of
    // tiles at a time, so that the transformed input and the products stay in L2
    for (int c = 0; c < channels; c++) {
      split(x, xOff + c * h * w, h, w, s, c * chanStride, ty0, ty1 - ty0, pitch);
    }
    for (int t0 = ty0; t0 < ty1; t0 += step) {
      int nb = Math.min(step, ty1 - t0);
      int tiles = nb * tw;
      // one method per stage, each compiled on its own (on JDK 17 even these left vectors boxed:
      // WinogradKernels offers no implementation there)
      inputs(s, 2 * (t0 - ty0) * pitch, 0, channels, channels, tw, nb, pitch, chanStride, v,
          vStride);
      products(POSITIONS, u, v, p, channels, (outChannels + 3) / 4, m0 / 4, rows / 4, tiles,
          vStride, pStride, tiles, NR);
      outputs(p, m0, m1, tw, nb, pStride, bias, lo, hi, y, yOff + 2 * t0 * w, h * w, w);
    }
  }

  @Override
  public int inputFloats(int channels, int w, int rows) {
    return POSITIONS * (channels * rows * (w / 2) + NR);
  }

  @Override
  public void transformInputs(float[] x, int xOff, int channels, int h, int w, int c0, int c1,
      int ty0, int ty1, float[] v) {
    int tw = w / 2;
    int nb = ty1 - ty0;
    int pitch = 2 * (tw + L);
    int chanStride = (2 * nb + 2) * pitch;
    float[] s = Scratch.floats(0, (c1 - c0) * chanStride);
    for (int c = c0; c < c1; c++) {
      split(x, xOff + c * h * w, h, w, s, (c - c0) * chanStride, ty0, nb, pitch);
    }
    inputs(s, 0, c0, c1, channels, tw, nb, pitch, chanStride, v, channels * nb * tw + NR);
  }

  @Override
  public void multiplyOutputs(float[] v, int channels, int h, int w, float[] u, int outChannels,
      int m0, int m1, float[] bias, float lo, float hi, float[] y, int yOff, int ty0, int ty1) {
    int tw = w / 2;
    int nb = ty1 - ty0;
    int tiles = nb * tw;
    int rows = (m1 - m0 + 3) / 4 * 4;
    int pStride = rows * tiles + NR;
    float[] p = Scratch.floats(2, POSITIONS * pStride);
    products(POSITIONS, u, v, p, channels, (outChannels + 3) / 4, m0 / 4, rows / 4, tiles,
        channels * tiles + NR, pStride, tiles, NR);
    outputs(p, m0, m1, tw, nb, pStride, bias, lo, hi, y, yOff + 2 * ty0 * w, h * w, w);
  }

  /**
   * Every tile of {@code nb} rows of tiles of channels {@code [c0, c1)} (of {@code channels}),
   * the first of which reads padded row {@code s[sOff]} of channel c0, through {@link
   * #inputTile}. With half a vector of tiles per row (tw = L / 2) every store writes L / 2 lanes
   * of the next tile row too: rows are written in order, so the next row overwrites them; after
   * the last row they fall on the next channel's first row (written next: channels go in order
   * too) and after the last channel on the gap between positions. The driver then takes one panel
   * of tiles per step, so no row of a later panel is written before. When another task writes
   * channel c1 ({@link #transformInputs}), the last row of channel c1 - 1 goes through a staging
   * area instead, and only its own lanes are copied.
   */
  private static void inputs(float[] s, int sOff, int c0, int c1, int channels, int tw, int nb,
      int pitch, int chanStride, float[] v, int vStride) {
    boolean spills = tw < L && c1 < channels;
    for (int c = c0; c < c1; c++) {
      for (int t = 0; t < nb; t++) {
        for (int tx = 0; tx < tw; tx += L) {
          int j = t * tw + tx;
          int si = sOff + (c - c0) * chanStride + 2 * t * pitch + tx;
          int vi = (j / NR * channels + c) * NR + j % NR;
          if (spills && c == c1 - 1 && t == nb - 1) {
            float[] stage = Scratch.floats(2, POSITIONS * L);
            inputTile(s, si, pitch, tw + L, stage, 0, L);
            for (int xi = 0; xi < POSITIONS; xi++) {
              System.arraycopy(stage, xi * L, v, vi + xi * vStride, tw);
            }
          } else {
            inputTile(s, si, pitch, tw + L, v, vi, vStride);
          }
        }
      }
    }
  }

  /**
   * Per position, {@code [4 count x C] x [C x tiles]} on the GEMM's 4 x (2 vectors) tile: weight
   * blocks {@code [b0, b0 + count)} of {@code blocks}, into rows from 0 of {@code p}: position
   * {@code xi}, output row {@code r} and panel {@code q} (of NR tiles) from {@code xi xiStride +
   * r ldc + q panelStride}. Here each position is a region of rows ({@code ldc = tiles}); {@link
   * SimdWinograd4} keeps each output channel's 36 positions of a panel together ({@code xiStride
   * = NR}), so its output transform reads them at constant offsets.
   */
  static void products(int positions, float[] u, float[] v, float[] p, int channels, int blocks,
      int b0, int count, int tiles, int vStride, int xiStride, int ldc, int panelStride) {
    for (int xi = 0; xi < positions; xi++) {
      for (int q = 0; q < tiles; q += NR) {
        for (int b = 0; b < count; b++) {
          SimdGemm.micro4(channels, u, (xi * blocks + b0 + b) * channels * 4, v,
              xi * vStride + q * channels, null, 1f, 0f, true, p,
              xi * xiStride + 4 * b * ldc + q / NR * panelStride, ldc);
        }
      }
    }
  }

  /**
   * Every output tile of channels {@code [m0, m1)} (rows of {@code p} from 0) through {@link
   * #outputTile}, from output row {@code y[yOff]} of channel 0.
   */
  private static void outputs(float[] p, int m0, int m1, int tw, int nb, int pStride,
      float[] bias, float lo, float hi, float[] y, int yOff, int plane, int w) {
    boolean half = tw < L;
    int tiles = nb * tw;
    for (int m = m0; m < m1; m++) {
      float bm = bias == null ? 0f : bias[m];
      for (int t = 0; t < nb; t++) {
        int row = yOff + m * plane + 2 * t * w;
        for (int tx = 0; tx < tw; tx += L) {
          outputTile(p, (m - m0) * tiles + t * tw + tx, pStride, bm, lo, hi, y, row + 2 * tx, w,
              half);
        }
      }
    }
  }

  /**
   * Padded rows {@code 2 ty0 .. 2 ty0 + 2 nb + 1} of one channel (image row = padded row - 1) into
   * {@code s} from {@code off}, {@code pitch} apart: {@code E = 0, x1, x3, .., x(w-1)} and from
   * {@code tw + L} on {@code O = x0, x2, .., x(w-2), 0}.
   */
  private static void split(float[] x, int plane, int h, int w, float[] s, int off, int ty0,
      int nb, int pitch) {
    int tw = w / 2;
    for (int r = 0; r < 2 * nb + 2; r++) {
      int iy = 2 * ty0 + r - 1;
      int e = off + r * pitch;
      int o = e + tw + L;
      if (iy < 0 || iy >= h) {
        Arrays.fill(s, e, e + pitch, 0f);
        continue;
      }
      int src = plane + iy * w;
      s[e] = 0f;
      int j = 0;
      for (; j + 2 * L <= w; j += 2 * L) {
        FloatVector a = NEG_ZERO.add(FloatVector.fromArray(F, x, src + j));
        FloatVector b = NEG_ZERO.add(FloatVector.fromArray(F, x, src + j + L));
        a.rearrange(EVENS).blend(b.rearrange(EVENS), HIGH).intoArray(s, o + j / 2);
        a.rearrange(ODDS).blend(b.rearrange(ODDS), HIGH).intoArray(s, e + 1 + j / 2);
      }
      if (j < w) { // w = L: half a vector of tiles; the upper lanes stay within E's and O's room
        FloatVector a = NEG_ZERO.add(FloatVector.fromArray(F, x, src + j));
        a.rearrange(EVENS).intoArray(s, o + j / 2);
        a.rearrange(ODDS).intoArray(s, e + 1 + j / 2);
      }
      s[o + tw] = 0f;
    }
  }

  /**
   * {@code V = B^T d B} for L tiles whose top-left E element is {@code s[i]}: rows {@code pitch}
   * apart, O at {@code +odd}. {@code B^T} rows: (1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0),
   * (0, 1, 0, -1). Position {@code xi} goes to {@code v[vi + xi * vStride]}.
   */
  private static void inputTile(float[] s, int i, int pitch, int odd, float[] v, int vi,
      int vStride) {
    // columns first, per row: c0 - c2, c1 + c2, c2 - c1, c1 - c3 with c = E0, O0, E1, O1 (the
    // four rows written out: a helper returning four vectors would box them)
    int r = i;
    FloatVector e0 = FloatVector.fromArray(F, s, r);
    FloatVector e1 = FloatVector.fromArray(F, s, r + 1);
    FloatVector o0 = FloatVector.fromArray(F, s, r + odd);
    FloatVector o1 = FloatVector.fromArray(F, s, r + odd + 1);
    FloatVector h00 = e0.sub(e1);
    FloatVector h01 = o0.add(e1);
    FloatVector h02 = e1.sub(o0);
    FloatVector h03 = o0.sub(o1);
    r += pitch;
    e0 = FloatVector.fromArray(F, s, r);
    e1 = FloatVector.fromArray(F, s, r + 1);
    o0 = FloatVector.fromArray(F, s, r + odd);
    o1 = FloatVector.fromArray(F, s, r + odd + 1);
    FloatVector h10 = e0.sub(e1);
    FloatVector h11 = o0.add(e1);
    FloatVector h12 = e1.sub(o0);
    FloatVector h13 = o0.sub(o1);
    r += pitch;
    e0 = FloatVector.fromArray(F, s, r);
    e1 = FloatVector.fromArray(F, s, r + 1);
    o0 = FloatVector.fromArray(F, s, r + odd);
    o1 = FloatVector.fromArray(F, s, r + odd + 1);
    FloatVector h20 = e0.sub(e1);
    FloatVector h21 = o0.add(e1);
    FloatVector h22 = e1.sub(o0);
    FloatVector h23 = o0.sub(o1);
    r += pitch;
    e0 = FloatVector.fromArray(F, s, r);
    e1 = FloatVector.fromArray(F, s, r + 1);
    o0 = FloatVector.fromArray(F, s, r + odd);
    o1 = FloatVector.fromArray(F, s, r + odd + 1);
    FloatVector h30 = e0.sub(e1);
    FloatVector h31 = o0.add(e1);
    FloatVector h32 = e1.sub(o0);
    FloatVector h33 = o0.sub(o1);
    // then rows: r0 - r2, r1 + r2, r2 - r1, r1 - r3
    h00.sub(h20).intoArray(v, vi);
    h01.sub(h21).intoArray(v, vi + vStride);
    h02.sub(h22).intoArray(v, vi + 2 * vStride);
    h03.sub(h23).intoArray(v, vi + 3 * vStride);
    h10.add(h20).intoArray(v, vi + 4 * vStride);
    h11.add(h21).intoArray(v, vi + 5 * vStride);
    h12.add(h22).intoArray(v, vi + 6 * vStride);
    h13.add(h23).intoArray(v, vi + 7 * vStride);
    h20.sub(h10).intoArray(v, vi + 8 * vStride);
    h21.sub(h11).intoArray(v, vi + 9 * vStride);
    h22.sub(h12).intoArray(v, vi + 10 * vStride);
    h23.sub(h13).intoArray(v, vi + 11 * vStride);
    h10.sub(h30).intoArray(v, vi + 12 * vStride);
    h11.sub(h31).intoArray(v, vi + 13 * vStride);
    h12.sub(h32).intoArray(v, vi + 14 * vStride);
    h13.sub(h33).intoArray(v, vi + 15 * vStride);
  }

  /**
   * {@code Y = A^T M A} for L tiles of one output channel, {@code M}'s position {@code xi} at
   * {@code p[pi + xi * pStride]}; {@code A^T} rows (1, 1, 1, 0), (0, 1, -1, -1). Adds the bias,
   * clamps and writes the tiles' two rows at {@code y[yi]} and {@code y[yi + w]}, columns zipped
   * (only the lower lanes' tiles when {@code half}).
   */
  private static void outputTile(float[] p, int pi, int pStride, float bias, float lo, float hi,
      float[] y, int yi, int w, boolean half) {
    FloatVector m00 = FloatVector.fromArray(F, p, pi);
    FloatVector m01 = FloatVector.fromArray(F, p, pi + pStride);
    FloatVector m02 = FloatVector.fromArray(F, p, pi + 2 * pStride);
    FloatVector m03 = FloatVector.fromArray(F, p, pi + 3 * pStride);
    FloatVector m10 = FloatVector.fromArray(F, p, pi + 4 * pStride);
    FloatVector m11 = FloatVector.fromArray(F, p, pi + 5 * pStride);
    FloatVector m12 = FloatVector.fromArray(F, p, pi + 6 * pStride);
    FloatVector m13 = FloatVector.fromArray(F, p, pi + 7 * pStride);
    FloatVector m20 = FloatVector.fromArray(F, p, pi + 8 * pStride);
    FloatVector m21 = FloatVector.fromArray(F, p, pi + 9 * pStride);
    FloatVector m22 = FloatVector.fromArray(F, p, pi + 10 * pStride);
    FloatVector m23 = FloatVector.fromArray(F, p, pi + 11 * pStride);
    FloatVector m30 = FloatVector.fromArray(F, p, pi + 12 * pStride);
    FloatVector m31 = FloatVector.fromArray(F, p, pi + 13 * pStride);
    FloatVector m32 = FloatVector.fromArray(F, p, pi + 14 * pStride);
    FloatVector m33 = FloatVector.fromArray(F, p, pi + 15 * pStride);
    // rows: r0 + r1 + r2, r1 - r2 - r3
    FloatVector a0 = m00.add(m10).add(m20);
    FloatVector a1 = m01.add(m11).add(m21);
    FloatVector a2 = m02.add(m12).add(m22);
    FloatVector a3 = m03.add(m13).add(m23);
    FloatVector b0 = m10.sub(m20).sub(m30);
    FloatVector b1 = m11.sub(m21).sub(m31);
    FloatVector b2 = m12.sub(m22).sub(m32);
    FloatVector b3 = m13.sub(m23).sub(m33);
    // then columns, the same way
    FloatVector y00 = a0.add(a1).add(a2).add(bias).max(lo).min(hi);
    FloatVector y01 = a1.sub(a2).sub(a3).add(bias).max(lo).min(hi);
    FloatVector y10 = b0.add(b1).add(b2).add(bias).max(lo).min(hi);
    FloatVector y11 = b1.sub(b2).sub(b3).add(bias).max(lo).min(hi);
    y00.rearrange(TWICE_LO).blend(y01.rearrange(TWICE_LO), ODD).intoArray(y, yi);
    y10.rearrange(TWICE_LO).blend(y11.rearrange(TWICE_LO), ODD).intoArray(y, yi + w);
    if (!half) { // else the upper lanes are not tiles of this row
      y00.rearrange(TWICE_HI).blend(y01.rearrange(TWICE_HI), ODD).intoArray(y, yi + L);
      y10.rearrange(TWICE_HI).blend(y11.rearrange(TWICE_HI), ODD).intoArray(y, yi + w + L);
    }
  }
}
