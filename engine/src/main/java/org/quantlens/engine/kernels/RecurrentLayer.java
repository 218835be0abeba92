package org.quantlens.engine.kernels;

import java.util.List;

/**
 * One ONNX recurrent layer (LSTM, GRU or simple RNN, one or two directions) with its weights
 * prepared once: runs a whole sequence batch.
 *
 * <p>How it runs: W and R are packed once, at load, into the GEMM's panel layout
 * ({@link Gemm#packB}) and the two bias vectors summed. The input projection {@code X W^T} of
 * every time step is one GEMM per direction, up front; then each step does only the recurrent
 * product {@code H_{t-1} R^T} and a {@link RecurrentCells} kernel for the gate math. Batch rows are independent, so the recurrence
 * is split into tasks of (direction, block of batch rows), about two per thread, each running all
 * its steps, with one fork for the whole sequence; a lone task (one direction, small batch) lets the
 * GEMM spread each step's product instead. Every row's numbers are the same whichever block it
 * falls in (the GEMM sums a row of C the same way whatever m is), so results never depend on the
 * thread count. Scratch is allocated once per call, never inside the time loop. Immutable and
 * thread-safe.
 */
public final class RecurrentLayer {
  /** The three ONNX recurrent ops, with their number of gates. */
  public enum Type {
    LSTM(4), GRU(3), RNN(1);

    private final int gates;

    Type(int gates) {
      this.gates = gates;
    }

    /** Gates per hidden unit (LSTM i,o,f,c; GRU z,r,h; RNN one). */
    public int gates() {
      return gates;
    }
  }

  /** Fewest batch rows worth a task of their own (the recurrent GEMM reuses R across rows). */
  static final int MIN_ROWS_PER_TASK = 4;

  private final Type type;
  private final int hidden;
  private final int input;
  private final int directions;
  private final boolean reverse;
  private final boolean linearBeforeReset;
  /** Per direction, W^T packed for the GEMM (input x gates*hidden). */
  private final PackedMatrix[] w;
  /**
   * Per direction, R^T packed (hidden x gates*hidden); for GRU without linear_before_reset only
   * the z and r columns, R_h^T being apart in {@link #rh}.
   */
  private final PackedMatrix[] r;
  /** GRU without linear_before_reset: per direction R_h^T packed (hidden x hidden), else null. */
  private final PackedMatrix[] rh;
  private final RecurrentCells.Params[] params;
  private final RecurrentCells cells;

  private RecurrentLayer(Type type, int hidden, int input, int directions, boolean reverse,
      boolean linearBeforeReset, PackedMatrix[] w, PackedMatrix[] r, PackedMatrix[] rh,
      RecurrentCells.Params[] params, RecurrentCells cells) {
    this.type = type;
    this.hidden = hidden;
    this.input = input;
    this.directions = directions;
    this.reverse = reverse;
    this.linearBeforeReset = linearBeforeReset;
    this.w = w;
    this.r = r;
    this.rh = rh;
    this.params = params;
    this.cells = cells;
  }

