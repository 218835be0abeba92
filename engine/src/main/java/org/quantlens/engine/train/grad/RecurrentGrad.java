package org.quantlens.engine.train.grad;

import java.util.Arrays;
import java.util.List;
import org.quantlens.engine.kernels.Gemm;
import org.quantlens.engine.kernels.RecurrentLayer;
import org.quantlens.engine.kernels.RnnActivation;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.ops.RecurrentAttributes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Backpropagation through time for LSTM, GRU (both linear_before_reset) and RNN: every direction,
 * sequence_lens, initial states, biases, LSTM peepholes and input_forget, clip, any activation;
 * gradients of X, W, R, B, initial_h, initial_c and P from gradients at any of Y, Y_h and Y_c.
 *
 * <p>In training mode the forward runs here ({@link RecurrentTape}) to keep the gate values; in
 * evaluation mode the engine's operator runs and backward recomputes the tape first. Per step,
 * backward does the element-wise gate math, then on the GEMM {@code dH_{t-1} = dA_t R} (two
 * products for GRU without linear_before_reset) and the step's share of the weight gradients,
 * {@code dR += dA_t^T H_{t-1}}, {@code dW += dA_t^T X_t} and {@code dX_t = dA_t W}, while
 * {@code dA_t} is in cache (measured faster than one product over all {@code T*N} rows, whose
 * long reduction runs the GEMM at half speed).
 */
final class RecurrentGrad implements GradRule {
  // backward scratch slots; the recomputed tape uses TAPE_KEYS and up
  private static final int K_DA = 0;
  private static final int K_DREC = 1;
  private static final int K_DH = 2;
  private static final int K_DHP = 3;
  private static final int K_DC = 4;
  private static final int K_DCP = 5;
  private static final int K_XS = 6;
  private static final int K_SUM = 7;
  private static final int K_DP = 8;
  private static final int K_TMP = 9;
  private static final int K_DXS = 10;
  private static final int TAPE_KEYS = 16;

  private final RecurrentLayer.Type type;

  private RecurrentGrad(RecurrentLayer.Type type) {
    this.type = type;
  }

  static void register(GradRegistry r) {
    r.register("LSTM", new RecurrentGrad(RecurrentLayer.Type.LSTM));
    r.register("GRU", new RecurrentGrad(RecurrentLayer.Type.GRU));
    r.register("RNN", new RecurrentGrad(RecurrentLayer.Type.RNN));
  }

  @Override
  public boolean differentiable(int input) {
    return input != RecurrentTape.SEQ_LENS;
  }

  @Override
  public TrainingForward trainingForward(NodeContext ctx) {
    RecurrentTape tape = new RecurrentTape(RecurrentAttributes.of(ctx, type));
    float[][] owned = new float[8][];
    RecurrentTape.Buffers buf = (key, size) -> {
      if (owned[key] == null || owned[key].length < size) {
        owned[key] = new float[size];
      }
      return owned[key];
    };
    return (in, step, saved, ec) -> {
      Tensor[] out = tape.run(in, ec, buf, true);
      saved.accept(tape);
      return out;
    };
  }

  @Override
  public void backward(GradContext g) {
    RecurrentTape tape = g.saved() instanceof RecurrentTape ? (RecurrentTape) g.saved() : null;
    if (tape == null || !current(tape, g)) {
      // evaluation-mode forward (the engine's operator): record the tape now
      tape = new RecurrentTape(tape != null ? tape.spec : RecurrentAttributes.of(g.node(), type));
      Tensor[] in = new Tensor[RecurrentTape.P + 1];
      for (int i = 0; i < in.length; i++) {
        in[i] = g.input(i);
      }
      tape.run(in, g.exec(), (key, size) -> g.scratch(TAPE_KEYS + key, size), false);
    }
    if (tape.seqLen == 0 || tape.batch == 0) {
      return;
    }
    Ctx c = new Ctx(g, tape);
    for (int d = 0; d < tape.spec.directions; d++) {
      c.direction(d);
    }
  }

  /** True when {@code tape} recorded the forward whose outputs the session holds. */
  private static boolean current(RecurrentTape tape, GradContext g) {
    boolean any = false;
    for (int i = 0; i < 3; i++) {
      if (tape.spec.outputs[i]) {
        if (tape.outputs[i] == null || tape.outputs[i] != g.output(i)) {
          return false;
        }
        any = true;
      }
    }
    return any;
  }

