package org.quantlens.engine.kernels;

/**
 * The scalar reference of {@link RecurrentCells}: one hidden unit at a time, every activation
 * computed in double through {@link RnnActivation#apply}. The SIMD kernels are tested against it.
 */
public final class RecurrentCellsScalar implements RecurrentCells {
  /** Use {@link RecurrentCells#SCALAR}. */
  RecurrentCellsScalar() {}

  static float clip(float x, float c) {
    return Math.min(Math.max(x, -c), c); // keeps NaN; c = +Infinity is no clip
  }

  @Override
  public void lstm(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] c, int cOff,
      float[] h, int hOff) {
    lstmRange(p, xw, xwOff, hr, hrOff, c, cOff, h, hOff, 0, p.hidden);
  }

  @Override
  public void lstm(Params p, int j0, int j1, float[] xw, int xwOff, float[] hr, int hrOff,
      float[] c, int cOff, float[] h, int hOff) {
    lstmRange(p, xw, xwOff, hr, hrOff, c, cOff, h, hOff, j0, j1);
  }

  /** {@link #lstm} over hidden units {@code [j0, j1)} only (SIMD kernels' tails). */
  public static void lstmRange(Params p, float[] xw, int xwOff, float[] hr, int hrOff,
      float[] c, int cOff, float[] h, int hOff, int j0, int j1) {
    int n = p.hidden;
    float[] b = p.bias;
    float[] peep = p.peep;
    float cl = p.clip;
    for (int j = j0; j < j1; j++) {
      float cPrev = c[cOff + j];
      float pi = xw[xwOff + j] + hr[hrOff + j] + b[j];
      float po = xw[xwOff + n + j] + hr[hrOff + n + j] + b[n + j];
      float pf = xw[xwOff + 2 * n + j] + hr[hrOff + 2 * n + j] + b[2 * n + j];
      float pc = xw[xwOff + 3 * n + j] + hr[hrOff + 3 * n + j] + b[3 * n + j];
      if (peep != null) {
        pi += peep[j] * cPrev;
        pf += peep[2 * n + j] * cPrev;
      }
      float i = p.f.apply(clip(pi, cl));
      float f = p.inputForget ? 1 - i : p.f.apply(clip(pf, cl));
      float cc = p.g.apply(clip(pc, cl));
      float cNew = f * cPrev + i * cc;
      if (peep != null) {
        po += peep[n + j] * cNew;
      }
      float o = p.f.apply(clip(po, cl));
      c[cOff + j] = cNew;
      h[hOff + j] = o * p.h.apply(cNew);
    }
  }

  @Override
  public void rnn(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h, int hOff) {
    rnnRange(p, xw, xwOff, hr, hrOff, h, hOff, 0, p.hidden);
  }

  /** {@link #rnn} over hidden units {@code [j0, j1)} only (SIMD kernels' tails). */
  public static void rnnRange(Params p, float[] xw, int xwOff, float[] hr, int hrOff,
      float[] h, int hOff, int j0, int j1) {
    int n = p.hidden;
    float[] b = p.bias;
    for (int j = j0; j < j1; j++) {
      h[hOff + j] = p.f.apply(clip(xw[xwOff + j] + hr[hrOff + j] + b[j], p.clip));
    }
  }

  @Override
  public void gruReset(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h,
      int hOff, float[] rh, int rhOff) {
    gruResetRange(p, xw, xwOff, hr, hrOff, h, hOff, rh, rhOff, 0, p.hidden);
  }

  /** {@link #gruReset} over hidden units {@code [j0, j1)} only (SIMD kernels' tails). */
  public static void gruResetRange(Params p, float[] xw, int xwOff, float[] hr, int hrOff,
      float[] h, int hOff, float[] rh, int rhOff, int j0, int j1) {
    int n = p.hidden;
    float[] b = p.bias;
    for (int j = j0; j < j1; j++) {
      float z = p.f.apply(clip(xw[xwOff + j] + hr[hrOff + j] + b[j], p.clip));
      float r = p.f.apply(clip(xw[xwOff + n + j] + hr[hrOff + n + j] + b[n + j], p.clip));
      hr[hrOff + j] = z;
      rh[rhOff + j] = r * h[hOff + j];
    }
  }

  @Override
  public void gruUpdate(Params p, float[] xw, int xwOff, float[] hr, int hrOff, float[] h,
      int hOff) {
    gruUpdateRange(p, xw, xwOff, hr, hrOff, h, hOff, 0, p.hidden);
  }

  /** {@link #gruUpdate} over hidden units {@code [j0, j1)} only (SIMD kernels' tails). */
  public static void gruUpdateRange(Params p, float[] xw, int xwOff, float[] hr, int hrOff,
      float[] h, int hOff, int j0, int j1) {
    int n = p.hidden;
    float[] b = p.bias;
    for (int j = j0; j < j1; j++) {
      float hh = p.g.apply(clip(xw[xwOff + 2 * n + j] + hr[hrOff + 2 * n + j] + b[2 * n + j],
          p.clip));
      float z = hr[hrOff + j];
      h[hOff + j] = (1 - z) * hh + z * h[hOff + j];
    }
  }

  @Override
  public void gruLinearBeforeReset(Params p, float[] xw, int xwOff, float[] hr, int hrOff,
      float[] h, int hOff) {
    gruLinearBeforeResetRange(p, xw, xwOff, hr, hrOff, h, hOff, 0, p.hidden);
  }

  /** {@link #gruLinearBeforeReset} over hidden units {@code [j0, j1)} only (SIMD tails). */
  public static void gruLinearBeforeResetRange(Params p, float[] xw, int xwOff, float[] hr,
      int hrOff, float[] h, int hOff, int j0, int j1) {
    int n = p.hidden;
    float[] b = p.bias;
    float[] rbh = p.rbh;
    for (int j = j0; j < j1; j++) {
      float z = p.f.apply(clip(xw[xwOff + j] + hr[hrOff + j] + b[j], p.clip));
      float r = p.f.apply(clip(xw[xwOff + n + j] + hr[hrOff + n + j] + b[n + j], p.clip));
      float a = xw[xwOff + 2 * n + j] + b[2 * n + j] + r * (hr[hrOff + 2 * n + j] + rbh[j]);
      float hh = p.g.apply(clip(a, p.clip));
      h[hOff + j] = (1 - z) * hh + z * h[hOff + j];
    }
  }
}