  /**
   * Prepares a layer: packs W and R for the GEMM and pre-adds the biases. Arrays are in ONNX
   * layout and are only read.
   *
   * @param directions 1 or 2 (bidirectional: direction 0 forward, 1 reverse)
   * @param reverse with one direction, whether it runs backwards
   * @param w {@code [directions, gates*hidden, input]}
   * @param r {@code [directions, gates*hidden, hidden]}
   * @param b {@code [directions, 2*gates*hidden]} (Wb then Rb), or null for zeros
   * @param p LSTM peepholes {@code [directions, 3*hidden]}, or null for none
   * @param activations per direction, the op's list (LSTM f,g,h; GRU f,g; RNN f)
   * @param clip bound of activation arguments, or {@code +Infinity} for none
   * @param inputForget LSTM: couple the input and forget gates
   * @param linearBeforeReset GRU: apply R_h before multiplying by the reset gate
   * @param cells the cell kernel (normally {@link RecurrentCells#get()})
   */
  public static RecurrentLayer of(Type type, int hidden, int input, int directions,
      boolean reverse, float[] w, float[] r, float[] b, float[] p,
      List<List<RnnActivation>> activations, float clip, boolean inputForget,
      boolean linearBeforeReset, RecurrentCells cells) {
    int gh = type.gates * hidden;
    if (w.length < directions * gh * input || r.length < directions * gh * hidden
        || b != null && b.length < directions * 2 * gh
        || p != null && p.length < directions * 3 * hidden) {
      throw new IllegalArgumentException("weight arrays too short for " + type + " with hidden "
          + hidden + ", input " + input + ", directions " + directions);
    }
    RecurrentCells.Params[] params = new RecurrentCells.Params[directions];
    for (int d = 0; d < directions; d++) {
      float[] bias = new float[gh];
      float[] rbh = null;
      if (b != null) {
        int bo = d * 2 * gh;
        for (int i = 0; i < gh; i++) {
          bias[i] = b[bo + i] + b[bo + gh + i]; // Wb + Rb, added once here
        }
      }
      if (type == Type.GRU && linearBeforeReset) {
        // R_h's bias sits inside the reset product, so it stays apart from Wb_h
        rbh = new float[hidden];
        if (b != null) {
          int bo = d * 2 * gh;
          for (int i = 0; i < hidden; i++) {
            bias[2 * hidden + i] = b[bo + 2 * hidden + i];
            rbh[i] = b[bo + gh + 2 * hidden + i];
          }
        }
      }
      float[] peep = null;
      if (p != null && type == Type.LSTM) {
        peep = new float[3 * hidden];
        System.arraycopy(p, d * 3 * hidden, peep, 0, 3 * hidden);
      }
      List<RnnActivation> acts = activations.get(d);
      params[d] = new RecurrentCells.Params(hidden, acts.get(0),
          acts.size() > 1 ? acts.get(1) : null, acts.size() > 2 ? acts.get(2) : null, clip, bias,
          rbh, peep, inputForget);
    }
    boolean splitR = type == Type.GRU && !linearBeforeReset;
    PackedMatrix[] pw = new PackedMatrix[directions];
    PackedMatrix[] pr = new PackedMatrix[directions];
    PackedMatrix[] prh = splitR ? new PackedMatrix[directions] : null;
    for (int d = 0; d < directions; d++) {
      int ro = d * gh * hidden;
      pw[d] = Gemm.packB(true, input, gh, w, d * gh * input, input);
      pr[d] = Gemm.packB(true, hidden, splitR ? 2 * hidden : gh, r, ro, hidden);
      if (splitR) {
        prh[d] = Gemm.packB(true, hidden, hidden, r, ro + 2 * hidden * hidden, hidden);
      }
    }
    return new RecurrentLayer(type, hidden, input, directions, reverse, !splitR && type == Type.GRU,
        pw, pr, prh, params, cells);
  }

  public Type type() {
    return type;
  }

  public int hidden() {
    return hidden;
  }

  public int input() {
    return input;
  }

  public int directions() {
    return directions;
  }

  /**
   * Runs the layer.
   *
   * @param x {@code [seqLen, batch, input]}, or {@code [batch, seqLen, input]} when batchMajor
   * @param lens per batch row, the number of valid steps in {@code [0, seqLen]}; null for all
   * @param h0 initial hidden {@code [directions, batch, hidden]} ({@code [batch, directions,
   *     hidden]} when batchMajor), or null for zeros
   * @param c0 LSTM initial cell, same shape as h0, or null for zeros
   * @param y zero-filled {@code [seqLen, directions, batch, hidden]} ({@code [batch, seqLen,
   *     directions, hidden]} when batchMajor), or null when not wanted; steps past a row's length
   *     stay zero
   * @param yh zero-filled, shaped like h0: the last valid hidden state (zero for length 0), or null
   * @param yc LSTM: zero-filled, like yh: the last valid cell state, or null
   */
  public void run(Parallel par, float[] x, int seqLen, int batch, boolean batchMajor, int[] lens,
      float[] h0, float[] c0, float[] y, float[] yh, float[] yc) {
    if (seqLen == 0 || batch == 0) {
      return;
    }
    int gh = type.gates * hidden;
    int rows = seqLen * batch;
    float[][] xw = new float[directions][];
    for (int d = 0; d < directions; d++) {
      xw[d] = new float[rows * gh];
      Gemm.sgemmPackedB(par, false, rows, 1f, x, 0, input, w[d], 0f, xw[d], 0, gh, null);
    }
    // two blocks per thread: a worker that starts late (shared machine) leaves its second block
    // to the others instead of holding up the whole call
    int perDirection = par.threads() == 1 ? 1 : (2 * par.threads() + directions - 1) / directions;
    int blocks = Math.max(1, Math.min(perDirection, batch / MIN_ROWS_PER_TASK));
    int tasks = directions * blocks;
    Parallel inner = tasks == 1 ? par : Parallel.SERIAL;
    Run run = new Run(seqLen, batch, batchMajor, lens, h0, c0, y, yh, yc);
    par.forRange(tasks, t -> {
      int d = t / blocks;
      int k = t % blocks;
      int b0 = (int) ((long) batch * k / blocks);
      int b1 = (int) ((long) batch * (k + 1) / blocks);
      recur(inner, run, d, xw[d], b0, b1);
    });
  }

  /** The per-call arguments shared by the tasks of one {@link #run}. */
  private static final class Run {
    final int seqLen;
    final int batch;
    final boolean batchMajor;
    final int[] lens;
    final float[] h0;
    final float[] c0;
    final float[] y;
    final float[] yh;
    final float[] yc;

