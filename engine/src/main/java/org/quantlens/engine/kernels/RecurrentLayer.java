package org.quantlens.engine.kernels;

import java.util.List;

/**
 * One ONNX recurrent layer (LSTM, GRU or simple RNN, one or two directions) with its weights
 * prepared once: runs a whole sequence batch.
 *
 * <p>How it runs: W and R are packed once, at load, into the GEMM's panel layout
 * ({@link Gemm#packB}) and the two bias vectors summed. The input projection {@code X W^T} of
 * every time step is one GEMM per direction, up front; then each step does only the recurrent
 * product {@code H_{t-1} R^T} and a {@link RecurrentCells} kernel for the gate math. An LSTM over
 * one row or {@link #FUSED_MIN_BATCH} rows or more instead does one product per step,
 * {@code [X_t H_{t-1}] [W R]^T}, with {@code [W R]} packed once too (1.24x and 1.33x on the
 * lstm-rows and text-lstm models at batch 64). Batch rows are independent, so the recurrence
 * is split into tasks of (direction, block of batch rows), about {@link #BLOCKS_PER_THREAD} per
 * thread, each running all its steps, with one fork for the whole sequence; a lone task (one
 * direction, small batch) lets the GEMM spread each step's product instead, except a one-row LSTM,
 * whose steps are cut by hidden units among the threads ({@link #recurSplit}). Every row's numbers
 * are the same whichever block it falls in (the GEMM sums a row of C the same way whatever m is),
 * so results never depend on the thread count. Scratch is allocated once per call, never inside
 * the time loop. Immutable and thread-safe.
 */
public final class RecurrentLayer implements SequenceLayer {
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
  /**
   * Blocks of batch rows per thread. A block runs all its steps, so a thread slowed by the machine
   * (a shared core) holds up the call by what is left of its block: four per thread let the other
   * threads take more of them. Paired in one JVM at batch 64 with two threads, against two per
   * thread: LSTM over rows 1.09-1.14x, text LSTM 1.04-1.05x, GRU over rows 1.08x, text GRU 1.00x;
   * eight per thread (blocks of 4 rows at batch 64) was mixed (0.96-1.16x). The int8 layer
   * ({@link QuantRecurrentLayer}) splits its rows the same way, for the same reason (not timed
   * apart: the int8 benchmark rows run on one thread).
   */
  static final int BLOCKS_PER_THREAD = 4;

  private final Type type;
  private final int hidden;
  private final int input;
  private final int directions;
  private final boolean reverse;
  private final boolean linearBeforeReset;
  /**
   * Per direction, W^T packed for the GEMM (input x gates*hidden). An LSTM cuts it from {@link #wr}
   * when a batch first needs it (2 to 7 rows), so most sessions hold its weights once.
   */
  private final PackedMatrix[] w;
  /**
   * Per direction, R^T packed (hidden x gates*hidden); for GRU without linear_before_reset only
   * the z and r columns, R_h^T being apart in {@link #rh}. Cut from {@link #wr} like {@link #w}.
   */
  private final PackedMatrix[] r;
  /** GRU without linear_before_reset: per direction R_h^T packed (hidden x hidden), else null. */
  private final PackedMatrix[] rh;
  /**
   * LSTM: per direction {@code [W R]^T} packed ((input + hidden) x gates*hidden), for batches of
   * one row or at least {@link #FUSED_MIN_BATCH}; null for the other types.
   */
  private final PackedMatrix[] wr;
  /** Zeros standing in for the input projection when {@link #wr} already added it. */
  private final float[] noProjection;
  private final RecurrentCells.Params[] params;
  private final RecurrentCells cells;

