package org.quantlens.engine.kernels.simd;

import static org.quantlens.engine.kernels.simd.SimdRecurrentMath.sigmoid;
import static org.quantlens.engine.kernels.simd.SimdRecurrentMath.tanh;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.RecurrentCells;
import org.quantlens.engine.kernels.RecurrentCellsScalar;

/**
 * SIMD recurrent cells: one fused pass over the hidden units per row for the default activations
 * (LSTM Sigmoid/Tanh/Tanh, GRU Sigmoid/Tanh, RNN Tanh) with {@link SimdRecurrentMath}'s sigmoid
 * and tanh; the units past the last full vector, other activations and LSTM input_forget go to
 * the scalar reference.
 */
public final class SimdRecurrentCells implements RecurrentCells {
  private static final VectorSpecies<Float> S = SimdInfo.F;
  private static final int L = S.length();
  private static final RecurrentCells SCALAR = new RecurrentCellsScalar();

  private static FloatVector load(float[] a, int i) {
    return FloatVector.fromArray(S, a, i);
  }

  /** Sum of the three gate terms, clipped when a clip is set (max/min keep NaN). */
  private static FloatVector pre(float[] xw, int xi, float[] hr, int hi, float[] b, int bi,
      boolean clip, float c) {
    FloatVector v = load(xw, xi).add(load(hr, hi)).add(load(b, bi));
    return clip ? v.max(-c).min(c) : v;
  }

  private static FloatVector clip(FloatVector v, boolean clip, float c) {
    return clip ? v.max(-c).min(c) : v;
  }

