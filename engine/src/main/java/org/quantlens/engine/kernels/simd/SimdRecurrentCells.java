package org.quantlens.engine.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.quantlens.engine.kernels.RecurrentCells;
import org.quantlens.engine.kernels.RnnActivation;

/**
 * SIMD recurrent cells. A row's gate math runs as a few short vector passes over the row's
 * L1-resident buffers, each pass with at most one transcendental function: C2 refused to inline
 * one fully fused loop body with five vector sigmoid/tanh (NodeCountInliningCutoff), which boxed
 * the vectors and ran 3x slower than these passes. For Sigmoid and Tanh gates one pass sums the
 * pre-activations (input projection, recurrent projection, bias), clips and activates them into
 * {@code hr}, the caller's per-step scratch (a separate sum pass cost as much as a third of the
 * activation); ONNX's gate order puts the LSTM sigmoid gates i, o, f and the GRU gates z, r side by
 * side, so one sigmoid pass covers them. Sigmoid and tanh use the gate loops of
 * {@link SimdGateActivations} (array-taking methods, so a caller that does not inline them does
 * not box vectors), the units past the last full vector included; other activations are computed
 * as the scalar reference does.
 */
public final class SimdRecurrentCells implements RecurrentCells {
  private static final VectorSpecies<Float> S = SimdInfo.F;
  private static final int L = S.length();

  private static float clip(float x, float c) {
    return Math.min(Math.max(x, -c), c);
  }

  /** {@code acc[ao + j] = clip(x[xo + j] + acc[ao + j] + b[bo + j])} for {@code j < n}. */
  private static void sum(float[] x, int xo, float[] acc, int ao, float[] b, int bo, int n,
      float c) {
    int bound = S.loopBound(n);
    int j = 0;
    if (c == Float.POSITIVE_INFINITY) {
      for (; j < bound; j += L) {
        FloatVector v = FloatVector.fromArray(S, x, xo + j)
            .add(FloatVector.fromArray(S, acc, ao + j));
        v.add(FloatVector.fromArray(S, b, bo + j)).intoArray(acc, ao + j);
      }
      for (; j < n; j++) {
        acc[ao + j] = x[xo + j] + acc[ao + j] + b[bo + j];
      }
    } else {
      for (; j < bound; j += L) {
        FloatVector v = FloatVector.fromArray(S, x, xo + j)
            .add(FloatVector.fromArray(S, acc, ao + j)).add(FloatVector.fromArray(S, b, bo + j));
        v.max(-c).min(c).intoArray(acc, ao + j); // max/min keep NaN, as Math.max/min
      }
      for (; j < n; j++) {
        acc[ao + j] = clip(x[xo + j] + acc[ao + j] + b[bo + j], c);
      }
    }
  }

  /** {@code a[ao + j] = clip(a[ao + j] + p[po + j] * c[co + j])}: a peephole term, then clip. */
  private static void peep(float[] a, int ao, float[] p, int po, float[] c, int co, int n,
      float cl) {
    int bound = S.loopBound(n);
    int j = 0;
    for (; j < bound; j += L) {
      FloatVector pc = FloatVector.fromArray(S, p, po + j).mul(FloatVector.fromArray(S, c, co + j));
      FloatVector v = FloatVector.fromArray(S, a, ao + j).add(pc);
      v.max(-cl).min(cl).intoArray(a, ao + j);
    }
    for (; j < n; j++) {
      a[ao + j] = clip(a[ao + j] + p[po + j] * c[co + j], cl);
    }
  }

  /** {@code a[off, off + n)} clipped to {@code [-c, c]} in place. */
  private static void clipInPlace(float[] a, int off, int n, float c) {
    if (c == Float.POSITIVE_INFINITY) {
      return;
    }
    int bound = S.loopBound(n);
    int j = 0;
    for (; j < bound; j += L) {
      FloatVector.fromArray(S, a, off + j).max(-c).min(c).intoArray(a, off + j);
    }
    for (; j < n; j++) {
      a[off + j] = clip(a[off + j], c);
    }
  }

  /** Applies {@code act} to {@code a[off, off + n)} in place, vectorized for Sigmoid and Tanh. */
  private static void activate(RnnActivation act, float[] a, int off, int n) {
    if (act.equals(RnnActivation.SIGMOID)) {
      sigmoidInPlace(a, off, n);
      return;
    }
    if (act.equals(RnnActivation.TANH)) {
      tanhInPlace(a, off, n);
      return;
    }
    act.applyInPlace(a, off, n);
  }