  private RecurrentLayer(Type type, int hidden, int input, int directions, boolean reverse,
      boolean linearBeforeReset, PackedMatrix[] w, PackedMatrix[] r, PackedMatrix[] rh,
      PackedMatrix[] wr, RecurrentCells.Params[] params, RecurrentCells cells) {
    this.type = type;
    this.hidden = hidden;
    this.input = input;
    this.directions = directions;
    this.reverse = reverse;
    this.linearBeforeReset = linearBeforeReset;
    this.w = w;
    this.r = r;
    this.rh = rh;
    this.wr = wr;
    this.noProjection = wr == null ? null : new float[type.gates * hidden];
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
    return of(type, hidden, input, directions, reverse, w, r,
        RecurrentCells.Params.perDirection(type, hidden, directions, b, p, activations, clip,
            inputForget, linearBeforeReset),
        linearBeforeReset, cells);
  }

  /**
   * As {@link #of(Type, int, int, int, boolean, float[], float[], float[], float[], List, float,
   * boolean, boolean, RecurrentCells)} with the cell parameters already prepared ({@link
   * RecurrentCells.Params#perDirection}); w and r are checked by the caller.
   */
  static RecurrentLayer of(Type type, int hidden, int input, int directions, boolean reverse,
      float[] w, float[] r, RecurrentCells.Params[] params, boolean linearBeforeReset,
      RecurrentCells cells) {
    int gh = type.gates * hidden;
    boolean splitR = type == Type.GRU && !linearBeforeReset;
    PackedMatrix[] pw = new PackedMatrix[directions];
    PackedMatrix[] pr = new PackedMatrix[directions];
    PackedMatrix[] prh = splitR ? new PackedMatrix[directions] : null;
    PackedMatrix[] pwr = type == Type.LSTM ? new PackedMatrix[directions] : null;
    for (int d = 0; d < directions; d++) {
      int ro = d * gh * hidden;
      if (pwr != null) {
        int k = input + hidden;
        float[] joined = new float[gh * k]; // row g: W's row g, then R's
        for (int g = 0; g < gh; g++) {
          System.arraycopy(w, (d * gh + g) * input, joined, g * k, input);
          System.arraycopy(r, ro + g * hidden, joined, g * k + input, hidden);
        }
        pwr[d] = Gemm.packB(true, k, gh, joined, 0, k);
        continue; // W and R apart: cut from [W R] when first needed
      }
      pw[d] = Gemm.packB(true, input, gh, w, d * gh * input, input);
      pr[d] = Gemm.packB(true, hidden, splitR ? 2 * hidden : gh, r, ro, hidden);
      if (splitR) {
        prh[d] = Gemm.packB(true, hidden, hidden, r, ro + 2 * hidden * hidden, hidden);
      }
    }
    return new RecurrentLayer(type, hidden, input, directions, reverse, !splitR && type == Type.GRU,
        pw, pr, prh, pwr, params, cells);
  }

  /**
   * Batches of one row, and from this size on, run an LSTM step as one product
   * {@code [X_t H_{t-1}] [W R]^T} instead of an up-front input projection of every step plus
   * {@code H_{t-1} R^T} per step: the projection's product has a short depth (the input width: 28
   * and 50 in the zoo) and ran at half the speed of the recurrent one, and its output (seqLen *
   * batch * 4 * hidden floats, 26 MB for 200 steps of 64 rows) came back from memory step by step.
   * Measured paired in one JVM, whole models, 1 thread: batch 64 1.24x (lstm-rows) and 1.33x
   * (text-lstm), batch 8 1.32x and 1.24x, batch 1 1.03-1.14x and 1.23x (2 threads: 1.44x and
   * 1.25x, the projection no longer wakes the workers); but batch 2 and 4 0.83x and 0.78x on
   * lstm-rows (the GEMM's small-m blocked path streams [W R] for a few rows, where a lone row takes
   * the matrix-vector path). Chosen by batch size only, so results never depend on the thread
   * count.
   */
  static final int FUSED_MIN_BATCH = 8;

