package org.quantlens.engine.kernels.simd;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.Scratch;
import org.quantlens.engine.kernels.WinogradKernels;

/**
 * The SIMD {@link WinogradKernels} for F(4x4, 3x3): 6x6 input tiles, 4 apart, give 4x4 output
 * tiles, so an output costs 36/16 multiply-adds per input channel (F(2x2, 3x3): 4). A vector holds
 * one value of {@code L} horizontally adjacent tiles, as in {@link SimdWinograd}: input rows are
 * split into four phases ({@code P_j[k] = padded[4k + j]}), so a tile's six columns are
 * {@code P_0[k] .. P_3[k], P_0[k + 1], P_1[k + 1]}, plain loads (rows of tiles are whole vectors:
 * see {@link org.quantlens.engine.kernels.Winograd#suits}). The phases are stored by blocks of
 * {@code L} tiles, each block's rows a constant stride apart, and the products by panels of NR
 * tiles, each output channel's 36 positions together: a tile's 36 loads in either transform sit
 * at constant offsets from one index, so C2 checks their bounds once per loop rather than per
 * load (paired timings in benchmarks/NOTES.md, *Vector API bounds checks*). Both transforms go
 * through a small staging area (36 values per tile would not fit in registers); the products are
 * {@link SimdWinograd}'s, over 36 positions, into panels.
 *
 * <p>Transform matrices (points 0, 1, -1, 2, -2): {@code B^T} rows (4, 0, -5, 0, 1, 0),
 * (0, -4, -4, 1, 1, 0), (0, 4, -4, -1, 1, 0), (0, -2, -1, 2, 1, 0), (0, 2, -1, -2, 1, 0),
 * (0, 4, 0, -5, 0, 1); {@code A^T} rows (1, 1, 1, 1, 1, 0), (0, 1, -1, 2, -2, 0),
 * (0, 1, 1, 4, 4, 0), (0, 1, -1, 8, -8, 1). The kernel transform {@code G} is in {@link
 * org.quantlens.engine.kernels.Winograd#packWeights}.
 */
public final class SimdWinograd4 implements WinogradKernels {
  private static final VectorSpecies<Float> F = SimdInfo.F;
  private static final int L = F.length();
  private static final int NR = 2 * L;
  private static final int POSITIONS = 36;
  /** A split row of one block of L tiles: four phases of {@link #SEG} floats. */
  private static final int SEG = 2 * L;
  private static final int ROW = 4 * SEG;
  /** One output channel's 36 positions for a panel of NR tiles, in the products' output. */
  private static final int PANEL = POSITIONS * NR;
  // Shuffles and masks are single constants, not arrays: C2 knows a static final field's exact
  // class, where one read from an array is only a VectorShuffle and its calls may box vectors.
  /** Phase r of a split: lane k takes lane (4k + r) mod L of its source vector. */
  private static final VectorShuffle<Float> PHASE0 = VectorShuffle.fromOp(F, k -> 4 * k % L);
  private static final VectorShuffle<Float> PHASE1 = VectorShuffle.fromOp(F, k -> (4 * k + 1) % L);
  private static final VectorShuffle<Float> PHASE2 = VectorShuffle.fromOp(F, k -> (4 * k + 2) % L);
  private static final VectorShuffle<Float> PHASE3 = VectorShuffle.fromOp(F, k -> (4 * k + 3) % L);
  /** Lanes that take the second, third and fourth source vector in a split (v = 4k / L). */
  private static final VectorMask<Float> FROM_B = mask(k -> 4 * k / L == 1);
  private static final VectorMask<Float> FROM_C = mask(k -> 4 * k / L == 2);
  private static final VectorMask<Float> FROM_D = mask(k -> 4 * k / L == 3);
  /** Output vector v of a row: lane l takes tile v L / 4 + l / 4. */
  private static final VectorShuffle<Float> SPREAD0 = VectorShuffle.fromOp(F, l -> l / 4);
  private static final VectorShuffle<Float> SPREAD1 = VectorShuffle.fromOp(F, l -> L / 4 + l / 4);
  private static final VectorShuffle<Float> SPREAD2 = VectorShuffle.fromOp(F, l -> L / 2 + l / 4);
  private static final VectorShuffle<Float> SPREAD3 =
      VectorShuffle.fromOp(F, l -> 3 * L / 4 + l / 4);
  /** Lanes that take a tile's second, third and fourth column in an output vector. */
  private static final VectorMask<Float> COLUMN1 = mask(l -> l % 4 == 1);
  private static final VectorMask<Float> COLUMN2 = mask(l -> l % 4 == 2);
  private static final VectorMask<Float> COLUMN3 = mask(l -> l % 4 == 3);
  private static final FloatVector NEG_ZERO = FloatVector.broadcast(F, -0f);
  private static final FloatVector TWO = FloatVector.broadcast(F, 2f);
  private static final FloatVector FOUR = FloatVector.broadcast(F, 4f);
  private static final FloatVector EIGHT = FloatVector.broadcast(F, 8f);
  private static final FloatVector MINUS_4 = FloatVector.broadcast(F, -4f);
  private static final FloatVector MINUS_5 = FloatVector.broadcast(F, -5f);