  /**
   * {@code out = act(clip(x + acc + b))} over n units: one pass for Sigmoid and Tanh (the sum taken
   * inside the activation loop), a sum pass then {@link #activate} for the others.
   */
  private static void gates(RnnActivation act, float[] x, int xo, float[] acc, int ao, float[] b,
      int bo, int n, float c, float[] out, int oo) {
    if (act.equals(RnnActivation.SIGMOID)) {
      SimdGateActivations.sigmoidOfSumLoop(x, xo, acc, ao, b, bo, c, out, oo, n);
    } else if (act.equals(RnnActivation.TANH)) {
      SimdGateActivations.tanhOfSumLoop(x, xo, acc, ao, b, bo, c, out, oo, n);
    } else {
      sum(x, xo, acc, ao, b, bo, n, c);
      activate(act, acc, ao, n);
      if (out != acc || oo != ao) {
        System.arraycopy(acc, ao, out, oo, n);
      }
    }
  }

  private static void sigmoidInPlace(float[] a, int off, int n) {
    SimdGateActivations.sigmoidLoop(a, off, a, off, n);
  }

  private static void tanhInPlace(float[] a, int off, int n) {
    SimdGateActivations.tanhLoop(a, off, a, off, n);
  }

  /**
   * LSTM memory of {@code n} units: {@code c = f*c + i*g} with gates in {@code g} (i at go, f at
   * {@code go + 2 * stride}, c~ at {@code go + 3 * stride}).
   */
  private static void lstmMemory(float[] g, int go, int stride, float[] c, int co, int n) {
    int bound = S.loopBound(n);
    int j = 0;
    for (; j < bound; j += L) {
      FloatVector f = FloatVector.fromArray(S, g, go + 2 * stride + j);
      FloatVector i = FloatVector.fromArray(S, g, go + j);
      FloatVector ig = i.mul(FloatVector.fromArray(S, g, go + 3 * stride + j));
      f.mul(FloatVector.fromArray(S, c, co + j)).add(ig).intoArray(c, co + j);
    }
    for (; j < n; j++) {
      c[co + j] = g[go + 2 * stride + j] * c[co + j] + g[go + j] * g[go + 3 * stride + j];
    }
  }

