package org.quantlens.engine.train;

import java.util.List;

/**
 * A plain double-precision LSTM / GRU / RNN forward written from the ONNX operator documentation,
 * one time step, batch row and unit at a time, independent of the engine's kernels and of the
 * training tape. Used as the reference whose central differences the analytic gradients must
 * match.
 */
final class RecurrentReference {
  String type = "LSTM";
  /** forward, reverse or bidirectional. */
  String direction = "forward";
  int layout;
  int hidden;
  double clip = Double.POSITIVE_INFINITY;
  boolean inputForget;
  boolean linearBeforeReset;
  /** Activation names per direction (LSTM f,g,h; GRU f,g; RNN f) with alpha/beta per entry. */
  List<String> acts;
  double[] alphas;
  double[] betas;

  int seqLen;
  int batch;
  int input;
  double[] x;
  double[] w;
  double[] r;
  double[] b;
  double[] p;
  int[] lens;
  double[] h0;
  double[] c0;

  /** Outputs of {@link #run}: Y, Y_h, Y_c (ONNX layouts). */
  double[] y;
  double[] yh;
  double[] yc;

  int dirs() {
    return direction.equals("bidirectional") ? 2 : 1;
  }

  int gates() {
    return type.equals("LSTM") ? 4 : type.equals("GRU") ? 3 : 1;
  }

  double xAt(int t, int bi, int k) {
    return layout == 0 ? x[(t * batch + bi) * input + k] : x[(bi * seqLen + t) * input + k];
  }

  int stateIdx(int d, int bi, int j) {
    return layout == 0 ? (d * batch + bi) * hidden + j : (bi * dirs() + d) * hidden + j;
  }

  int yIdx(int t, int d, int bi, int j) {
    return layout == 0 ? ((t * dirs() + d) * batch + bi) * hidden + j
        : ((bi * seqLen + t) * dirs() + d) * hidden + j;
  }

  double act(int d, int which, double v) {
    int per = type.equals("LSTM") ? 3 : type.equals("GRU") ? 2 : 1;
    int idx = acts == null ? -1 : acts.size() == per ? which : d * per + which;
    String name = idx < 0 ? defaultAct(which) : acts.get(idx);
    double al = alphas != null && idx >= 0 ? alphas[idx] : Double.NaN;
    double be = betas != null && idx >= 0 ? betas[idx] : Double.NaN;
    switch (name) {
      case "Sigmoid":
        return 1 / (1 + Math.exp(-v));
      case "Tanh":
        return Math.tanh(v);
      case "Relu":
        return Math.max(0, v);
      case "LeakyRelu":
        return v >= 0 ? v : al * v;
      case "HardSigmoid":
        return Math.max(0, Math.min(1, al * v + be));
      case "ScaledTanh":
        return al * Math.tanh(be * v);
      case "Softsign":
        return v / (1 + Math.abs(v));
      case "Softplus":
        return Math.log(1 + Math.exp(v));
      case "Elu":
        return v >= 0 ? v : al * (Math.exp(v) - 1);
      case "Affine":
        return al * v + be;
      default:
        throw new IllegalArgumentException(name);
    }
  }

  private String defaultAct(int which) {
    if (type.equals("RNN")) {
      return "Tanh";
    }
    return which == 0 ? "Sigmoid" : "Tanh";
  }

  double cl(double v) {
    return Math.max(-clip, Math.min(clip, v));
  }

  void run() {
    int dn = dirs();
    int n = hidden;
    int gh = gates() * n;
    y = new double[seqLen * dn * batch * n];
    yh = new double[dn * batch * n];
    yc = new double[dn * batch * n];
    for (int d = 0; d < dn; d++) {
      boolean back = d == 1 || direction.equals("reverse");
      for (int bi = 0; bi < batch; bi++) {
        int len = lens == null ? seqLen : lens[bi];
        double[] h = new double[n];
        double[] c = new double[n];
        for (int j = 0; j < n; j++) {
          h[j] = h0 == null ? 0 : h0[stateIdx(d, bi, j)];
          c[j] = c0 == null ? 0 : c0[stateIdx(d, bi, j)];
        }
        for (int s = 0; s < len; s++) {
          int t = back ? len - 1 - s : s;
          // per gate unit: x W^T and h R^T (+ biases kept apart for GRU)
          double[] xw = new double[gh];
          double[] hr = new double[gh];
          for (int q = 0; q < gh; q++) {
            double sx = 0;
            for (int k = 0; k < input; k++) {
              sx += xAt(t, bi, k) * w[(d * gh + q) * input + k];
            }
            double sh = 0;
            for (int k = 0; k < n; k++) {
              sh += h[k] * r[(d * gh + q) * n + k];
            }
            xw[q] = sx + (b == null ? 0 : b[d * 2 * gh + q]);
            hr[q] = sh + (b == null ? 0 : b[d * 2 * gh + gh + q]);
          }
          double[] nh = new double[n];
          if (type.equals("LSTM")) {
            for (int j = 0; j < n; j++) {
              double pi = p == null ? 0 : p[d * 3 * n + j];
              double po = p == null ? 0 : p[d * 3 * n + n + j];
              double pf = p == null ? 0 : p[d * 3 * n + 2 * n + j];
              double it = act(d, 0, cl(xw[j] + hr[j] + pi * c[j]));
              double ft = inputForget ? 1 - it : act(d, 0, cl(xw[2 * n + j] + hr[2 * n + j] + pf * c[j]));
              double ct = act(d, 1, cl(xw[3 * n + j] + hr[3 * n + j]));
              double cn = ft * c[j] + it * ct;
              double ot = act(d, 0, cl(xw[n + j] + hr[n + j] + po * cn));
              c[j] = cn;
              nh[j] = ot * act(d, 2, cn);
            }
          } else if (type.equals("GRU")) {
            double[] z = new double[n];
            double[] rr = new double[n];
            for (int j = 0; j < n; j++) {
              z[j] = act(d, 0, cl(xw[j] + hr[j]));
              rr[j] = act(d, 0, cl(xw[n + j] + hr[n + j]));
            }
            for (int j = 0; j < n; j++) {
              double arg;
              if (linearBeforeReset) {
                arg = xw[2 * n + j] + rr[j] * hr[2 * n + j];
              } else {
                double s2 = 0;
                for (int k = 0; k < n; k++) {
                  s2 += rr[k] * h[k] * r[(d * gh + 2 * n + j) * n + k];
                }
                arg = xw[2 * n + j] + s2 + (b == null ? 0 : b[d * 2 * gh + gh + 2 * n + j]);
              }
              double hh = act(d, 1, cl(arg));
              nh[j] = (1 - z[j]) * hh + z[j] * h[j];
            }
          } else {
            for (int j = 0; j < n; j++) {
              nh[j] = act(d, 0, cl(xw[j] + hr[j]));
            }
          }
          h = nh;
          for (int j = 0; j < n; j++) {
            y[yIdx(t, d, bi, j)] = h[j];
          }
        }
        if (len > 0) {
          for (int j = 0; j < n; j++) {
            yh[stateIdx(d, bi, j)] = h[j];
            yc[stateIdx(d, bi, j)] = c[j];
          }
        }
      }
    }
  }
}