  @Override
  public int lanes() {
    return L;
  }

  @Override
  public int tile() {
    return 4;
  }

  @Override
  public void band(float[] x, int xOff, int channels, int h, int w, float[] u, int outChannels,
      int m0, int m1, float[] bias, float lo, float hi, float[] y, int yOff, int ty0, int ty1,
      int step) {
    int tw = w / 4;
    int chanStride = blockStride(ty1 - ty0) * (tw / L);
    int rows = (m1 - m0 + 3) / 4 * 4;
    int vStride = channels * step * tw + NR; // a cache line between positions (see SimdWinograd)
    int pFloats = step * tw / NR * rows * PANEL;
    float[] s = Scratch.floats(0, channels * chanStride);
    float[] v = Scratch.floats(1, POSITIONS * vStride + POSITIONS * L); // + staging
    float[] p = Scratch.floats(2, pFloats + 28 * L); // + staging
    for (int c = 0; c < channels; c++) {
      split(x, xOff + c * h * w, h, w, s, c * chanStride, ty0, ty1 - ty0);
    }
    for (int t0 = ty0; t0 < ty1; t0 += step) {
      int nb = Math.min(step, ty1 - t0);
      int tiles = nb * tw;
      inputs(s, 4 * (t0 - ty0) * ROW, 0, channels, channels, tw, nb, chanStride,
          blockStride(ty1 - ty0), v, vStride, v, POSITIONS * vStride);
      SimdWinograd.products(POSITIONS, u, v, p, channels, (outChannels + 3) / 4, m0 / 4,
          rows / 4, tiles, vStride, NR, PANEL, rows * PANEL);
      outputs(p, m0, m1, rows, tw, nb, pFloats, bias, lo, hi, y, yOff + 4 * t0 * w, h * w, w);
    }
  }

  @Override
  public int inputFloats(int channels, int w, int rows) {
    return POSITIONS * (channels * rows * (w / 4) + NR);
  }

  @Override
  public void transformInputs(float[] x, int xOff, int channels, int h, int w, int c0, int c1,
      int ty0, int ty1, float[] v) {
    int tw = w / 4;
    int nb = ty1 - ty0;
    int chanStride = blockStride(nb) * (tw / L);
    float[] s = Scratch.floats(0, (c1 - c0) * chanStride);
    for (int c = c0; c < c1; c++) {
      split(x, xOff + c * h * w, h, w, s, (c - c0) * chanStride, ty0, nb);
    }
    // the staging area is this task's own: v is shared
    inputs(s, 0, c0, c1, channels, tw, nb, chanStride, blockStride(nb), v,
        channels * nb * tw + NR, Scratch.floats(2, POSITIONS * L), 0);
  }