  /** {@code out = a * b} elementwise. */
  private static void mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
    int bound = S.loopBound(n);
    int j = 0;
    for (; j < bound; j += L) {
      FloatVector x = FloatVector.fromArray(S, a, ao + j);
      x.mul(FloatVector.fromArray(S, b, bo + j)).intoArray(out, oo + j);
    }
    for (; j < n; j++) {
      out[oo + j] = a[ao + j] * b[bo + j];
    }
  }

  @Override
  public void lstm(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] c, int cOff,
      float[] h, int hOff) {
    lstm(p, 0, p.hidden(), xw, xwOff, hr, hrOff, c, cOff, h, hOff);
  }

  @Override
  public void lstm(Params p, int j0, int j1, float[] xw, int xwOff, float[] hr, int hrOff,
      float[] c, int cOff, float[] h, int hOff) {
    int n = p.hidden();
    int w = j1 - j0;
    boolean whole = w == n;
    float cl = p.clip();
    float[] pp = p.peep();
    float[] b = p.bias();
    int xo = xwOff + j0; // unit j0 of gate g sits at g * n past these
    int go = hrOff + j0;
    int co = cOff + j0;
    if (pp == null && !p.inputForget()) {
      if (whole) {
        gates(p.f(), xw, xwOff, hr, hrOff, b, 0, 3 * n, cl, hr, hrOff); // i, o, f side by side
      } else {
        for (int g = 0; g < 3; g++) {
          gates(p.f(), xw, xo + g * n, hr, go + g * n, b, j0 + g * n, w, cl, hr, go + g * n);
        }
      }
      gates(p.g(), xw, xo + 3 * n, hr, go + 3 * n, b, j0 + 3 * n, w, cl, hr, go + 3 * n);
    } else {
      for (int g = 0; g < 4; g++) {
        sum(xw, xo + g * n, hr, go + g * n, b, j0 + g * n, w, Float.POSITIVE_INFINITY);
      }
      clipInPlace(hr, go + 3 * n, w, cl);
      if (pp != null) {
        peep(hr, go, pp, j0, c, co, w, cl);
      } else {
        clipInPlace(hr, go, w, cl);
      }
      activate(p.f(), hr, go, w);
      if (p.inputForget()) {
        oneMinus(hr, go, hr, go + 2 * n, w);
      } else {
        if (pp != null) {
          peep(hr, go + 2 * n, pp, j0 + 2 * n, c, co, w, cl);
        } else {
          clipInPlace(hr, go + 2 * n, w, cl);
        }
        activate(p.f(), hr, go + 2 * n, w);
      }
      activate(p.g(), hr, go + 3 * n, w);
    }
    lstmMemory(hr, go, n, c, co, w);
    if (pp != null || p.inputForget()) {
      // the output gate waited for the new memory (its peephole reads C_t)
      if (pp != null) {
        peep(hr, go + n, pp, j0 + n, c, co, w, cl);
      } else {
        clipInPlace(hr, go + n, w, cl);
      }
      activate(p.f(), hr, go + n, w);
    }
    // c~ is spent: its slot takes h(C_t)
    if (p.hTanh()) {
      SimdGateActivations.tanhLoop(c, co, hr, go + 3 * n, w);
    } else {
      System.arraycopy(c, co, hr, go + 3 * n, w);
      activate(p.h(), hr, go + 3 * n, w);
    }
    mul(hr, go + n, hr, go + 3 * n, h, hOff + j0, w);
  }

  /** {@code out = 1 - a}. */
  private static void oneMinus(float[] a, int ao, float[] out, int oo, int n) {
    int bound = S.loopBound(n);
    int j = 0;
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (; j < bound; j += L) {
      one.sub(FloatVector.fromArray(S, a, ao + j)).intoArray(out, oo + j);
    }
    for (; j < n; j++) {
      out[oo + j] = 1 - a[ao + j];
    }
  }

  @Override
  public void rnn(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h, int hOff) {
    gates(p.f(), xw, xwOff, hr, hrOff, p.bias(), 0, p.hidden(), p.clip(), h, hOff);
  }

  @Override
  public void gruReset(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h,
      int hOff, float[] rh, int rhOff) {
    int n = p.hidden();
    gates(p.f(), xw, xwOff, hr, hrOff, p.bias(), 0, 2 * n, p.clip(), hr, hrOff); // z, r
    mul(hr, hrOff + n, h, hOff, rh, rhOff, n);
  }

  @Override
  public void gruUpdate(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h,
      int hOff) {
    int n = p.hidden();
    gates(p.g(), xw, xwOff + 2 * n, hr, hrOff + 2 * n, p.bias(), 2 * n, n, p.clip(), hr,
        hrOff + 2 * n);
    mix(hr, hrOff, hr, hrOff + 2 * n, h, hOff, n);
  }

  /** {@code h = (1 - z) * hh + z * h}, rounded as the scalar reference rounds it. */
  private static void mix(float[] z, int zo, float[] hh, int ho, float[] h, int hOff, int n) {
    int bound = S.loopBound(n);
    int j = 0;
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (; j < bound; j += L) {
      FloatVector zv = FloatVector.fromArray(S, z, zo + j);
      FloatVector keep = zv.mul(FloatVector.fromArray(S, h, hOff + j));
      one.sub(zv).mul(FloatVector.fromArray(S, hh, ho + j)).add(keep).intoArray(h, hOff + j);
    }
    for (; j < n; j++) {
      float zj = z[zo + j];
      h[hOff + j] = (1 - zj) * hh[ho + j] + zj * h[hOff + j];
    }
  }

  @Override
  public void gruLinearBeforeReset(Params p, float[] xw, int xwOff, float[] hr, int hrOff,
      float[] h, int hOff) {
    int n = p.hidden();
    gates(p.f(), xw, xwOff, hr, hrOff, p.bias(), 0, 2 * n, p.clip(), hr, hrOff);
    resetLinear(p, xw, xwOff + 2 * n, hr, hrOff, n);
    activate(p.g(), hr, hrOff + 2 * n, n);
    mix(hr, hrOff, hr, hrOff + 2 * n, h, hOff, n);
  }

  /** GRU h gate argument with linear_before_reset: {@code clip(xw_h + Wb_h + r*(hr_h + Rb_h))}. */
  private static void resetLinear(Params p, float[] xw, int xo, float[] hr, int ho, int n) {
    float[] b = p.bias();
    float[] rbh = p.rbh();
    float cl = p.clip();
    int bound = S.loopBound(n);
    int j = 0;
    for (; j < bound; j += L) {
      FloatVector lin = FloatVector.fromArray(S, hr, ho + 2 * n + j)
          .add(FloatVector.fromArray(S, rbh, j));
      FloatVector reset = FloatVector.fromArray(S, hr, ho + n + j).mul(lin);
      FloatVector a = FloatVector.fromArray(S, xw, xo + j)
          .add(FloatVector.fromArray(S, b, 2 * n + j)).add(reset);
      a.max(-cl).min(cl).intoArray(hr, ho + 2 * n + j);
    }
    for (; j < n; j++) {
      float a = xw[xo + j] + b[2 * n + j] + hr[ho + n + j] * (hr[ho + 2 * n + j] + rbh[j]);
      hr[ho + 2 * n + j] = clip(a, cl);
    }
  }
}