  @Override
  public void lstm(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] c, int cOff,
      float[] h, int hOff) {
    if (!p.lstmDefaults() || p.inputForget()) {
      SCALAR.lstm(p, xw, xwOff, hr, hrOff, c, cOff, h, hOff);
      return;
    }
    int n = p.hidden();
    int bound = S.loopBound(n);
    if (p.peep() == null) {
      lstmPlain(p, xw, xwOff, hr, hrOff, c, cOff, h, hOff, bound);
    } else {
      lstmPeep(p, xw, xwOff, hr, hrOff, c, cOff, h, hOff, bound);
    }
    RecurrentCellsScalar.lstmRange(p, xw, xwOff, hr, hrOff, c, cOff, h, hOff, bound, n);
  }

  private static void lstmPlain(Params p, float[] xw, int xo, float[] hr, int ho, float[] c,
      int co, float[] h, int hOff, int bound) {
    int n = p.hidden();
    float[] b = p.bias();
    float cl = p.clip();
    boolean isClip = cl != Float.POSITIVE_INFINITY;
    for (int j = 0; j < bound; j += L) {
      int fj = 2 * n + j;
      int cj = 3 * n + j;
      FloatVector i = sigmoid(pre(xw, xo + j, hr, ho + j, b, j, isClip, cl));
      FloatVector f = sigmoid(pre(xw, xo + fj, hr, ho + fj, b, fj, isClip, cl));
      FloatVector g = tanh(pre(xw, xo + cj, hr, ho + cj, b, cj, isClip, cl));
      FloatVector cNew = f.mul(load(c, co + j)).add(i.mul(g));
      cNew.intoArray(c, co + j);
      FloatVector o = sigmoid(pre(xw, xo + n + j, hr, ho + n + j, b, n + j, isClip, cl));
      o.mul(tanh(cNew)).intoArray(h, hOff + j);
    }
  }

  private static void lstmPeep(Params p, float[] xw, int xo, float[] hr, int ho, float[] c,
      int co, float[] h, int hOff, int bound) {
    int n = p.hidden();
    float[] b = p.bias();
    float[] pp = p.peep();
    float cl = p.clip();
    boolean isClip = cl != Float.POSITIVE_INFINITY;
    for (int j = 0; j < bound; j += L) {
      FloatVector cPrev = load(c, co + j);
      FloatVector pi = load(xw, xo + j).add(load(hr, ho + j)).add(load(b, j));
      FloatVector i = sigmoid(clip(pi.add(load(pp, j).mul(cPrev)), isClip, cl));
      int fj = 2 * n + j;
      FloatVector pf = load(xw, xo + fj).add(load(hr, ho + fj)).add(load(b, fj));
      FloatVector f = sigmoid(clip(pf.add(load(pp, fj).mul(cPrev)), isClip, cl));
      FloatVector g = tanh(pre(xw, xo + 3 * n + j, hr, ho + 3 * n + j, b, 3 * n + j, isClip, cl));
      FloatVector cNew = f.mul(cPrev).add(i.mul(g));
      cNew.intoArray(c, co + j);
      int oj = n + j;
      FloatVector po = load(xw, xo + oj).add(load(hr, ho + oj)).add(load(b, oj));
      FloatVector o = sigmoid(clip(po.add(load(pp, oj).mul(cNew)), isClip, cl));
      o.mul(tanh(cNew)).intoArray(h, hOff + j);
    }
  }

  @Override
  public void rnn(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h, int hOff) {
    if (!p.rnnDefaults()) {
      SCALAR.rnn(p, xw, xwOff, hr, hrOff, h, hOff);
      return;
    }
    int n = p.hidden();
    int bound = S.loopBound(n);
    float[] b = p.bias();
    float cl = p.clip();
    boolean isClip = cl != Float.POSITIVE_INFINITY;
    for (int j = 0; j < bound; j += L) {
      tanh(pre(xw, xwOff + j, hr, hrOff + j, b, j, isClip, cl)).intoArray(h, hOff + j);
    }
    RecurrentCellsScalar.rnnRange(p, xw, xwOff, hr, hrOff, h, hOff, bound, n);
  }

  @Override
  public void gruReset(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h,
      int hOff, float[] rh, int rhOff) {
    if (!p.gruDefaults()) {
      SCALAR.gruReset(p, xw, xwOff, hr, hrOff, h, hOff, rh, rhOff);
      return;
    }
    int n = p.hidden();
    int bound = S.loopBound(n);
    float[] b = p.bias();
    float cl = p.clip();
    boolean isClip = cl != Float.POSITIVE_INFINITY;
    for (int j = 0; j < bound; j += L) {
      sigmoid(pre(xw, xwOff + j, hr, hrOff + j, b, j, isClip, cl)).intoArray(hr, hrOff + j);
      FloatVector r = sigmoid(pre(xw, xwOff + n + j, hr, hrOff + n + j, b, n + j, isClip, cl));
      r.mul(load(h, hOff + j)).intoArray(rh, rhOff + j);
    }
    RecurrentCellsScalar.gruResetRange(p, xw, xwOff, hr, hrOff, h, hOff, rh, rhOff, bound, n);
  }

  @Override
  public void gruUpdate(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h,
      int hOff) {
    if (!p.gruDefaults()) {
      SCALAR.gruUpdate(p, xw, xwOff, hr, hrOff, h, hOff);
      return;
    }
    int n = p.hidden();
    int bound = S.loopBound(n);
    float[] b = p.bias();
    float cl = p.clip();
    boolean isClip = cl != Float.POSITIVE_INFINITY;
    for (int j = 0; j < bound; j += L) {
      int hj = 2 * n + j;
      FloatVector hh = tanh(pre(xw, xwOff + hj, hr, hrOff + hj, b, hj, isClip, cl));
      FloatVector z = load(hr, hrOff + j);
      mix(z, hh, load(h, hOff + j)).intoArray(h, hOff + j);
    }
    RecurrentCellsScalar.gruUpdateRange(p, xw, xwOff, hr, hrOff, h, hOff, bound, n);
  }

  /** (1 - z) * hh + z * hPrev, as the scalar reference rounds it. */
  private static FloatVector mix(FloatVector z, FloatVector hh, FloatVector hPrev) {
    return FloatVector.broadcast(S, 1f).sub(z).mul(hh).add(z.mul(hPrev));
  }

  @Override
  public void gruLinearBeforeReset(Params p, float[] xw, int xwOff, float[] hr, int hrOff,
      float[] h, int hOff) {
    if (!p.gruDefaults()) {
      SCALAR.gruLinearBeforeReset(p, xw, xwOff, hr, hrOff, h, hOff);
      return;
    }
    int n = p.hidden();
    int bound = S.loopBound(n);
    float[] b = p.bias();
    float[] rbh = p.rbh();
    float cl = p.clip();
    boolean isClip = cl != Float.POSITIVE_INFINITY;
    for (int j = 0; j < bound; j += L) {
      FloatVector z = sigmoid(pre(xw, xwOff + j, hr, hrOff + j, b, j, isClip, cl));
      FloatVector r = sigmoid(pre(xw, xwOff + n + j, hr, hrOff + n + j, b, n + j, isClip, cl));
      int hj = 2 * n + j;
      FloatVector lin = load(hr, hrOff + hj).add(load(rbh, j));
      FloatVector a = load(xw, xwOff + hj).add(load(b, hj)).add(r.mul(lin));
      FloatVector hh = tanh(clip(a, isClip, cl));
      mix(z, hh, load(h, hOff + j)).intoArray(h, hOff + j);
    }
    RecurrentCellsScalar.gruLinearBeforeResetRange(p, xw, xwOff, hr, hrOff, h, hOff, bound, n);
  }
}