  /** One backward call: the gradients wanted and the scratch. */
  private static final class Ctx {
    final GradContext g;
    final RecurrentTape tp;
    final RecurrentAttributes spec;
    final ExecContext ec;
    final int n;
    final int gh;
    final int batch;
    final int steps;
    final int rows;
    final float[] x;
    final float[] w;
    final float[] r;
    final float[] peep;
    final float[] dY;
    final float[] dYh;
    final float[] dYc;
    final float[] dX;
    final float[] dW;
    final float[] dR;
    final float[] dB;
    final float[] dH0;
    final float[] dC0;
    final float[] dP;
    /** Whether dX still needs writing rather than adding (first direction, fresh buffer). */
    boolean overwriteX;

    Ctx(GradContext g, RecurrentTape tp) {
      this.g = g;
      this.tp = tp;
      this.spec = tp.spec;
      this.ec = g.exec();
      this.n = tp.hidden;
      this.gh = spec.type.gates() * n;
      this.batch = tp.batch;
      this.steps = tp.steps;
      this.rows = tp.seqLen * tp.batch;
      boolean lstm = spec.type == RecurrentLayer.Type.LSTM;
      x = g.input(RecurrentTape.X).floats();
      w = g.input(RecurrentTape.W).floats();
      r = g.input(RecurrentTape.R).floats();
      Tensor p = lstm ? g.input(RecurrentTape.P) : null;
      peep = p == null ? null : p.floats();
      dY = spec.outputs[0] ? g.outputGrad(0) : null;
      dYh = spec.outputs[1] ? g.outputGrad(1) : null;
      dYc = spec.outputs[2] ? g.outputGrad(2) : null;
      overwriteX = g.canOverwrite(RecurrentTape.X);
      dX = overwriteX ? g.overwriteGrad(RecurrentTape.X) : want(RecurrentTape.X);
      dW = want(RecurrentTape.W);
      dR = want(RecurrentTape.R);
      dB = want(RecurrentTape.B);
      dH0 = want(RecurrentTape.INITIAL_H);
      dC0 = lstm ? want(RecurrentTape.INITIAL_C) : null;
      dP = lstm ? want(RecurrentTape.P) : null;
    }

    private float[] want(int i) {
      return g.input(i) != null && g.needsGrad(i) ? g.inputGrad(i) : null;
    }