    Run(int seqLen, int batch, boolean batchMajor, int[] lens, float[] h0, float[] c0, float[] y,
        float[] yh, float[] yc) {
      this.seqLen = seqLen;
      this.batch = batch;
      this.batchMajor = batchMajor;
      this.lens = lens;
      this.h0 = h0;
      this.c0 = c0;
      this.y = y;
      this.yh = yh;
      this.yc = yc;
    }

    int len(int b) {
      return lens == null ? seqLen : lens[b];
    }

    /** Row of X (and of the input projection) holding step t of batch row b. */
    int xRow(int t, int b) {
      return batchMajor ? b * seqLen + t : t * batch + b;
    }

    /** Offset of state (h0, c0, yh, yc) for direction d, batch row b. */
    int stateOff(int d, int directions, int hidden, int b) {
      return (batchMajor ? b * directions + d : d * batch + b) * hidden;
    }

    /** Offset in Y of step t, direction d, batch row b. */
    int yOff(int t, int d, int directions, int hidden, int b) {
      return (batchMajor ? (b * seqLen + t) * directions + d : (t * directions + d) * batch + b)
          * hidden;
    }
  }

  /** Runs every step of direction d for batch rows [b0, b1). */
  private void recur(Parallel par, Run run, int d, float[] xw, int b0, int b1) {
    int n = hidden;
    int gh = type.gates * n;
    int rows = b1 - b0;
    boolean back = d == 1 || reverse;
    RecurrentCells.Params p = params[d];
    float[] h = new float[rows * n];
    float[] c = type == Type.LSTM ? new float[rows * n] : null;
    float[] hr = new float[rows * gh];
    float[] rhBuf = type == Type.GRU && !linearBeforeReset ? new float[rows * n] : null;
    int maxLen = 0;
    for (int k = 0; k < rows; k++) {
      int b = b0 + k;
      int so = run.stateOff(d, directions, n, b);
      if (run.h0 != null) {
        System.arraycopy(run.h0, so, h, k * n, n);
      }
      if (c != null && run.c0 != null) {
        System.arraycopy(run.c0, so, c, k * n, n);
      }
      maxLen = Math.max(maxLen, run.len(b));
    }
    for (int s = 0; s < maxLen; s++) {
      Gemm.sgemmPackedB(par, false, rows, 1f, h, 0, n, r[d], 0f, hr, 0, gh, null);
      for (int k = 0; k < rows; k++) {
        int len = run.len(b0 + k);
        if (s < len) {
          int xo = run.xRow(back ? len - 1 - s : s, b0 + k) * gh;
          cell(p, xw, xo, hr, k * gh, h, c, rhBuf, k * n);
        }
      }
      if (rhBuf != null) {
        Gemm.sgemmPackedB(par, false, rows, 1f, rhBuf, 0, n, rh[d], 0f, hr, 2 * n, gh, null);
        for (int k = 0; k < rows; k++) {
          int len = run.len(b0 + k);
          if (s < len) {
            int xo = run.xRow(back ? len - 1 - s : s, b0 + k) * gh;
            cells.gruUpdate(p, xw, xo, hr, k * gh, h, k * n);
          }
        }
      }
      if (run.y != null) {
        for (int k = 0; k < rows; k++) {
          int len = run.len(b0 + k);
          if (s < len) {
            int t = back ? len - 1 - s : s;
            System.arraycopy(h, k * n, run.y, run.yOff(t, d, directions, n, b0 + k), n);
          }
        }
      }
    }
    for (int k = 0; k < rows; k++) {
      int b = b0 + k;
      if (run.len(b) == 0) {
        continue; // no step ran: Y_h and Y_c stay zero, as ONNX Runtime gives
      }
      int so = run.stateOff(d, directions, n, b);
      if (run.yh != null) {
        System.arraycopy(h, k * n, run.yh, so, n);
      }
      if (run.yc != null && c != null) {
        System.arraycopy(c, k * n, run.yc, so, n);
      }
    }
  }

  /** The first (or only) cell call of one step for one row. */
  private void cell(RecurrentCells.Params p, float[] xw, int xo, float[] hr, int ho, float[] h,
      float[] c, float[] rhBuf, int so) {
    switch (type) {
      case LSTM:
        cells.lstm(p, xw, xo, hr, ho, c, so, h, so);
        break;
      case RNN:
        cells.rnn(p, xw, xo, hr, ho, h, so);
        break;
      default:
        if (rhBuf != null) {
          cells.gruReset(p, xw, xo, hr, ho, h, so, rhBuf, so);
        } else {
          cells.gruLinearBeforeReset(p, xw, xo, hr, ho, h, so);
        }
    }
  }
}
