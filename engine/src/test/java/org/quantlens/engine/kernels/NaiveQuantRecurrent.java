package org.quantlens.engine.kernels;

/**
 * A deliberately plain reference of the int8-weight LSTM/GRU, written apart from the engine: one
 * batch row and one step at a time, x_t and h_{t-1} quantized to uint8 with DynamicQuantizeLinear's
 * formula, products summed in long over {@code (q - zp)} terms, dequantized with
 * {@code (float) sum * (s_x * s_w)}, gates in float32 (default activations via
 * {@link RnnActivation#apply}, the engine's scalar definition of sigmoid/tanh).
 */
final class NaiveQuantRecurrent {
  private NaiveQuantRecurrent() {}

  /** {@code {y, yh, yc}} for the case, yc null for GRU. */
  static float[][] run(QuantRecurrentLayerTest.Case c) {
    int n = c.hidden;
    int gh = c.gh();
    int batch = c.batch;
    float[] y = new float[c.seqLen * c.dirs * batch * n];
    float[] yh = new float[c.dirs * batch * n];
    float[] yc = c.type == RecurrentLayer.Type.LSTM ? new float[c.dirs * batch * n] : null;
    for (int d = 0; d < c.dirs; d++) {
      boolean back = d == 1 || c.reverse;
      for (int b = 0; b < batch; b++) {
        int len = c.lens == null ? c.seqLen : c.lens[b];
        float[] h = new float[n];
        float[] cell = new float[n];
        int so = (d * batch + b) * n;
        if (c.h0 != null) {
          System.arraycopy(c.h0, so, h, 0, n);
        }
        if (c.c0 != null) {
          System.arraycopy(c.c0, so, cell, 0, n);
        }
        for (int s = 0; s < len; s++) {
          int t = back ? len - 1 - s : s;
          float[] xt = new float[c.input];
          System.arraycopy(c.x, (t * batch + b) * c.input, xt, 0, c.input);
          float[] xw = product(xt, c.w, d, c.input, gh, 0, gh, c.wScale, c.wZp, c.unsigned);
          if (c.type == RecurrentLayer.Type.LSTM) {
            lstmStep(c, d, xw, product(h, c.r, d, n, gh, 0, gh, c.rScale, c.rZp, c.unsigned), h, cell);
          } else {
            gruStep(c, d, xw, h);
          }
          System.arraycopy(h, 0, y, ((t * c.dirs + d) * batch + b) * n, n);
        }
        if (len > 0) {
          System.arraycopy(h, 0, yh, so, n);
          if (yc != null) {
            System.arraycopy(cell, 0, yc, so, n);
          }
        }
      }
    }
    return new float[][] {y, yh, yc};
  }

  /** Columns [j0, j1) of the dequantized product of v (quantized here) with weight matrix d. */
  static float[] product(float[] v, byte[] w, int d, int k, int cols, int j0, int j1, float[] ws,
      int[] wz, boolean unsigned) {
    float min = 0;
    float max = 0;
    for (float f : v) {
      min = Math.min(min, f);
      max = Math.max(max, f);
    }
    float scale = max == min ? 1f : (max - min) / 255f;
    int zp = (int) Math.rint(Math.max(0f, Math.min(255f, -min / scale)));
    int[] q = new int[k];
    for (int p = 0; p < k; p++) {
      q[p] = (int) Math.max(0, Math.min(255, Math.rint(v[p] / scale) + zp));
    }
    float[] out = new float[j1 - j0];
    for (int j = j0; j < j1; j++) {
      long acc = 0;
      int col = d * cols + j;
      for (int p = 0; p < k; p++) {
        byte raw = w[(d * k + p) * cols + j];
        int wv = unsigned ? raw & 0xff : raw;
        acc += (long) (q[p] - zp) * (wv - wz[col]);
      }
      out[j - j0] = (float) acc * (scale * ws[col]);
    }
    return out;
  }

  private static float sig(float x) {
    return RnnActivation.SIGMOID.apply(x);
  }

  private static float tanh(float x) {
    return RnnActivation.TANH.apply(x);
  }

  private static void lstmStep(QuantRecurrentLayerTest.Case c, int d, float[] xw, float[] hr,
      float[] h, float[] cell) {
    int n = c.hidden;
    int gh = 4 * n;
    int bo = d * 2 * gh;
    for (int j = 0; j < n; j++) {
      float[] pre = new float[4];
      for (int g = 0; g < 4; g++) {
        pre[g] = xw[g * n + j] + hr[g * n + j] + (c.b[bo + g * n + j] + c.b[bo + gh + g * n + j]);
      }
      float cp = cell[j];
      if (c.p != null) {
        pre[0] += c.p[d * 3 * n + j] * cp;
        pre[2] += c.p[d * 3 * n + 2 * n + j] * cp;
      }
      float i = sig(pre[0]);
      float f = sig(pre[2]);
      float cc = tanh(pre[3]);
      float cn = f * cp + i * cc;
      if (c.p != null) {
        pre[1] += c.p[d * 3 * n + n + j] * cn;
      }
      float o = sig(pre[1]);
      cell[j] = cn;
      h[j] = o * tanh(cn);
    }
  }

  private static void gruStep(QuantRecurrentLayerTest.Case c, int d, float[] xw, float[] h) {
    int n = c.hidden;
    int gh = 3 * n;
    int bo = d * 2 * gh;
    float[] hr = product(h, c.r, d, n, gh, 0, gh, c.rScale, c.rZp, c.unsigned);
    float[] z = new float[n];
    float[] r = new float[n];
    for (int j = 0; j < n; j++) {
      z[j] = sig(xw[j] + hr[j] + (c.b[bo + j] + c.b[bo + gh + j]));
      r[j] = sig(xw[n + j] + hr[n + j] + (c.b[bo + n + j] + c.b[bo + gh + n + j]));
    }
    float[] hh = new float[n];
    if (c.lbr) {
      for (int j = 0; j < n; j++) {
        float a = xw[2 * n + j] + c.b[bo + 2 * n + j] + r[j] * (hr[2 * n + j] + c.b[bo + gh + 2 * n + j]);
        hh[j] = tanh(a);
      }
    } else {
      float[] rh = new float[n];
      for (int j = 0; j < n; j++) {
        rh[j] = r[j] * h[j];
      }
      float[] rr = product(rh, c.r, d, n, gh, 2 * n, 3 * n, c.rScale, c.rZp, c.unsigned);
      for (int j = 0; j < n; j++) {
        hh[j] = tanh(xw[2 * n + j] + rr[j] + (c.b[bo + 2 * n + j] + c.b[bo + gh + 2 * n + j]));
      }
    }
    for (int j = 0; j < n; j++) {
      h[j] = (1 - z[j]) * hh[j] + z[j] * h[j];
    }
  }
}