    /**
     * Backward of direction d: the steps in reverse, each followed by its weight products while
     * its operands are in cache.
     */
    void direction(int d) {
      int bn = batch * n;
      float[] dA = g.scratch(K_DA, batch * gh);
      boolean lbr = spec.linearBeforeReset;
      float[] dRec = lbr ? g.scratch(K_DREC, batch * gh) : dA;
      float[] dH = g.scratch(K_DH, bn);
      float[] dHp = g.scratch(K_DHP, bn);
      boolean lstm = spec.type == RecurrentLayer.Type.LSTM;
      float[] dC = lstm ? g.scratch(K_DC, bn) : null;
      float[] dCp = lstm ? g.scratch(K_DCP, bn) : null;
      float[] tmp = g.scratch(K_TMP, Math.max(bn, n));
      float[] dPacc = null;
      if (dP != null && peep != null) {
        dPacc = g.scratch(K_DP, 3 * n);
        Arrays.fill(dPacc, 0, 3 * n, 0f);
      }
      float[] sum = null;
      if (dB != null) {
        sum = g.scratch(K_SUM, 2 * gh);
        Arrays.fill(sum, 0, 2 * gh, 0f);
      }
      int in = tp.input;
      float[] xs = dW != null || dX != null ? g.scratch(K_XS, batch * in) : null;
      float[] dxs = dX != null ? g.scratch(K_DXS, batch * in) : null;
      boolean blocks = tp.lens == null && !spec.batchMajor; // each step's X rows one block
      if (dX != null && overwriteX && !blocks) {
        Arrays.fill(dX, 0, rows * in, 0f);
        overwriteX = false;
      }
      for (int b = 0; b < batch; b++) {
        int so = tp.stateOff(d, b);
        boolean ran = tp.len(b) > 0;
        if (dYh != null && ran) {
          System.arraycopy(dYh, so, dH, b * n, n);
        } else {
          Arrays.fill(dH, b * n, (b + 1) * n, 0f);
        }
        if (lstm) {
          if (dYc != null && ran) {
            System.arraycopy(dYc, so, dC, b * n, n);
          } else {
            Arrays.fill(dC, b * n, (b + 1) * n, 0f);
          }
        }
      }
      List<RnnActivation> acts = spec.activations.get(d);
      int rOff = d * gh * n;
      int wOff = d * gh * in;
      int hsOff = d * (steps + 1) * bn;
      int gOff = d * steps * batch * gh;
      int auxOff = d * steps * bn;
      for (int s = steps - 1; s >= 0; s--) {
        if (dY != null) {
          for (int b = 0; b < batch; b++) {
            if (tp.active(s, b)) {
              int yo = tp.yOff(tp.time(d, s, b), d, b);
              int ho = b * n;
              for (int j = 0; j < n; j++) {
                dH[ho + j] += dY[yo + j];
              }
            }
          }
        }
        int aS = gOff + s * batch * gh;
        int hp = hsOff + s * bn;
        int auxS = auxOff + s * bn;
        boolean needPrev = s > 0 || dH0 != null || dC0 != null;
        switch (spec.type) {
          case LSTM:
            for (int b = 0; b < batch; b++) {
              int ho = b * n;
              if (!tp.active(s, b)) {
                Arrays.fill(dA, b * gh, (b + 1) * gh, 0f);
                System.arraycopy(dH, ho, dHp, ho, n);
                System.arraycopy(dC, ho, dCp, ho, n);
                continue;
              }
              lstmRow(acts, d, dA, b * gh, aS + b * gh, hp + ho, auxS + ho, dH, dC, dCp, ho, tmp,
                  dPacc);
              Arrays.fill(dHp, ho, ho + n, 0f);
            }
            if (needPrev) {
              Gemm.sgemm(ec, false, false, batch, n, gh, 1f, dA, 0, gh, r, rOff, n, 1f, dHp, 0, n);
            }
            break;
          case RNN:
            for (int b = 0; b < batch; b++) {
              int ho = b * n;
              if (!tp.active(s, b)) {
                Arrays.fill(dA, ho, ho + n, 0f);
                System.arraycopy(dH, ho, dHp, ho, n);
                continue;
              }
              GateMath.backprop(acts.get(0), spec.clip, dH, ho, tp.a, aS + ho, tp.gt, aS + ho, dA,
                  ho, n);
              Arrays.fill(dHp, ho, ho + n, 0f);
            }
            if (needPrev) {
              Gemm.sgemm(ec, false, false, batch, n, n, 1f, dA, 0, n, r, rOff, n, 1f, dHp, 0, n);
            }
            break;
          default:
            if (lbr) {
              gruLinearStep(acts, s, dA, dRec, 0, aS, hp, auxS, dH, dHp);
              if (needPrev) {
                Gemm.sgemm(ec, false, false, batch, n, gh, 1f, dRec, 0, gh, r, rOff, n, 1f, dHp,
                    0, n);
              }
            } else {
              gruResetStep(acts, s, dA, 0, aS, hp, dH, dHp, tmp, rOff);
              if (needPrev) {
                Gemm.sgemm(ec, false, false, batch, n, 2 * n, 1f, dA, 0, gh, r, rOff, n, 1f, dHp,
                    0, n);
              }
            }
        }
        weightProducts(d, s, dA, dRec, hp, auxS, rOff, wOff, sum, xs, dxs);
        float[] t = dH;
        dH = dHp;
        dHp = t;
        if (lstm) {
          t = dC;
          dC = dCp;
          dCp = t;
        }
      }
      if (dX != null && blocks) {
        overwriteX = false;
      }
      finish(d, dH, dC, dPacc, sum);
    }

    /** dR, dB, dW and dX contributions of step s ({@code dA} and {@code dRec} of that step). */
    private void weightProducts(int d, int s, float[] dA, float[] dRec, int hp, int auxS,
        int rOff, int wOff, float[] sum, float[] xs, float[] dxs) {
      if (dR != null) {
        if (spec.type == RecurrentLayer.Type.GRU && !spec.linearBeforeReset) {
          Gemm.sgemm(ec, true, false, 2 * n, n, batch, 1f, dA, 0, gh, tp.hs, hp, n, 1f, dR, rOff,
              n);
          Gemm.sgemm(ec, true, false, n, n, batch, 1f, dA, 2 * n, gh, tp.aux, auxS, n, 1f, dR,
              rOff + 2 * n * n, n);
        } else {
          Gemm.sgemm(ec, true, false, gh, n, batch, 1f, dRec, 0, gh, tp.hs, hp, n, 1f, dR, rOff,
              n);
        }
      }
      if (sum != null) {
        for (int b = 0; b < batch; b++) {
          int o = b * gh;
          for (int i = 0; i < gh; i++) {
            sum[i] += dA[o + i];
          }
          if (dRec != dA) { // GRU with linear_before_reset: Rb_h's gradient differs from Wb_h's
            for (int i = 0; i < gh; i++) {
              sum[gh + i] += dRec[o + i];
            }
          }
        }
      }
      if (dW == null && dX == null) {
        return;
      }
      int in = tp.input;
      int xo = tp.stepRows(d, s, x, xs);
      if (dW != null) {
        Gemm.sgemm(ec, true, false, gh, in, batch, 1f, dA, 0, gh, xo < 0 ? xs : x, Math.max(0, xo),
            in, 1f, dW, wOff, in);
      }
      if (dX != null) {
        if (xo >= 0) {
          Gemm.sgemm(ec, false, false, batch, in, gh, 1f, dA, 0, gh, w, wOff, in,
              overwriteX ? 0f : 1f, dX, xo, in);
        } else {
          Gemm.sgemm(ec, false, false, batch, in, gh, 1f, dA, 0, gh, w, wOff, in, 0f, dxs, 0, in);
          for (int b = 0; b < batch; b++) {
            if (tp.active(s, b)) {
              int o = tp.xRow(tp.time(d, s, b), b) * in;
              for (int k = 0; k < in; k++) {
                dX[o + k] += dxs[b * in + k];
              }
            }
          }
        }
      }
    }

