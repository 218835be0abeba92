package org.quantlens.engine.train.grad;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.Gemm;
import org.quantlens.engine.kernels.RecurrentLayer;
import org.quantlens.engine.kernels.RnnActivation;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.RecurrentAttributes;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The training forward of LSTM, GRU and RNN, keeping what backpropagation through time needs: per
 * direction and processing step, the hidden (and LSTM cell) states, the clipped gate arguments and
 * the gate values. Each step does its input and recurrent products on the GEMM and the gate math
 * on {@link GateMath}.
 *
 * <p>Buffers are indexed by processing step {@code s} (step {@code s} of a reverse direction is
 * time {@code len - 1 - s}); rows past their {@code sequence_lens} are frozen (state carried
 * over, gates not computed), so Y_h is the state after the last step for every row. Buffers come
 * from a {@link Buffers} and are reused from call to call: the steady state does not allocate
 * beyond the outputs.
 */
final class RecurrentTape {
  static final int X = 0;
  static final int W = 1;
  static final int R = 2;
  static final int B = 3;
  static final int SEQ_LENS = 4;
  static final int INITIAL_H = 5;
  static final int INITIAL_C = 6;
  static final int P = 7;

  /** Where the tape's arrays come from: a float array of at least {@code size} for slot {@code key}. */
  @FunctionalInterface
  interface Buffers {
    float[] get(int key, int size);
  }

  final RecurrentAttributes spec;
  int seqLen;
  int batch;
  int input;
  int hidden;
  /** Processing steps: the longest sequence. */
  int steps;
  /** Per batch row its length, or null when all are {@code seqLen}. */
  int[] lens;
  private int[] lensBuf = new int[0];
  /** Per direction {@code (steps+1) x N x H}: state before step 0 (h0) and after each step. */
  float[] hs;
  /** LSTM: cell states, like {@link #hs}. */
  float[] cs;
  /** LSTM: per direction {@code steps x N x H}, h(C) (the output activation of the cell). */
  float[] hc;
  /** Per direction {@code steps x N x gates*H}: gate arguments (clipped). */
  float[] a;
  /** Per direction {@code steps x N x gates*H}: gate values (LSTM f = 1 - i with input_forget). */
  float[] gt;
  /**
   * GRU, per direction {@code steps x N x H}: {@code r * H_{t-1}} (linear_before_reset = 0) or
   * {@code H_{t-1} R_h^T + Rb_h} (linear_before_reset = 1).
   */
  float[] aux;
  /** The output tensors this tape's run produced (to tell a stale tape from the current one). */
  final Tensor[] outputs = new Tensor[3];

  RecurrentTape(RecurrentAttributes spec) {
    this.spec = spec;
  }

  boolean active(int s, int b) {
    return s < len(b);
  }

  int len(int b) {
    return lens == null ? seqLen : lens[b];
  }

  /** Time index of processing step s of row b in direction d. */
  int time(int d, int s, int b) {
    return d == 1 || spec.reverse ? len(b) - 1 - s : s;
  }

  int xRow(int t, int b) {
    return spec.batchMajor ? b * seqLen + t : t * batch + b;
  }

  int stateOff(int d, int b) {
    return (spec.batchMajor ? b * spec.directions + d : d * batch + b) * hidden;
  }

  int yOff(int t, int d, int b) {
    return (spec.batchMajor ? (b * seqLen + t) * spec.directions + d
        : (t * spec.directions + d) * batch + b) * hidden;
  }