  @Override
  public void multiplyOutputs(float[] v, int channels, int h, int w, float[] u, int outChannels,
      int m0, int m1, float[] bias, float lo, float hi, float[] y, int yOff, int ty0, int ty1) {
    int tw = w / 4;
    int nb = ty1 - ty0;
    int tiles = nb * tw;
    int rows = (m1 - m0 + 3) / 4 * 4;
    int pFloats = tiles / NR * rows * PANEL;
    float[] p = Scratch.floats(2, pFloats + 28 * L); // + staging
    SimdWinograd.products(POSITIONS, u, v, p, channels, (outChannels + 3) / 4, m0 / 4, rows / 4,
        tiles, channels * tiles + NR, NR, PANEL, rows * PANEL);
    outputs(p, m0, m1, rows, tw, nb, pFloats, bias, lo, hi, y, yOff + 4 * ty0 * w, h * w, w);
  }

  /** Floats of one block of L tiles' columns in a channel's split rows: {@code 4 nb + 2} rows. */
  private static int blockStride(int nb) {
    return (4 * nb + 2) * ROW;
  }

  /**
   * Padded rows {@code 4 ty0 .. 4 ty0 + 4 nb + 1} of one channel (image row = padded row - 1)
   * into {@code s} from {@code off}, by blocks of L tiles (4L image columns, {@link
   * #blockStride} apart): in a block, row r at {@code r ROW}, its four phases {@code 2L} apart,
   * {@code P_j[k] = padded[4k + j]} of the block's tiles k, and {@code P_0, P_1} one value further
   * (the next block's first), so that every load of {@link #inputTile} is at a constant offset.
   * Two scalar stores fill what the block's vectors do not hold: {@code P_0} of its first tile
   * (the previous block's last column, or the left padding) and {@code P_1} past its last (the
   * next block's first column, or the right padding).
   */
  private static void split(float[] x, int plane, int h, int w, float[] s, int off, int ty0,
      int nb) {
    int blocks = w / (4 * L);
    int bStride = blockStride(nb);
    for (int r = 0; r < 4 * nb + 2; r++) {
      int iy = 4 * ty0 + r - 1;
      if (iy < 0 || iy >= h) {
        for (int b = 0; b < blocks; b++) {
          int k = off + b * bStride + r * ROW;
          Arrays.fill(s, k, k + ROW, 0f);
        }
        continue;
      }
      int src = plane + iy * w;
      for (int b = 0; b < blocks; b++) {
        int j = src + 4 * L * b;
        int k = off + b * bStride + r * ROW;
        FloatVector x0 = NEG_ZERO.add(FloatVector.fromArray(F, x, j));
        FloatVector x1 = NEG_ZERO.add(FloatVector.fromArray(F, x, j + L));
        FloatVector x2 = NEG_ZERO.add(FloatVector.fromArray(F, x, j + 2 * L));
        FloatVector x3 = NEG_ZERO.add(FloatVector.fromArray(F, x, j + 3 * L));
        x0.rearrange(PHASE0).blend(x1.rearrange(PHASE0), FROM_B)
            .blend(x2.rearrange(PHASE0), FROM_C).blend(x3.rearrange(PHASE0), FROM_D)
            .intoArray(s, k + SEG);
        x0.rearrange(PHASE1).blend(x1.rearrange(PHASE1), FROM_B)
            .blend(x2.rearrange(PHASE1), FROM_C).blend(x3.rearrange(PHASE1), FROM_D)
            .intoArray(s, k + 2 * SEG);
        x0.rearrange(PHASE2).blend(x1.rearrange(PHASE2), FROM_B)
            .blend(x2.rearrange(PHASE2), FROM_C).blend(x3.rearrange(PHASE2), FROM_D)
            .intoArray(s, k + 3 * SEG);
        x0.rearrange(PHASE3).blend(x1.rearrange(PHASE3), FROM_B)
            .blend(x2.rearrange(PHASE3), FROM_C).blend(x3.rearrange(PHASE3), FROM_D)
            .intoArray(s, k + 1);
        s[k] = b == 0 ? 0f : x[j - 1]; // P_0 of the block's first tile: the left padding
        s[k + SEG + L] = b == blocks - 1 ? 0f : x[j + 4 * L]; // P_1 past its last: the right
      }
    }
  }