    /** LSTM backward of one active row of one step. */
    private void lstmRow(List<RnnActivation> acts, int d, float[] dA, int dr, int ar, int prev,
        int hcOff, float[] dH, float[] dC, float[] dCp, int ho, float[] dCt, float[] dPacc) {
      RnnActivation f = acts.get(0);
      RnnActivation gAct = acts.get(1);
      RnnActivation h = acts.get(2);
      float clip = spec.clip;
      float[] gt = tp.gt;
      float[] hc = tp.hc;
      float[] cs = tp.cs;
      int next = prev + batch * n;
      boolean tanh = h.kind() == RnnActivation.Kind.TANH;
      for (int j = 0; j < n; j++) {
        float dh = dH[ho + j];
        float hv = hc[hcOff + j];
        float dhc = tanh ? 1f - hv * hv : GateMath.derivative(h, cs[next + j], hv);
        dA[dr + n + j] = dh * hv;
        dCt[j] = dC[ho + j] + dh * gt[ar + n + j] * dhc;
      }
      GateMath.backprop(f, clip, dA, dr + n, tp.a, ar + n, gt, ar + n, dA, dr + n, n);
      int pOff = d * 3 * n;
      if (peep != null) {
        for (int j = 0; j < n; j++) {
          dCt[j] += dA[dr + n + j] * peep[pOff + n + j];
        }
      }
      boolean coupled = spec.inputForget;
      for (int j = 0; j < n; j++) {
        float dct = dCt[j];
        float cPrev = cs[prev + j];
        float dF = dct * cPrev;
        float dI = dct * gt[ar + 3 * n + j];
        dA[dr + j] = coupled ? dI - dF : dI;
        dA[dr + 2 * n + j] = coupled ? 0f : dF;
        dA[dr + 3 * n + j] = dct * gt[ar + j];
        dCp[ho + j] = dct * gt[ar + 2 * n + j];
      }
      GateMath.backprop(f, clip, dA, dr, tp.a, ar, gt, ar, dA, dr, n);
      if (!coupled) {
        GateMath.backprop(f, clip, dA, dr + 2 * n, tp.a, ar + 2 * n, gt, ar + 2 * n, dA,
            dr + 2 * n, n);
      }
      GateMath.backprop(gAct, clip, dA, dr + 3 * n, tp.a, ar + 3 * n, gt, ar + 3 * n, dA,
          dr + 3 * n, n);
      if (peep != null) {
        for (int j = 0; j < n; j++) {
          float cPrev = cs[prev + j];
          float dai = dA[dr + j];
          float daf = dA[dr + 2 * n + j];
          dCp[ho + j] += dai * peep[pOff + j] + daf * peep[pOff + 2 * n + j];
          if (dPacc != null) {
            dPacc[j] += dai * cPrev;
            dPacc[2 * n + j] += daf * cPrev;
            dPacc[n + j] += dA[dr + n + j] * cs[next + j];
          }
        }
      }
    }

    /**
     * The part of a GRU step both variants share, for one active row: H = (1 - z) h~ + z H_{t-1}
     * gives dz (pre-activation, left for the caller's f backprop), dh~ through g, and the direct
     * z * dH share of dH_{t-1}.
     */
    private void updateAndCandidate(RnnActivation gAct, float[] dA, int dr, int ar, int hp, int ho,
        float[] dH, float[] dHp) {
      float[] gt = tp.gt;
      float[] hs = tp.hs;
      for (int j = 0; j < n; j++) {
        float dh = dH[ho + j];
        float z = gt[ar + j];
        dA[dr + j] = dh * (hs[hp + ho + j] - gt[ar + 2 * n + j]);
        dA[dr + 2 * n + j] = dh * (1f - z);
        dHp[ho + j] = dh * z;
      }
      GateMath.backprop(gAct, spec.clip, dA, dr + 2 * n, tp.a, ar + 2 * n, gt, ar + 2 * n, dA,
          dr + 2 * n, n);
    }