  /**
   * Runs the layer on {@code in} (X, W, R, B, sequence_lens, initial_h, initial_c, P; absent ones
   * null), recording the tape. Returns Y, Y_h (and Y_c for LSTM), allocated on {@code ec}, when
   * {@code produce}; otherwise records only.
   */
  Tensor[] run(Tensor[] in, ExecContext ec, Buffers buf, boolean produce) {
    RecurrentAttributes s = spec;
    Tensor x = at(in, X);
    Tensor w = at(in, W);
    Tensor r = at(in, R);
    Tensor bias = at(in, B);
    Tensor peep = s.type == RecurrentLayer.Type.LSTM ? at(in, P) : null;
    if (x.rank() != 3 || x.dtype() != DType.F32) {
      throw new ShapeMismatchException(s.node + ": training needs X as a rank-3 float32 tensor, got "
          + x.dtype() + Arrays.toString(x.shape()));
    }
    if (r.rank() != 3 || w.rank() != 3) {
      throw new ShapeMismatchException(s.node + ": W and R must have rank 3, got "
          + Arrays.toString(w.shape()) + " and " + Arrays.toString(r.shape()));
    }
    int d2 = s.directions;
    hidden = s.hiddenAttr > 0 ? s.hiddenAttr : r.dim(2);
    int n = hidden;
    int gh = s.type.gates() * n;
    input = w.dim(2);
    seqLen = s.batchMajor ? x.dim(1) : x.dim(0);
    batch = s.batchMajor ? x.dim(0) : x.dim(1);
    expect("W", w, d2, gh, input);
    expect("R", r, d2, gh, n);
    if (bias != null) {
      expect("B", bias, d2, 2 * gh);
    }
    if (peep != null) {
      expect("P", peep, d2, 3 * n);
    }
    if (x.dim(2) != input) {
      throw new ShapeMismatchException(s.node + ": X has input size " + x.dim(2)
          + " but W expects " + input);
    }
    for (Tensor t : new Tensor[] {w, r, bias, peep}) {
      if (t != null && t.dtype() != DType.F32) {
        throw new ShapeMismatchException(s.node + ": training needs float32 weights, got "
            + t.dtype());
      }
    }
    int[] stateShape = s.batchMajor ? new int[] {batch, d2, n} : new int[] {d2, batch, n};
    readLens(at(in, SEQ_LENS));
    Tensor h0 = at(in, INITIAL_H);
    Tensor c0 = s.type == RecurrentLayer.Type.LSTM ? at(in, INITIAL_C) : null;
    if (h0 != null) {
      expect("initial_h", h0, stateShape);
    }
    if (c0 != null) {
      expect("initial_c", c0, stateShape);
    }
    Arrays.fill(outputs, null);
    Tensor y = null;
    Tensor yh = null;
    Tensor yc = null;
    if (produce) {
      y = s.outputs[0] ? ec.allocate(DType.F32, s.batchMajor
          ? new int[] {batch, seqLen, d2, n} : new int[] {seqLen, d2, batch, n}) : null;
      yh = s.outputs[1] ? ec.allocate(DType.F32, stateShape) : null;
      yc = s.outputs[2] ? ec.allocate(DType.F32, stateShape) : null;
      outputs[0] = y;
      outputs[1] = yh;
      outputs[2] = yc;
    }
    int bn = batch * n;
    int stateSize = (steps + 1) * bn;
    hs = buf.get(0, d2 * stateSize);
    a = buf.get(1, d2 * steps * batch * gh);
    gt = buf.get(2, d2 * steps * batch * gh);
    if (s.type == RecurrentLayer.Type.LSTM) {
      cs = buf.get(3, d2 * stateSize);
      hc = buf.get(4, d2 * steps * bn);
    }
    if (s.type == RecurrentLayer.Type.GRU) {
      aux = buf.get(5, d2 * steps * bn);
    }
    float[] xs = buf.get(6, batch * input);
    float[] bsum = buf.get(7, gh + n);
    for (int d = 0; d < d2 && seqLen > 0 && batch > 0; d++) {
      direction(d, ec, x.floats(), w.floats(), r.floats(), bias == null ? null : bias.floats(),
          peep == null ? null : peep.floats(), h0 == null ? null : h0.floats(),
          c0 == null ? null : c0.floats(), xs, bsum, y, yh, yc);
    }
    return s.type == RecurrentLayer.Type.LSTM ? new Tensor[] {y, yh, yc} : new Tensor[] {y, yh};
  }

  private static Tensor at(Tensor[] in, int i) {
    return i < in.length ? in[i] : null;
  }

  private void readLens(Tensor sl) {
    lens = null;
    steps = seqLen;
    if (sl == null) {
      return;
    }
    expect("sequence_lens", sl, batch);
    if (lensBuf.length < batch) {
      lensBuf = new int[batch];
    }
    int max = 0;
    for (int b = 0; b < batch; b++) {
      long v = sl.getLong(b);
      if (v < 0 || v > seqLen) {
        throw new ShapeMismatchException(spec.node + ": sequence_lens[" + b + "] = " + v
            + " is outside [0, " + seqLen + "]");
      }
      lensBuf[b] = (int) v;
      max = Math.max(max, (int) v);
    }
    lens = lensBuf;
    steps = max;
  }

  private void expect(String name, Tensor t, int... shape) {
    if (!Arrays.equals(t.shape(), shape)) {
      throw new ShapeMismatchException(spec.node + ": " + name + " must have shape "
          + Arrays.toString(shape) + ", got " + Arrays.toString(t.shape()));
    }
  }

