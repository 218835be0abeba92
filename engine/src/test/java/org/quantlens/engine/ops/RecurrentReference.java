package org.quantlens.engine.ops;

import java.util.List;

/**
 * A deliberately naive ONNX LSTM / GRU / RNN written straight from the equations of the ONNX
 * operator documentation, in double precision, one unit and one dot product at a time. Shares no
 * code with the engine: the tests compare the ops against it.
 */
final class RecurrentReference {
  private RecurrentReference() {}

  enum Op { LSTM, GRU, RNN }

  /** An activation function with explicit alpha and beta. */
  static final class Act {
    final String name;
    final double alpha;
    final double beta;
    /** Whether alpha and beta are written to the node (else the op must use these as defaults). */
    final boolean inAttributes;

    Act(String name, double alpha, double beta, boolean inAttributes) {
      this.name = name;
      this.alpha = alpha;
      this.beta = beta;
      this.inAttributes = inAttributes;
    }

    /** A function without alpha or beta. */
    static Act of(String name) {
      return new Act(name, Double.NaN, Double.NaN, false);
    }

    /** A function whose alpha (and beta, if it has one) are given in the attributes. */
    static Act of(String name, double alpha, double beta) {
      return new Act(name, alpha, beta, true);
    }

    /** A function left to its default alpha/beta, which the reference takes from here. */
    static Act defaulted(String name, double alpha, double beta) {
      return new Act(name, alpha, beta, false);
    }

    double apply(double x) {
      double a = alpha;
      double b = beta;
      switch (name) {
        case "Relu": return Math.max(0, x);
        case "Tanh": return Math.tanh(x);
        case "Sigmoid": return 1 / (1 + Math.exp(-x));
        case "Affine": return a * x + b;
        case "LeakyRelu": return x >= 0 ? x : a * x;
        case "ThresholdedRelu": return x >= a ? x : 0;
        case "ScaledTanh": return a * Math.tanh(b * x);
        case "HardSigmoid": return Math.min(Math.max(a * x + b, 0), 1);
        case "Elu": return x >= 0 ? x : a * (Math.exp(x) - 1);
        case "Softsign": return x / (1 + Math.abs(x));
        case "Softplus": return Math.log(1 + Math.exp(x));
        default: throw new IllegalArgumentException(name);
      }
    }
  }

  /** Everything a recurrent node computes from. Arrays are in ONNX layout. */
  static final class Config {
    Op op;
    int seqLen;
    int batch;
    int input;
    int hidden;
    String direction = "forward";
    int layout;
    float[] x;
    float[] w;
    float[] r;
    float[] b;
    float[] p;
    float[] h0;
    float[] c0;
    int[] lens;
    /** Functions of all directions, in attribute order (LSTM f,g,h; GRU f,g; RNN f). */
    List<Act> acts;
    Double clip;
    boolean inputForget;
    boolean linearBeforeReset;

    int dirs() {
      return direction.equals("bidirectional") ? 2 : 1;
    }

    int gates() {
      return op == Op.LSTM ? 4 : op == Op.GRU ? 3 : 1;
    }
  }

  /** Outputs Y, Y_h, Y_c (Y_c null unless LSTM) in the layout of the config. */
  static final class Result {
    double[] y;
    double[] yh;
    double[] yc;
  }

  static Result run(Config c) {
    int t0 = c.seqLen;
    int nb = c.batch;
    int nh = c.hidden;
    int nd = c.dirs();
    Result res = new Result();
    res.y = new double[t0 * nd * nb * nh];
    res.yh = new double[nd * nb * nh];
    res.yc = c.op == Op.LSTM ? new double[nd * nb * nh] : null;
    for (int d = 0; d < nd; d++) {
      boolean reverse = c.direction.equals("reverse") || d == 1;
      for (int bi = 0; bi < nb; bi++) {
        double[] h = new double[nh];
        double[] cell = new double[nh];
        for (int j = 0; j < nh; j++) {
          if (c.h0 != null) {
            h[j] = c.h0[state(c, d, bi, j)];
          }
          if (c.c0 != null) {
            cell[j] = c.c0[state(c, d, bi, j)];
          }
        }
        int len = c.lens == null ? t0 : c.lens[bi];
        for (int s = 0; s < len; s++) {
          int t = reverse ? len - 1 - s : s;
          double[] xt = new double[c.input];
          for (int k = 0; k < c.input; k++) {
            xt[k] = c.x[c.layout == 0 ? (t * nb + bi) * c.input + k : (bi * t0 + t) * c.input + k];
          }
          if (c.op == Op.LSTM) {
            lstmStep(c, d, xt, h, cell);
          } else if (c.op == Op.GRU) {
            gruStep(c, d, xt, h);
          } else {
            rnnStep(c, d, xt, h);
          }
          for (int j = 0; j < nh; j++) {
            int yi = c.layout == 0 ? ((t * nd + d) * nb + bi) * nh + j
                : ((bi * t0 + t) * nd + d) * nh + j;
            res.y[yi] = h[j];
          }
        }
        for (int j = 0; j < nh; j++) {
          res.yh[state(c, d, bi, j)] = len == 0 ? 0 : h[j];
          if (res.yc != null) {
            res.yc[state(c, d, bi, j)] = len == 0 ? 0 : cell[j];
          }
        }
      }
    }
    return res;
  }