  /**
   * Every tile of {@code nb} rows of tiles of channels {@code [c0, c1)} (of {@code channels}),
   * each row a whole number of vectors, into the packed-B layout of the products (see {@link
   * SimdWinograd}'s inputs), staged through {@code st[stage]}.
   */
  private static void inputs(float[] s, int sOff, int c0, int c1, int channels, int tw, int nb,
      int chanStride, int bStride, float[] v, int vStride, float[] st, int stage) {
    for (int c = c0; c < c1; c++) {
      for (int t = 0; t < nb; t++) {
        for (int tx = 0; tx < tw; tx += L) {
          int j = t * tw + tx;
          inputTile(s, sOff + (c - c0) * chanStride + tx / L * bStride + 4 * t * ROW, v,
              (j / NR * channels + c) * NR + j % NR, vStride, st, stage);
        }
      }
    }
  }

  /**
   * {@code V = B^T d B} for L tiles whose top-left value is {@code s[i]}: each row's columns
   * transformed into the staging area at {@code st[stage]}, then each column's rows into
   * position {@code 6 row + column} at {@code v[vi + position * vStride]}. The loads from s are
   * at constant offsets, so C2 checks their bounds once per loop instead of once per load.
   */
  private static void inputTile(float[] s, int i, float[] v, int vi, int vStride, float[] st,
      int stage) {
    for (int r = 0; r < 6; r++) {
      int at = i + r * ROW;
      transform(FloatVector.fromArray(F, s, at), FloatVector.fromArray(F, s, at + SEG),
          FloatVector.fromArray(F, s, at + 2 * SEG), FloatVector.fromArray(F, s, at + 3 * SEG),
          FloatVector.fromArray(F, s, at + 1), FloatVector.fromArray(F, s, at + SEG + 1),
          st, stage + r * L, 6 * L);
    }
    for (int c = 0; c < 6; c++) {
      int at = stage + c * 6 * L;
      transform(FloatVector.fromArray(F, st, at), FloatVector.fromArray(F, st, at + L),
          FloatVector.fromArray(F, st, at + 2 * L), FloatVector.fromArray(F, st, at + 3 * L),
          FloatVector.fromArray(F, st, at + 4 * L), FloatVector.fromArray(F, st, at + 5 * L),
          v, vi + c * vStride, 6 * vStride);
    }
  }

  /** {@code B^T d} of six vectors into {@code out[o + i * stride]}, i = 0..5. */
  private static void transform(FloatVector d0, FloatVector d1, FloatVector d2, FloatVector d3,
      FloatVector d4, FloatVector d5, float[] out, int o, int stride) {
    FloatVector a = d2.fma(MINUS_4, d4); // rows 1 and 2 share d4 - 4 d2 and d3 - 4 d1
    FloatVector b = d1.fma(MINUS_4, d3);
    FloatVector c = d4.sub(d2); // rows 3 and 4 share d4 - d2 and 2 (d3 - d1)
    FloatVector e = d3.sub(d1).mul(TWO);
    d2.fma(MINUS_5, d0.fma(FOUR, d4)).intoArray(out, o);
    a.add(b).intoArray(out, o + stride);
    a.sub(b).intoArray(out, o + 2 * stride);
    c.add(e).intoArray(out, o + 3 * stride);
    c.sub(e).intoArray(out, o + 4 * stride);
    d3.fma(MINUS_5, d1.fma(FOUR, d5)).intoArray(out, o + 5 * stride);
  }

  /**
   * Every output tile of channels {@code [m0, m1)}, from p's panels ({@link #PANEL}) and the
   * staging area at {@code p[stage]}.
   */
  private static void outputs(float[] p, int m0, int m1, int rows, int tw, int nb, int stage,
      float[] bias, float lo, float hi, float[] y, int yOff, int plane, int w) {
    for (int m = m0; m < m1; m++) {
      float bm = bias == null ? 0f : bias[m];
      for (int t = 0; t < nb; t++) {
        int row = yOff + m * plane + 4 * t * w;
        for (int tx = 0; tx < tw; tx += L) {
          int j = t * tw + tx;
          outputTile(p, (j / NR * rows + m - m0) * PANEL + j % NR, stage, bm, lo, hi, y,
              row + 4 * tx, w);
        }
      }
    }
  }