  /** Forward of direction d over every step, recording the tape. */
  private void direction(int d, ExecContext ec, float[] x, float[] w, float[] r, float[] bias,
      float[] peep, float[] h0, float[] c0, float[] xs, float[] bsum, Tensor y, Tensor yh,
      Tensor yc) {
    RecurrentAttributes s = spec;
    int n = hidden;
    int gh = s.type.gates() * n;
    int bn = batch * n;
    boolean gru = s.type == RecurrentLayer.Type.GRU;
    boolean lstm = s.type == RecurrentLayer.Type.LSTM;
    boolean lbr = s.linearBeforeReset;
    int wOff = d * gh * input;
    int rOff = d * gh * n;
    // bias of the input projection: Wb + Rb, except GRU's R_h bias with linear_before_reset,
    // which sits inside the reset product (kept at bsum[gh..gh+n))
    for (int i = 0; i < gh; i++) {
      bsum[i] = bias == null ? 0f : bias[d * 2 * gh + i] + bias[d * 2 * gh + gh + i];
    }
    if (lbr) {
      for (int i = 0; i < n; i++) {
        bsum[2 * n + i] = bias == null ? 0f : bias[d * 2 * gh + 2 * n + i];
        bsum[gh + i] = bias == null ? 0f : bias[d * 2 * gh + gh + 2 * n + i];
      }
    }
    int hsOff = d * (steps + 1) * bn;
    int gOff = d * steps * batch * gh;
    int auxOff = d * steps * bn;
    for (int b = 0; b < batch; b++) {
      int so = stateOff(d, b);
      if (h0 != null) {
        System.arraycopy(h0, so, hs, hsOff + b * n, n);
      } else {
        Arrays.fill(hs, hsOff + b * n, hsOff + (b + 1) * n, 0f);
      }
      if (lstm) {
        if (c0 != null) {
          System.arraycopy(c0, so, cs, hsOff + b * n, n);
        } else {
          Arrays.fill(cs, hsOff + b * n, hsOff + (b + 1) * n, 0f);
        }
      }
    }
    java.util.List<RnnActivation> acts = s.activations.get(d);
    RnnActivation f = acts.get(0);
    RnnActivation g = acts.size() > 1 ? acts.get(1) : null;
    RnnActivation h = acts.size() > 2 ? acts.get(2) : null;
    float clip = s.clip;
    int pOff = d * 3 * n;
    for (int st = 0; st < steps; st++) {
      int hp = hsOff + st * bn;
      int hn = hp + bn;
      int aS = gOff + st * batch * gh;
      // A_s = bias + X_s W^T: one GEMM per step (the whole-sequence product is slower: its
      // output does not stay in cache)
      for (int b = 0; b < batch; b++) {
        System.arraycopy(bsum, 0, a, aS + b * gh, gh);
      }
      int xo = stepRows(d, st, x, xs);
      Gemm.sgemm(ec, false, true, batch, gh, input, 1f, xo < 0 ? xs : x, Math.max(0, xo), input, w,
          wOff, input, 1f, a, aS, gh);
      int auxS = auxOff + st * bn;
      if (gru) {
        Gemm.sgemm(ec, false, true, batch, 2 * n, n, 1f, hs, hp, n, r, rOff, n, 1f, a, aS, gh);
        if (lbr) {
          for (int b = 0; b < batch; b++) {
            System.arraycopy(bsum, gh, aux, auxS + b * n, n);
          }
          Gemm.sgemm(ec, false, true, batch, n, n, 1f, hs, hp, n, r, rOff + 2 * n * n, n, 1f, aux,
              auxS, n);
        }
        for (int b = 0; b < batch; b++) {
          int ar = aS + b * gh;
          int xr = auxS + b * n;
          if (!active(st, b)) {
            if (!lbr) {
              Arrays.fill(aux, xr, xr + n, 0f); // r*H of a frozen row: finite, unused
            }
            continue;
          }
          GateMath.activate(f, clip, a, ar, gt, ar, 2 * n);
          if (!lbr) {
            for (int j = 0; j < n; j++) {
              aux[xr + j] = gt[ar + n + j] * hs[hp + b * n + j];
            }
          } else {
            for (int j = 0; j < n; j++) {
              a[ar + 2 * n + j] += gt[ar + n + j] * aux[xr + j];
            }
          }
        }
        if (!lbr) {
          Gemm.sgemm(ec, false, true, batch, n, n, 1f, aux, auxS, n, r, rOff + 2 * n * n, n, 1f,
              a, aS + 2 * n, gh);
        }
        for (int b = 0; b < batch; b++) {
          int ar = aS + b * gh;
          int ho = b * n;
          if (!active(st, b)) {
            System.arraycopy(hs, hp + ho, hs, hn + ho, n);
            continue;
          }
          GateMath.activate(g, clip, a, ar + 2 * n, gt, ar + 2 * n, n);
          for (int j = 0; j < n; j++) {
            float z = gt[ar + j];
            hs[hn + ho + j] = (1f - z) * gt[ar + 2 * n + j] + z * hs[hp + ho + j];
          }
        }
      } else if (lstm) {
        Gemm.sgemm(ec, false, true, batch, gh, n, 1f, hs, hp, n, r, rOff, n, 1f, a, aS, gh);
        int hcS = auxOff + st * bn;
        for (int b = 0; b < batch; b++) {
          int ho = b * n;
          if (!active(st, b)) {
            System.arraycopy(hs, hp + ho, hs, hn + ho, n);
            System.arraycopy(cs, hp + ho, cs, hn + ho, n);
            continue;
          }
          lstmCell(f, g, h, clip, peep, pOff, aS + b * gh, hp + ho, hn + ho, hcS + ho);
        }
      } else {
        Gemm.sgemm(ec, false, true, batch, n, n, 1f, hs, hp, n, r, rOff, n, 1f, a, aS, n);
        for (int b = 0; b < batch; b++) {
          int ho = b * n;
          if (!active(st, b)) {
            System.arraycopy(hs, hp + ho, hs, hn + ho, n);
            continue;
          }
          GateMath.activate(f, clip, a, aS + ho, gt, aS + ho, n);
          System.arraycopy(gt, aS + ho, hs, hn + ho, n);
        }
      }
      if (y != null) {
        float[] yv = y.floats();
        for (int b = 0; b < batch; b++) {
          if (active(st, b)) {
            System.arraycopy(hs, hn + b * n, yv, yOff(time(d, st, b), d, b), n);
          }
        }
      }
    }
    int last = hsOff + steps * bn;
    for (int b = 0; b < batch; b++) {
      if (len(b) == 0) {
        continue; // no step ran: Y_h and Y_c stay zero, as the engine's operator gives
      }
      if (yh != null) {
        System.arraycopy(hs, last + b * n, yh.floats(), stateOff(d, b), n);
      }
      if (yc != null) {
        System.arraycopy(cs, last + b * n, yc.floats(), stateOff(d, b), n);
      }
    }
  }