  private static int state(Config c, int d, int b, int j) {
    return c.layout == 0 ? (d * c.batch + b) * c.hidden + j : (b * c.dirs() + d) * c.hidden + j;
  }

  /** Xt * W_g[j]^T for gate g, unit j of direction d. */
  private static double xw(Config c, int d, int g, int j, double[] xt) {
    double s = 0;
    int row = d * c.gates() * c.hidden + g * c.hidden + j;
    for (int k = 0; k < c.input; k++) {
      s += xt[k] * c.w[row * c.input + k];
    }
    return s;
  }

  /** v * R_g[j]^T. */
  private static double hr(Config c, int d, int g, int j, double[] v) {
    double s = 0;
    int row = d * c.gates() * c.hidden + g * c.hidden + j;
    for (int k = 0; k < c.hidden; k++) {
      s += v[k] * c.r[row * c.hidden + k];
    }
    return s;
  }

  private static double wb(Config c, int d, int g, int j) {
    return c.b == null ? 0 : c.b[d * 2 * c.gates() * c.hidden + g * c.hidden + j];
  }

  private static double rb(Config c, int d, int g, int j) {
    return c.b == null ? 0
        : c.b[d * 2 * c.gates() * c.hidden + c.gates() * c.hidden + g * c.hidden + j];
  }

  private static double clip(Config c, double v) {
    return c.clip == null ? v : Math.min(Math.max(v, -c.clip), c.clip);
  }

  private static Act act(Config c, int d, int which) {
    int per = c.op == Op.LSTM ? 3 : c.op == Op.GRU ? 2 : 1;
    return c.acts.get(c.acts.size() >= per * c.dirs() ? d * per + which : which);
  }

  // LSTM gate order in W, R, B: i, o, f, c; peepholes P: i, o, f
  private static void lstmStep(Config c, int d, double[] xt, double[] h, double[] cell) {
    Act f = act(c, d, 0);
    Act g = act(c, d, 1);
    Act hAct = act(c, d, 2);
    double[] hPrev = h.clone();
    double[] cPrev = cell.clone();
    for (int j = 0; j < c.hidden; j++) {
      double pi = c.p == null ? 0 : c.p[d * 3 * c.hidden + j];
      double po = c.p == null ? 0 : c.p[d * 3 * c.hidden + c.hidden + j];
      double pf = c.p == null ? 0 : c.p[d * 3 * c.hidden + 2 * c.hidden + j];
      double it = f.apply(clip(c, xw(c, d, 0, j, xt) + hr(c, d, 0, j, hPrev) + pi * cPrev[j]
          + wb(c, d, 0, j) + rb(c, d, 0, j)));
      double ft = c.inputForget ? 1 - it
          : f.apply(clip(c, xw(c, d, 2, j, xt) + hr(c, d, 2, j, hPrev) + pf * cPrev[j]
              + wb(c, d, 2, j) + rb(c, d, 2, j)));
      double ct = g.apply(clip(c, xw(c, d, 3, j, xt) + hr(c, d, 3, j, hPrev) + wb(c, d, 3, j)
          + rb(c, d, 3, j)));
      double cNew = ft * cPrev[j] + it * ct;
      double ot = f.apply(clip(c, xw(c, d, 1, j, xt) + hr(c, d, 1, j, hPrev) + po * cNew
          + wb(c, d, 1, j) + rb(c, d, 1, j)));
      cell[j] = cNew;
      h[j] = ot * hAct.apply(cNew);
    }
  }

  // GRU gate order: z, r, h
  private static void gruStep(Config c, int d, double[] xt, double[] h) {
    Act f = act(c, d, 0);
    Act g = act(c, d, 1);
    double[] hPrev = h.clone();
    double[] rt = new double[c.hidden];
    double[] zt = new double[c.hidden];
    for (int j = 0; j < c.hidden; j++) {
      zt[j] = f.apply(clip(c, xw(c, d, 0, j, xt) + hr(c, d, 0, j, hPrev) + wb(c, d, 0, j)
          + rb(c, d, 0, j)));
      rt[j] = f.apply(clip(c, xw(c, d, 1, j, xt) + hr(c, d, 1, j, hPrev) + wb(c, d, 1, j)
          + rb(c, d, 1, j)));
    }
    double[] rh = new double[c.hidden];
    for (int k = 0; k < c.hidden; k++) {
      rh[k] = rt[k] * hPrev[k];
    }
    for (int j = 0; j < c.hidden; j++) {
      double ht;
      if (c.linearBeforeReset) {
        ht = g.apply(clip(c, xw(c, d, 2, j, xt) + rt[j] * (hr(c, d, 2, j, hPrev) + rb(c, d, 2, j))
            + wb(c, d, 2, j)));
      } else {
        ht = g.apply(clip(c, xw(c, d, 2, j, xt) + hr(c, d, 2, j, rh) + rb(c, d, 2, j)
            + wb(c, d, 2, j)));
      }
      h[j] = (1 - zt[j]) * ht + zt[j] * hPrev[j];
    }
  }

  private static void rnnStep(Config c, int d, double[] xt, double[] h) {
    Act f = act(c, d, 0);
    double[] hPrev = h.clone();
    for (int j = 0; j < c.hidden; j++) {
      h[j] = f.apply(clip(c, xw(c, d, 0, j, xt) + hr(c, d, 0, j, hPrev) + wb(c, d, 0, j)
          + rb(c, d, 0, j)));
    }
  }
}