  /**
   * {@code Y = A^T M A} for L tiles of one output channel, {@code M}'s position {@code xi} at
   * {@code p[pi + xi * NR]} (constant offsets: C2 checks their bounds once): each column's rows
   * into the staging area at {@code p[stage]},
   * then each output row's columns (after the 24 staged vectors), zipped into the four image rows
   * from {@code y[yi]} with the bias and the clamp.
   */
  private static void outputTile(float[] p, int pi, int stage, float bias, float lo, float hi,
      float[] y, int yi, int w) {
    int step = 6 * NR;
    for (int c = 0; c < 6; c++) {
      int at = pi + c * NR;
      inverse(FloatVector.fromArray(F, p, at), FloatVector.fromArray(F, p, at + step),
          FloatVector.fromArray(F, p, at + 2 * step), FloatVector.fromArray(F, p, at + 3 * step),
          FloatVector.fromArray(F, p, at + 4 * step), FloatVector.fromArray(F, p, at + 5 * step),
          p, stage + c * L, 6 * L);
    }
    int row = stage + 24 * L;
    for (int r = 0; r < 4; r++) {
      int at = stage + r * 6 * L;
      inverse(FloatVector.fromArray(F, p, at), FloatVector.fromArray(F, p, at + L),
          FloatVector.fromArray(F, p, at + 2 * L), FloatVector.fromArray(F, p, at + 3 * L),
          FloatVector.fromArray(F, p, at + 4 * L), FloatVector.fromArray(F, p, at + 5 * L),
          p, row, L);
      FloatVector y0 = FloatVector.fromArray(F, p, row);
      FloatVector y1 = FloatVector.fromArray(F, p, row + L);
      FloatVector y2 = FloatVector.fromArray(F, p, row + 2 * L);
      FloatVector y3 = FloatVector.fromArray(F, p, row + 3 * L);
      int out = yi + r * w;
      y0.rearrange(SPREAD0).blend(y1.rearrange(SPREAD0), COLUMN1)
          .blend(y2.rearrange(SPREAD0), COLUMN2).blend(y3.rearrange(SPREAD0), COLUMN3)
          .add(bias).max(lo).min(hi).intoArray(y, out);
      y0.rearrange(SPREAD1).blend(y1.rearrange(SPREAD1), COLUMN1)
          .blend(y2.rearrange(SPREAD1), COLUMN2).blend(y3.rearrange(SPREAD1), COLUMN3)
          .add(bias).max(lo).min(hi).intoArray(y, out + L);
      y0.rearrange(SPREAD2).blend(y1.rearrange(SPREAD2), COLUMN1)
          .blend(y2.rearrange(SPREAD2), COLUMN2).blend(y3.rearrange(SPREAD2), COLUMN3)
          .add(bias).max(lo).min(hi).intoArray(y, out + 2 * L);
      y0.rearrange(SPREAD3).blend(y1.rearrange(SPREAD3), COLUMN1)
          .blend(y2.rearrange(SPREAD3), COLUMN2).blend(y3.rearrange(SPREAD3), COLUMN3)
          .add(bias).max(lo).min(hi).intoArray(y, out + 3 * L);
    }
  }

  /** {@code A^T m} of six vectors into {@code out[o + i * stride]}, i = 0..3. */
  private static void inverse(FloatVector m0, FloatVector m1, FloatVector m2, FloatVector m3,
      FloatVector m4, FloatVector m5, float[] out, int o, int stride) {
    FloatVector sum = m1.add(m2);
    FloatVector dif = m1.sub(m2);
    FloatVector sum34 = m3.add(m4);
    FloatVector dif34 = m3.sub(m4);
    m0.add(sum).add(sum34).intoArray(out, o);
    dif34.fma(TWO, dif).intoArray(out, o + stride);
    sum34.fma(FOUR, sum).intoArray(out, o + 2 * stride);
    dif34.fma(EIGHT, dif).add(m5).intoArray(out, o + 3 * stride);
  }

  private static VectorMask<Float> mask(java.util.function.IntPredicate lanes) {
    boolean[] bits = new boolean[L];
    for (int l = 0; l < L; l++) {
      bits[l] = lanes.test(l);
    }
    return VectorMask.fromArray(F, bits, 0);
  }
}