  /**
   * The X rows of processing step s of direction d: their offset in {@code x} when they are one
   * contiguous block (time-major, no sequence_lens), else -1 after gathering them into
   * {@code xs} (zero rows where no step runs).
   */
  int stepRows(int d, int s, float[] x, float[] xs) {
    if (lens == null && !spec.batchMajor) {
      return time(d, s, 0) * batch * input;
    }
    for (int b = 0; b < batch; b++) {
      if (active(s, b)) {
        System.arraycopy(x, xRow(time(d, s, b), b) * input, xs, b * input, input);
      } else {
        Arrays.fill(xs, b * input, (b + 1) * input, 0f);
      }
    }
    return -1;
  }

  /** One LSTM step for one row: gate row at {@code ar}, states at {@code prev}/{@code next}. */
  private void lstmCell(RnnActivation f, RnnActivation g, RnnActivation h, float clip, float[] peep,
      int pOff, int ar, int prev, int next, int hcOff) {
    int n = hidden;
    if (peep != null) {
      for (int j = 0; j < n; j++) {
        float c = cs[prev + j];
        a[ar + j] += peep[pOff + j] * c;
        a[ar + 2 * n + j] += peep[pOff + 2 * n + j] * c;
      }
      GateMath.activate(f, clip, a, ar, gt, ar, n);
      GateMath.activate(f, clip, a, ar + 2 * n, gt, ar + 2 * n, n);
    } else {
      GateMath.activate(f, clip, a, ar, gt, ar, 3 * n); // i, o, f together
    }
    GateMath.activate(g, clip, a, ar + 3 * n, gt, ar + 3 * n, n);
    if (spec.inputForget) {
      for (int j = 0; j < n; j++) {
        gt[ar + 2 * n + j] = 1f - gt[ar + j];
      }
    }
    for (int j = 0; j < n; j++) {
      cs[next + j] = gt[ar + 2 * n + j] * cs[prev + j] + gt[ar + j] * gt[ar + 3 * n + j];
    }
    if (peep != null) {
      for (int j = 0; j < n; j++) {
        a[ar + n + j] += peep[pOff + n + j] * cs[next + j];
      }
      GateMath.activate(f, clip, a, ar + n, gt, ar + n, n);
    }
    GateMath.activate(h, Float.POSITIVE_INFINITY, cs, next, hc, hcOff, n);
    for (int j = 0; j < n; j++) {
      hs[next + j] = gt[ar + n + j] * hc[hcOff + j];
    }
  }
}