  /**
   * W^T of direction d. A race between two first calls makes two equal copies; either is safe to
   * read, since a PackedMatrix's fields are final.
   */
  private PackedMatrix packedW(int d) {
    PackedMatrix m = w[d];
    if (m == null) {
      m = wr[d].steps(0, input);
      w[d] = m;
    }
    return m;
  }

  /** R^T of direction d (see {@link #packedW}). */
  private PackedMatrix packedR(int d) {
    PackedMatrix m = r[d];
    if (m == null) {
      m = wr[d].steps(input, input + hidden);
      r[d] = m;
    }
    return m;
  }

  private boolean fused(int batch) {
    return wr != null && (batch == 1 || batch >= FUSED_MIN_BATCH);
  }

  public Type type() {
    return type;
  }

  @Override
  public int hidden() {
    return hidden;
  }

  @Override
  public int input() {
    return input;
  }

  public int directions() {
    return directions;
  }

  /**
   * Floats of work space {@link #run(Parallel, float[], float[], int, int, boolean, int[], float[],
   * float[], float[], float[], float[]) run} needs for {@code seqLen} steps of {@code batch} rows:
   * the input projection of every step plus each row's recurrent state.
   */
  @Override
  public int workSize(int seqLen, int batch) {
    long gh = (long) type.gates * hidden;
    long size = fused(batch)
        ? (long) directions * (batch * fusedWidth() + (batch == 1 ? input + hidden : 0))
        : directions * ((long) seqLen * batch * gh + (long) batch * stateWidth());
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(type + " work space of " + size + " floats is too large");
    }
    return (int) size;
  }

  /** Floats of state one batch row needs per direction: h, LSTM c, H R^T, GRU r * h. */
  private int stateWidth() {
    int n = hidden;
    return n + (type == Type.LSTM ? n : 0) + type.gates * n + (splitR() ? n : 0);
  }

  /** Floats one batch row needs per direction on the fused path: [x_t h], the gates, c. */
  private int fusedWidth() {
    return input + hidden + type.gates * hidden + hidden;
  }

  private boolean splitR() {
    return rh != null;
  }

  /**
   * Runs the layer with work space allocated here (see {@link #run(Parallel, float[], float[],
   * int, int, boolean, int[], float[], float[], float[], float[], float[])}).
   */
  public void run(Parallel par, float[] x, int seqLen, int batch, boolean batchMajor, int[] lens,
      float[] h0, float[] c0, float[] y, float[] yh, float[] yc) {
    if (seqLen == 0 || batch == 0) {
      return;
    }
    run(par, new float[workSize(seqLen, batch)], x, seqLen, batch, batchMajor, lens, h0, c0, y, yh,
        yc);
  }

  /**
   * Runs the layer.
   *
   * @param work at least {@link #workSize} floats, any contents; the call allocates nothing
   *     else (so a caller that recycles it runs allocation-free)
   * @param x {@code [seqLen, batch, input]}, or {@code [batch, seqLen, input]} when batchMajor
   * @param lens per batch row, the number of valid steps in {@code [0, seqLen]}; null for all
   * @param h0 initial hidden {@code [directions, batch, hidden]} ({@code [batch, directions,
   *     hidden]} when batchMajor), or null for zeros
   * @param c0 LSTM initial cell, same shape as h0, or null for zeros
   * @param y zero-filled {@code [seqLen, directions, batch, hidden]} ({@code [batch, seqLen,
   *     directions, hidden]} when batchMajor), or null when not wanted; steps past a row's length
   *     stay zero
   * @param yh zero-filled, shaped like h0: the last valid hidden state (zero for length 0), or null
   * @param yc LSTM: zero-filled, like yh: the last valid cell state, or null. Y, Y_h and Y_c may
   *     hold anything when lens is null: every element is then written
   */
  @Override
  public void run(Parallel par, float[] work, float[] x, int seqLen, int batch,
      boolean batchMajor, int[] lens, float[] h0, float[] c0, float[] y, float[] yh, float[] yc) {
    if (seqLen == 0 || batch == 0) {
      return;
    }
    int size = workSize(seqLen, batch);
    if (work.length < size) {
      throw new IllegalArgumentException(type + " needs " + size + " floats of work space, got "
          + work.length);
    }
    int gh = type.gates * hidden;
    int rows = seqLen * batch;
    boolean fused = fused(batch);
    for (int d = 0; d < directions && !fused; d++) {
      Gemm.sgemmPackedB(par, false, rows, 1f, x, 0, input, packedW(d), 0f, work, d * rows * gh, gh,
          null);
    }
    int perDirection = par.threads() == 1 ? 1
        : (BLOCKS_PER_THREAD * par.threads() + directions - 1) / directions;
    int blocks = Math.max(1, Math.min(perDirection, batch / MIN_ROWS_PER_TASK));
    int tasks = directions * blocks;
    Run run = RUNS.get().set(work, fused ? 0 : directions * rows * gh, x, seqLen, batch,
        batchMajor, lens, h0, c0, y, yh, yc);
    try {
      if (tasks == 1) {
        recur(par, run, 0, 0, batch, fused);
        return;
      }
      par.forRange(tasks, t -> {
        int d = t / blocks;
        int k = t % blocks;
        int b0 = (int) ((long) batch * k / blocks);
        int b1 = (int) ((long) batch * (k + 1) / blocks);
        recur(Parallel.SERIAL, run, d, b0, b1, fused);
      });
    } finally {
      run.clear();
    }
  }

  /**
   * The calling thread's arguments record, set afresh by every {@link #run} so that steady-state
   * calls allocate none. Safe because a thread runs one layer call at a time (tasks only read the
   * record, and a call never starts another).
   */
  private static final ThreadLocal<Run> RUNS = ThreadLocal.withInitial(Run::new);

  private void recur(Parallel par, Run run, int d, int b0, int b1, boolean fused) {
    if (fused) {
      recurFused(par, run, d, b0, b1);
    } else {
      recur(par, run, d, b0, b1);
    }
  }

  /** The per-call arguments shared by the tasks of one {@link #run}. */
  private static final class Run {
    /** The input projections (direction d at {@code d * seqLen * batch * gates * hidden}), then the states. */
    float[] work;
    /** Where the rows' states start in {@link #work}. */
    int stateBase;
    float[] x;
    int seqLen;
    int batch;
    boolean batchMajor;
    int[] lens;
    float[] h0;
    float[] c0;
    float[] y;
    float[] yh;
    float[] yc;
    /** This thread's tickets for {@link #recurSplit}. */
    final Split split = new Split();

    Run set(float[] work, int stateBase, float[] x, int seqLen, int batch, boolean batchMajor,
        int[] lens, float[] h0, float[] c0, float[] y, float[] yh, float[] yc) {
      this.work = work;
      this.stateBase = stateBase;
      this.x = x;
      this.seqLen = seqLen;
      this.batch = batch;
      this.batchMajor = batchMajor;
      this.lens = lens;
      this.h0 = h0;
      this.c0 = c0;
      this.y = y;
      this.yh = yh;
      this.yc = yc;
      return this;
    }

    /** Drops the call's arrays, so that an idle thread keeps none of them alive. */
    void clear() {
      set(null, 0, null, 0, 0, false, null, null, null, null, null, null);
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

  /**
   * Runs every step of direction d for batch rows [b0, b1), keeping their state in the rows'
   * own part of the work space (disjoint from every other task's).
   */
  private void recur(Parallel par, Run run, int d, int b0, int b1) {
    int n = hidden;
    int gh = type.gates * n;
    int rows = b1 - b0;
    boolean back = d == 1 || reverse;
    RecurrentCells.Params p = params[d];
    float[] ws = run.work;
    int xwOff = d * run.seqLen * run.batch * gh;
    int hOff = run.stateBase + (d * run.batch + b0) * stateWidth();
    int cOff = hOff + rows * n;
    int hrOff = cOff + (type == Type.LSTM ? rows * n : 0);
    int rhOff = hrOff + rows * gh; // GRU without linear_before_reset: r * h
    int maxLen = 0;
    for (int k = 0; k < rows; k++) {
      int b = b0 + k;
      int so = run.stateOff(d, directions, n, b);
      if (run.h0 != null) {
        System.arraycopy(run.h0, so, ws, hOff + k * n, n);
      } else {
        java.util.Arrays.fill(ws, hOff + k * n, hOff + k * n + n, 0f);
      }
      if (type == Type.LSTM) {
        if (run.c0 != null) {
          System.arraycopy(run.c0, so, ws, cOff + k * n, n);
        } else {
          java.util.Arrays.fill(ws, cOff + k * n, cOff + k * n + n, 0f);
        }
      }
      maxLen = Math.max(maxLen, run.len(b));
    }
    for (int s = 0; s < maxLen; s++) {
      Gemm.sgemmPackedB(par, false, rows, 1f, ws, hOff, n, packedR(d), 0f, ws, hrOff, gh, null);
      for (int k = 0; k < rows; k++) {
        int len = run.len(b0 + k);
        if (s < len) {
          int xo = xwOff + run.xRow(back ? len - 1 - s : s, b0 + k) * gh;
          cell(p, ws, xo, hrOff + k * gh, hOff + k * n, cOff + k * n, rhOff + k * n);
        }
      }
      if (splitR()) {
        Gemm.sgemmPackedB(par, false, rows, 1f, ws, rhOff, n, rh[d], 0f, ws, hrOff + 2 * n, gh,
            null);
        for (int k = 0; k < rows; k++) {
          int len = run.len(b0 + k);
          if (s < len) {
            int xo = xwOff + run.xRow(back ? len - 1 - s : s, b0 + k) * gh;
            cells.gruUpdate(p, ws, xo, ws, hrOff + k * gh, ws, hOff + k * n);
          }
        }
      }
      if (run.y != null) {
        for (int k = 0; k < rows; k++) {
          int len = run.len(b0 + k);
          if (s < len) {
            int t = back ? len - 1 - s : s;
            System.arraycopy(ws, hOff + k * n, run.y, run.yOff(t, d, directions, n, b0 + k), n);
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
        System.arraycopy(ws, hOff + k * n, run.yh, so, n);
      }
      if (run.yc != null && type == Type.LSTM) {
        System.arraycopy(ws, cOff + k * n, run.yc, so, n);
      }
    }
  }

  /**
   * {@link #recur} for an LSTM on the fused path: each row's part of the work space holds
   * {@code [x_t h]} (the product's left operand, h updated in place by the cell), the gates and c.
   */
  private void recurFused(Parallel par, Run run, int d, int b0, int b1) {
    int pieces = b1 - b0 == 1 ? pieces(par) : 1;
    if (pieces > 1) {
      recurSplit(par, run, d, pieces);
      return;
    }
    int n = hidden;
    int gh = type.gates * n;
    int k = input + n;
    int rows = b1 - b0;
    boolean back = d == 1 || reverse;
    RecurrentCells.Params p = params[d];
    float[] ws = run.work;
    int aOff = (d * run.batch + b0) * fusedWidth(); // rows x k, then rows x gh, then rows x n
    int hrOff = aOff + rows * k;
    int cOff = hrOff + rows * gh;
    int maxLen = 0;
    for (int j = 0; j < rows; j++) {
      int b = b0 + j;
      int so = run.stateOff(d, directions, n, b);
      int ho = aOff + j * k + input;
      if (run.h0 != null) {
        System.arraycopy(run.h0, so, ws, ho, n);
      } else {
        java.util.Arrays.fill(ws, ho, ho + n, 0f);
      }
      if (run.c0 != null) {
        System.arraycopy(run.c0, so, ws, cOff + j * n, n);
      } else {
        java.util.Arrays.fill(ws, cOff + j * n, cOff + j * n + n, 0f);
      }
      // a row past its length keeps its x slot as it is: never garbage a later step reads
      java.util.Arrays.fill(ws, aOff + j * k, aOff + j * k + input, 0f);
      maxLen = Math.max(maxLen, run.len(b));
    }
    for (int s = 0; s < maxLen; s++) {
      for (int j = 0; j < rows; j++) {
        int len = run.len(b0 + j);
        if (s < len) {
          int xo = run.xRow(back ? len - 1 - s : s, b0 + j) * input;
          System.arraycopy(run.x, xo, ws, aOff + j * k, input);
        }
      }
      Gemm.sgemmPackedB(par, false, rows, 1f, ws, aOff, k, wr[d], 0f, ws, hrOff, gh, null);
      for (int j = 0; j < rows; j++) {
        int len = run.len(b0 + j);
        if (s < len) {
          int ho = aOff + j * k + input;
          cells.lstm(p, noProjection, 0, ws, hrOff + j * gh, ws, cOff + j * n, ws, ho);
          if (run.y != null) {
            int t = back ? len - 1 - s : s;
            System.arraycopy(ws, ho, run.y, run.yOff(t, d, directions, n, b0 + j), n);
          }
        }
      }
    }
    for (int j = 0; j < rows; j++) {
      int b = b0 + j;
      if (run.len(b) == 0) {
        continue;
      }
      int so = run.stateOff(d, directions, n, b);
      if (run.yh != null) {
        System.arraycopy(ws, aOff + j * k + input, run.yh, so, n);
      }
      if (run.yc != null) {
        System.arraycopy(ws, cOff + j * n, run.yc, so, n);
      }
    }
  }

  /**
   * Pieces a one-row LSTM step is cut into on {@code par}'s threads: one per thread, each whole
   * panels of the GEMM and at least one {@link GemmKernel#gemvUnit()} of every gate (narrower
   * ones run the matrix-vector kernel's one-panel loop, several times slower: hidden 64 on two
   * threads ran 0.8-0.86x one thread, hidden 128 1.39-1.62x). 1, the step whole, on one thread
   * or where hidden is too narrow or not whole panels. One piece per thread ran 1.6x two per
   * thread (lstm-rows and text-lstm at batch 1, two threads, paired in one JVM).
   */
  int pieces(Parallel par) {
    GemmKernel gemm = Gemm.kernel();
    if (wr == null || hidden % gemm.nr() != 0) {
      return 1;
    }
    return Math.max(1, Math.min(par.threads(), hidden / gemm.gemvUnit()));
  }

  /**
   * {@link #recurFused} for one row, each step cut by hidden units into {@code pieces}: a piece is
   * the product for its units' gate columns and their cell math, taken as tickets by every thread
   * of the call ({@link StepPieces}; a fork per step, the GEMM spreading the product alone, cost
   * more than it saved). The product's row {@code [x_t h]} alternates between two rows of the
   * work space: step s reads one and writes its h into the other, whose x part the first piece of
   * step s fills with the next step's input. Each column and unit is computed as on one thread,
   * so results do not depend on the thread count. Paired in one JVM at batch 1 on two threads,
   * against the GEMM spreading each step's product: lstm-rows 1.33-1.48x, text-lstm 1.53-1.66x.
   */
  private void recurSplit(Parallel par, Run run, int d, int pieces) {
    int n = hidden;
    float[] ws = run.work;
    int rowA = d * fusedWidth();
    int rowB = directions * fusedWidth() + d * (input + n);
    int cOff = rowA + input + n + type.gates * n;
    int len = run.len(0);
    if (len == 0) {
      return;
    }
    int so = run.stateOff(d, directions, n, 0);
    if (run.h0 != null) {
      System.arraycopy(run.h0, so, ws, rowA + input, n);
    } else {
      java.util.Arrays.fill(ws, rowA + input, rowA + input + n, 0f);
    }
    if (run.c0 != null) {
      System.arraycopy(run.c0, so, ws, cOff, n);
    } else {
      java.util.Arrays.fill(ws, cOff, cOff + n, 0f);
    }
    boolean back = d == 1 || reverse;
    System.arraycopy(run.x, run.xRow(back ? len - 1 : 0, 0) * input, ws, rowA, input);
    Split split = run.split.set(this, run, d, len, pieces);
    try {
      par.forRange(par.threads(), split);
    } finally {
      split.set(null, null, 0, 0, 0);
    }
    int last = (len & 1) == 0 ? rowA : rowB; // step s writes its h into row (s + 1) % 2
    if (run.yh != null) {
      System.arraycopy(ws, last + input, run.yh, so, n);
    }
    if (run.yc != null) {
      System.arraycopy(ws, cOff, run.yc, so, n);
    }
  }

  /** Piece q of step s of {@link #recurSplit}. */
  private void splitPiece(Run run, int d, int s, int q, int pieces) {
    int n = hidden;
    int k = input + n;
    int nr = Gemm.kernel().nr();
    int groups = n / nr;
    int u0 = groups * q / pieces * nr;
    int u1 = groups * (q + 1) / pieces * nr;
    float[] ws = run.work;
    int rowA = d * fusedWidth();
    int rowB = directions * fusedWidth() + d * k;
    int in = (s & 1) == 0 ? rowA : rowB;
    int out = in == rowA ? rowB : rowA;
    int hrOff = rowA + k;
    int len = run.len(0);
    boolean back = d == 1 || reverse;
    if (q == 0 && s + 1 < len) {
      int t = back ? len - 2 - s : s + 1;
      System.arraycopy(run.x, run.xRow(t, 0) * input, ws, out, input);
    }
    for (int g = 0; g < type.gates; g++) {
      Gemm.gemvPackedB(ws, in, wr[d], g * n + u0, g * n + u1, ws, hrOff);
    }
    cells.lstm(params[d], u0, u1, noProjection, 0, ws, hrOff, ws, hrOff + type.gates * n, ws,
        out + input);
    if (run.y != null) {
      int t = back ? len - 1 - s : s;
      System.arraycopy(ws, out + input + u0, run.y, run.yOff(t, d, directions, n, 0) + u0,
          u1 - u0);
    }
  }

  /** The pieces of one {@link #recurSplit} call ({@link StepPieces}), reused by its thread. */
  private static final class Split extends StepPieces {
    private RecurrentLayer layer;
    private Run run;
    private int d;

    Split set(RecurrentLayer layer, Run run, int d, int steps, int pieces) {
      this.layer = layer;
      this.run = run;
      this.d = d;
      start(steps, pieces);
      return this;
    }

    @Override
    void piece(int s, int q, int pieces) {
      layer.splitPiece(run, d, s, q, pieces);
    }
  }

  /**
   * The first (or only) cell call of one step for one row; every operand lives in the work space
   * {@code ws}: the input projection at xo, H R^T at ho, h at so, LSTM c at co, GRU r * h at ro.
   */
  private void cell(RecurrentCells.Params p, float[] ws, int xo, int ho, int so, int co, int ro) {
    switch (type) {
      case LSTM:
        cells.lstm(p, ws, xo, ws, ho, ws, co, ws, so);
        break;
      case RNN:
        cells.rnn(p, ws, xo, ws, ho, ws, so);
        break;
      default:
        if (splitR()) {
          cells.gruReset(p, ws, xo, ws, ho, ws, so, ws, ro);
        } else {
          cells.gruLinearBeforeReset(p, ws, xo, ws, ho, ws, so);
        }
    }
  }
}