    /** GRU (linear_before_reset = 0) backward of step s, all rows. */
    private void gruResetStep(List<RnnActivation> acts, int s, float[] dA, int dS, int aS, int hp,
        float[] dH, float[] dHp, float[] dRH, int rOff) {
      RnnActivation f = acts.get(0);
      RnnActivation gAct = acts.get(1);
      float[] gt = tp.gt;
      float[] hs = tp.hs;
      for (int b = 0; b < batch; b++) {
        int ho = b * n;
        int dr = dS + b * gh;
        int ar = aS + b * gh;
        if (!tp.active(s, b)) {
          Arrays.fill(dA, dr, dr + gh, 0f);
          System.arraycopy(dH, ho, dHp, ho, n);
          continue;
        }
        updateAndCandidate(gAct, dA, dr, ar, hp, ho, dH, dHp);
      }
      // d(r*H_{t-1}) = dA_h R_h
      Gemm.sgemm(ec, false, false, batch, n, n, 1f, dA, dS + 2 * n, gh, r, rOff + 2 * n * n, n, 0f,
          dRH, 0, n);
      for (int b = 0; b < batch; b++) {
        if (!tp.active(s, b)) {
          continue;
        }
        int ho = b * n;
        int dr = dS + b * gh;
        int ar = aS + b * gh;
        for (int j = 0; j < n; j++) {
          float drh = dRH[ho + j];
          dA[dr + n + j] = drh * hs[hp + ho + j];
          dHp[ho + j] += drh * gt[ar + n + j];
        }
        GateMath.backprop(f, spec.clip, dA, dr, tp.a, ar, gt, ar, dA, dr, 2 * n);
      }
    }

    /** GRU (linear_before_reset = 1) backward of step s, all rows. */
    private void gruLinearStep(List<RnnActivation> acts, int s, float[] dA, float[] dRec, int dS,
        int aS, int hp, int auxS, float[] dH, float[] dHp) {
      RnnActivation f = acts.get(0);
      RnnActivation gAct = acts.get(1);
      float[] gt = tp.gt;
      float[] lin = tp.aux;
      for (int b = 0; b < batch; b++) {
        int ho = b * n;
        int dr = dS + b * gh;
        int ar = aS + b * gh;
        if (!tp.active(s, b)) {
          Arrays.fill(dA, dr, dr + gh, 0f);
          Arrays.fill(dRec, dr, dr + gh, 0f);
          System.arraycopy(dH, ho, dHp, ho, n);
          continue;
        }
        updateAndCandidate(gAct, dA, dr, ar, hp, ho, dH, dHp);
        int lo = auxS + ho;
        for (int j = 0; j < n; j++) {
          float dah = dA[dr + 2 * n + j];
          dA[dr + n + j] = dah * lin[lo + j];
          dRec[dr + 2 * n + j] = dah * gt[ar + n + j];
        }
        GateMath.backprop(f, spec.clip, dA, dr, tp.a, ar, gt, ar, dA, dr, 2 * n);
        System.arraycopy(dA, dr, dRec, dr, 2 * n);
      }
    }

    /** Initial-state, peephole and bias gradients of direction d, after its last step. */
    private void finish(int d, float[] dH, float[] dC, float[] dPacc, float[] sum) {
      for (int b = 0; b < batch; b++) {
        int so = tp.stateOff(d, b);
        int ho = b * n;
        if (dH0 != null) {
          for (int j = 0; j < n; j++) {
            dH0[so + j] += dH[ho + j];
          }
        }
        if (dC0 != null) {
          for (int j = 0; j < n; j++) {
            dC0[so + j] += dC[ho + j];
          }
        }
      }
      if (dPacc != null) {
        for (int j = 0; j < 3 * n; j++) {
          dP[d * 3 * n + j] += dPacc[j];
        }
      }
      if (sum != null) {
        int bo = d * 2 * gh;
        boolean apart = spec.linearBeforeReset;
        for (int i = 0; i < gh; i++) {
          dB[bo + i] += sum[i];
          dB[bo + gh + i] += apart ? sum[gh + i] : sum[i];
        }
      }
    }
  }
}
