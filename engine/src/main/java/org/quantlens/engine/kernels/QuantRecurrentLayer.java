package org.quantlens.engine.kernels;

import java.util.List;

/**
 * One recurrent layer (LSTM, GRU or RNN, one or two directions) with 8-bit weights: the matrix
 * products run in integer arithmetic, the gates in float.
 *
 * <p>Per time step and batch row, {@code x_t} and {@code h_{t-1}} are quantized ({@link
 * RowQuantizer}: dynamically from the row's own range, or with calibrated static parameters), the
 * products {@code x_t W^T} and {@code h_{t-1} R^T} are computed exactly in int32 against W and R
 * quantized per output row (per gate unit) and packed once at load ({@link Int8WeightPanels}), and
 * dequantized to float32. Everything after that is the float layer's: the biases (Wb + Rb, in
 * float, never quantized), clip, activations and state update run through the same {@link
 * RecurrentCells} kernels as {@link RecurrentLayer}.
 *
 * <p>The cell state C of the LSTM stays float32 throughout, as in ONNX Runtime's
 * DynamicQuantizeLSTM and PyTorch's dynamic LSTM: it is never an operand of a matrix product, only
 * of element-wise gate math, so quantizing it would add error (C accumulates over the whole
 * sequence) and save no work. The hidden state H is kept in float32 between steps as well and
 * quantized afresh when it enters the next step's product, so quantization error does not
 * compound through a stored int8 state. GRU without linear_before_reset needs a second product per
 * step, {@code (r * H_{t-1}) R_h^T}; its left operand is quantized the same way (static mode: with
 * H's parameters, since {@code r} in [0, 1] keeps {@code r * h} within H's range).
 *
 * <p>X's projection is computed for the whole sequence up front (rows are independent), then the
 * recurrence runs in tasks of (direction, block of batch rows) as in {@link RecurrentLayer}. The
 * steps read R widened to float from the thread's scratch when it fits in {@link
 * #WIDEN_MAX_FLOATS} (the layer itself holds only the int8 bytes). A row's numbers depend only on
 * that row, so results never depend on the thread count or on the rest of the batch. Immutable
 * and thread-safe.
 */
public final class QuantRecurrentLayer implements SequenceLayer {
  private static final int X_ROW_BLOCK = 64;
  /**
   * Largest recurrent weights (floats: 512 KB, this machine's L2 per core) a thread keeps widened
   * to float in its scratch, so that every step reads floats instead of widening the same bytes
   * again. A bound on memory more than on speed: at one row, widened R still ran 1.2-1.3x the
   * bytes at 1 and 4 MB of floats (from L3), and 0.76x at 16 MB, where reading a quarter of the
   * bytes is what makes int8 pay.
   */
  static final int WIDEN_MAX_FLOATS = 1 << 17;

  private final RecurrentLayer.Type type;
  private final int hidden;
  private final int input;
  private final int directions;
  private final boolean reverse;
  private final boolean splitR;
  private final Int8WeightPanels[] w;
  private final Int8WeightPanels[] r;
  private final Int8WeightPanels[] rh;
  private final RecurrentCells.Params[] params;
  private final RecurrentCells cells;
  private final RowQuantizer xq;
  private final RowQuantizer hq;
  /** Per direction, the key of R widened in a thread's {@link QuantScratch.Derived} array. */
  private final Object[] widenedKeys;
  /** False with {@code -Dquantlens.int8.widen=false}, read when the layer is built: bytes only. */
  private final boolean widen;

  private QuantRecurrentLayer(RecurrentLayer.Type type, int hidden, int input, int directions,
      boolean reverse, boolean splitR, Int8WeightPanels[] w, Int8WeightPanels[] r,
      Int8WeightPanels[] rh, RecurrentCells.Params[] params, RecurrentCells cells, RowQuantizer xq,
      RowQuantizer hq) {
    this.type = type;
    this.hidden = hidden;
    this.input = input;
    this.directions = directions;
    this.reverse = reverse;
    this.splitR = splitR;
    this.w = w;
    this.r = r;
    this.rh = rh;
    this.params = params;
    this.cells = cells;
    this.xq = xq;
    this.hq = hq;
    this.widen = Boolean.parseBoolean(System.getProperty("quantlens.int8.widen", "true"));
    this.widenedKeys = new Object[directions];
    for (int d = 0; d < directions; d++) {
      widenedKeys[d] = new Object();
    }
  }

  /** The 8-bit weights of one layer, in ONNX Runtime's DynamicQuantizeLSTM layout. */
  public static final class Weights {
    final byte[] w;
    final byte[] r;
    final boolean unsigned;
    final float[] wScale;
    final int[] wZp;
    final float[] rScale;
    final int[] rZp;

    /**
     * @param w {@code [directions, input, gates*hidden]} (transposed: column j is gate unit j); int8
   *     weights are read in place, so the array must not change while the layer is in use
     * @param r {@code [directions, hidden, gates*hidden]}
     * @param unsigned the weight bytes (and zero points) are uint8, else int8
     * @param wScale per column {@code [directions, gates*hidden]} (per-tensor scales repeated)
     * @param wZp raw zero points, shaped like wScale
     */
    public Weights(byte[] w, byte[] r, boolean unsigned, float[] wScale, int[] wZp, float[] rScale,
        int[] rZp) {
      this.w = w;
      this.r = r;
      this.unsigned = unsigned;
      this.wScale = wScale;
      this.wZp = wZp;
      this.rScale = rScale;
      this.rZp = rZp;
    }
  }

  /** The kernels a layer runs on: normally the selected ones, the scalar references in tests. */
  public static final class KernelSet {
    final Int8Gemm gemm;
    final Requantize rq;
    final QuantizeKernels qk;
    final RecurrentCells cells;

    public KernelSet(Int8Gemm gemm, Requantize rq, QuantizeKernels qk, RecurrentCells cells) {
      this.gemm = gemm;
      this.rq = rq;
      this.qk = qk;
      this.cells = cells;
    }

    /** The SIMD kernels when available. */
    public static KernelSet selected() {
      return new KernelSet(Int8Gemm.get(), Requantize.get(), QuantizeKernels.get(), RecurrentCells.get());
    }

    public QuantizeKernels quantize() {
      return qk;
    }

    public RecurrentCells cells() {
      return cells;
    }
  }

  /**
   * Prepares a layer. Arguments as {@link RecurrentLayer#of}, with 8-bit weights.
   *
   * @param b float biases {@code [directions, 2*gates*hidden]} or null
   * @param p LSTM peepholes {@code [directions, 3*hidden]} or null
   * @param xq how x_t rows are quantized; {@code hq} likewise for h_{t-1}
   */
  public static QuantRecurrentLayer of(RecurrentLayer.Type type, int hidden, int input,
      int directions, boolean reverse, Weights wt, float[] b, float[] p,
      List<List<RnnActivation>> activations, float clip, boolean inputForget,
      boolean linearBeforeReset, RowQuantizer xq, RowQuantizer hq, KernelSet k) {
    int gh = type.gates() * hidden;
    if (wt.w.length < directions * input * gh || wt.r.length < directions * hidden * gh
        || wt.wScale.length < directions * gh || wt.rScale.length < directions * gh
        || wt.wZp.length < directions * gh || wt.rZp.length < directions * gh) {
      throw new IllegalArgumentException("weight arrays too short for " + type + " with hidden "
          + hidden + ", input " + input + ", directions " + directions);
    }
    boolean split = type == RecurrentLayer.Type.GRU && !linearBeforeReset;
    Int8WeightPanels[] pw = new Int8WeightPanels[directions];
    Int8WeightPanels[] pr = new Int8WeightPanels[directions];
    Int8WeightPanels[] prh = split ? new Int8WeightPanels[directions] : null;
    for (int d = 0; d < directions; d++) {
      int so = d * gh;
      // int8 weights are read where the model holds them (no second copy); uint8 ones are shifted
      pw[d] = Int8WeightPanels.pack(wt.w, d * input * gh, gh, 0, input, gh, wt.unsigned, wt.wScale,
          so, wt.wZp, so, k.gemm, k.rq, true);
      int ro = d * hidden * gh;
      int rn = split ? 2 * hidden : gh;
      pr[d] = Int8WeightPanels.pack(wt.r, ro, gh, 0, hidden, rn, wt.unsigned, wt.rScale, so,
          wt.rZp, so, k.gemm, k.rq, true);
      if (split) {
        prh[d] = Int8WeightPanels.pack(wt.r, ro, gh, 2 * hidden, hidden, hidden, wt.unsigned,
            wt.rScale, so + 2 * hidden, wt.rZp, so + 2 * hidden, k.gemm, k.rq, true);
      }
    }
    RecurrentCells.Params[] params = RecurrentCells.Params.perDirection(type, hidden, directions,
        b, p, activations, clip, inputForget, linearBeforeReset);
    return new QuantRecurrentLayer(type, hidden, input, directions, reverse, split, pw, pr, prh,
        params, k.cells, xq, hq);
  }

  public RecurrentLayer.Type type() {
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
   * Floats of work space {@link #run(Parallel, float[], float[], int, int, boolean, int[],
   * float[], float[], float[], float[], float[]) run} needs: the input projection of every step
   * plus each row's state (h, LSTM c, the recurrent product, GRU r * h, an LSTM's second h).
   */
  @Override
  public int workSize(int seqLen, int batch) {
    int gh = type.gates() * hidden;
    long size = (long) directions * batch * ((long) seqLen * gh + stateWidth());
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(type + " work space of " + size + " floats is too large");
    }
    return (int) size;
  }

  /**
   * Floats of state one batch row needs per direction: h, LSTM c, the recurrent product, GRU r * h,
   * and an LSTM's second h for {@link #recurSplit}.
   */
  private int stateWidth() {
    int n = hidden;
    boolean lstm = type == RecurrentLayer.Type.LSTM;
    return n + (lstm ? 2 * n : 0) + type.gates() * n + (splitR ? n : 0);
  }

  /** Runs the layer with work space allocated here (see the other {@code run}). */
  public void run(Parallel par, float[] x, int seqLen, int batch, boolean batchMajor, int[] lens,
      float[] h0, float[] c0, float[] y, float[] yh, float[] yc) {
    if (seqLen > 0 && batch > 0) {
      run(par, new float[workSize(seqLen, batch)], x, seqLen, batch, batchMajor, lens, h0, c0, y,
          yh, yc);
    }
  }

  /**
   * Runs the layer; arguments and output layout as {@link RecurrentLayer#run}, work space of at
   * least {@link #workSize} floats whose contents do not matter (every element is written before
   * it is read). The temporaries of the int8 products come from {@link QuantScratch}.
   */
  @Override
  public void run(Parallel par, float[] work, float[] x, int seqLen, int batch,
      boolean batchMajor, int[] lens, float[] h0, float[] c0, float[] y, float[] yh, float[] yc) {
    if (seqLen == 0 || batch == 0) {
      return;
    }
    if (work.length < workSize(seqLen, batch)) {
      throw new IllegalArgumentException(type + " needs " + workSize(seqLen, batch)
          + " floats of work space, got " + work.length);
    }
    int gh = type.gates() * hidden;
    int rows = seqLen * batch;
    int xBlocks = (rows + X_ROW_BLOCK - 1) / X_ROW_BLOCK;
    par.forRange(directions * xBlocks, t -> projectX(x, t / xBlocks, t % xBlocks, rows, work));
    int perDirection = par.threads() == 1 ? 1
        : (RecurrentLayer.BLOCKS_PER_THREAD * par.threads() + directions - 1) / directions;
    int blocks = Math.max(1, Math.min(perDirection, batch / RecurrentLayer.MIN_ROWS_PER_TASK));
    int tasks = directions * blocks;
    Step run = new Step(seqLen, batch, batchMajor, lens, h0, c0, y, yh, yc);
    int stateBase = directions * rows * gh;
    int pieces = tasks == 1 && batch == 1 ? pieces(par) : 1;
    if (pieces > 1) {
      recurSplit(par, run, work, stateBase, pieces);
      return;
    }
    Parallel inner = tasks == 1 ? par : Parallel.SERIAL; // a lone task spreads each step's product
    par.forRange(tasks, t -> {
      int d = t / blocks;
      int k = t % blocks;
      int b0 = (int) ((long) batch * k / blocks);
      int b1 = (int) ((long) batch * (k + 1) / blocks);
      recur(inner, run, d, work, d * rows * gh, stateBase + (d * batch + b0) * stateWidth(), b0,
          b1);
    });
  }

  /** {@code X W^T} for rows of block {@code blk} of direction d, into its part of {@code xw}. */
  private void projectX(float[] x, int d, int blk, int rows, float[] xw) {
    Int8WeightPanels pw = w[d];
    int i0 = blk * X_ROW_BLOCK;
    int m = Math.min(rows, i0 + X_ROW_BLOCK) - i0;
    float[] a = QuantScratch.floats(QuantScratch.TASK_A, m * input);
    int[] sums = QuantScratch.ints(QuantScratch.TASK_A, m);
    float[] scales = QuantScratch.floats(QuantScratch.TASK_B, m);
    xq.quantizeRows(x, i0 * input, m, input, a, sums, scales);
    pw.multiply(m, a, sums, scales, QuantScratch.ints(QuantScratch.TASK_B, m * pw.paddedWidth()),
        QuantScratch.floats(QuantScratch.TASK_C, pw.n()), xw, (d * rows + i0) * pw.n(), pw.n());
  }

  /** The per-call arguments shared by the tasks of one {@link #run}. */
  private static final class Step {
    final int seqLen;
    final int batch;
    final boolean batchMajor;
    final int[] lens;
    final float[] h0;
    final float[] c0;
    final float[] y;
    final float[] yh;
    final float[] yc;

    Step(int seqLen, int batch, boolean batchMajor, int[] lens, float[] h0, float[] c0, float[] y,
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

    int xRow(int t, int b) {
      return batchMajor ? b * seqLen + t : t * batch + b;
    }

    int stateOff(int d, int directions, int hidden, int b) {
      return (batchMajor ? b * directions + d : d * batch + b) * hidden;
    }

    int yOff(int t, int d, int directions, int hidden, int b) {
      return (batchMajor ? (b * seqLen + t) * directions + d : (t * directions + d) * batch + b)
          * hidden;
    }
  }

  /**
   * Every step of direction d for batch rows [b0, b1): the input projection at {@code ws[xwOff..]},
   * the rows' states at {@code ws[so..]} (h, LSTM c, the recurrent product, GRU r * h; each
   * {@code rows} rows wide), the int8 operands in this thread's {@link QuantScratch}.
   */
  private void recur(Parallel par, Step run, int d, float[] ws, int xwOff, int so, int b0,
      int b1) {
    int n = hidden;
    int gh = type.gates() * n;
    int rows = b1 - b0;
    boolean back = d == 1 || reverse;
    RecurrentCells.Params p = params[d];
    int hOff = so;
    int cOff = hOff + rows * n;
    int hrOff = cOff + (type == RecurrentLayer.Type.LSTM ? rows * n : 0);
    int rhOff = hrOff + rows * gh;
    float[] a = QuantScratch.floats(QuantScratch.TASK_A, rows * n);
    int[] sums = QuantScratch.ints(QuantScratch.TASK_A, rows);
    float[] scales = QuantScratch.floats(QuantScratch.TASK_B, rows);
    int[] acc = QuantScratch.ints(QuantScratch.TASK_B, rows * r[d].paddedWidth());
    float[] rowScale = QuantScratch.floats(QuantScratch.TASK_C, gh);
    int maxLen = 0;
    for (int k = 0; k < rows; k++) {
      int b = b0 + k;
      int st = run.stateOff(d, directions, n, b);
      if (run.h0 != null) {
        System.arraycopy(run.h0, st, ws, hOff + k * n, n);
      } else {
        java.util.Arrays.fill(ws, hOff + k * n, hOff + k * n + n, 0f);
      }
      if (type == RecurrentLayer.Type.LSTM) {
        if (run.c0 != null) {
          System.arraycopy(run.c0, st, ws, cOff + k * n, n);
        } else {
          java.util.Arrays.fill(ws, cOff + k * n, cOff + k * n + n, 0f);
        }
      }
      maxLen = Math.max(maxLen, run.len(b));
    }
    float[] wide = widenRecurrent(d, maxLen);
    int rhAt = r[d].widenedSize();
    for (int s = 0; s < maxLen; s++) {
      hq.quantizeRows(ws, hOff, rows, n, a, sums, scales);
      r[d].multiply(par, rows, a, sums, scales, acc, rowScale, ws, hrOff, gh, wide, 0);
      for (int k = 0; k < rows; k++) {
        int len = run.len(b0 + k);
        if (s < len) {
          int xo = xwOff + run.xRow(back ? len - 1 - s : s, b0 + k) * gh;
          cell(p, ws, xo, hrOff + k * gh, hOff + k * n, cOff + k * n, rhOff + k * n);
        }
      }
      if (splitR) {
        hq.quantizeRows(ws, rhOff, rows, n, a, sums, scales);
        rh[d].multiply(par, rows, a, sums, scales, acc, rowScale, ws, hrOff + 2 * n, gh, wide,
            rhAt);
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
        continue; // no step ran: Y_h and Y_c stay zero, as in the float layer
      }
      int st = run.stateOff(d, directions, n, b);
      if (run.yh != null) {
        System.arraycopy(ws, hOff + k * n, run.yh, st, n);
      }
      if (run.yc != null && type == RecurrentLayer.Type.LSTM) {
        System.arraycopy(ws, cOff + k * n, run.yc, st, n);
      }
    }
  }

  /**
   * Pieces a one-row LSTM step is cut into on {@code par}'s threads: one per thread, each whole
   * groups of four panels of every gate (the one-row kernel's unit), or 1 (one thread, another
   * type, or hidden too narrow to cut).
   */
  int pieces(Parallel par) {
    int unit = 4 * r[0].panelWidth();
    if (type != RecurrentLayer.Type.LSTM || par.threads() < 2 || hidden % unit != 0) {
      return 1;
    }
    return Math.min(par.threads(), hidden / unit);
  }

  /**
   * {@link #recur} for one row of a one-direction LSTM, each step cut by hidden units into {@code
   * pieces} taken by every thread of the call ({@link StepPieces}), as {@link RecurrentLayer}
   * does for its float one: a piece quantizes the whole of h_{t-1} (a few hundred values, where
   * sharing it would cost another hand-over per step), computes its units' columns of every gate
   * and their cell math, and writes its units of h_t into the other of two h rows. Each column and
   * unit is computed as on one thread, so results do not depend on the thread count.
   */
  private void recurSplit(Parallel par, Step run, float[] ws, int so, int pieces) {
    int n = hidden;
    int len = run.len(0);
    if (len == 0) {
      return; // no step ran: Y_h and Y_c stay zero, as in the float layer
    }
    int hA = so;
    int cOff = hA + n;
    int hrOff = cOff + n;
    int hB = hrOff + type.gates() * n;
    if (run.h0 != null) {
      System.arraycopy(run.h0, 0, ws, hA, n);
    } else {
      java.util.Arrays.fill(ws, hA, hA + n, 0f);
    }
    if (run.c0 != null) {
      System.arraycopy(run.c0, 0, ws, cOff, n);
    } else {
      java.util.Arrays.fill(ws, cOff, cOff + n, 0f);
    }
    Split split = SPLITS.get().set(this, run, ws, hA, hB, cOff, hrOff, widenRecurrent(0, len),
        len, pieces);
    try {
      par.forRange(par.threads(), split);
    } finally {
      split.clear();
    }
    int last = (len & 1) == 0 ? hA : hB; // step s writes its h into the other row
    if (run.yh != null) {
      System.arraycopy(ws, last, run.yh, 0, n);
    }
    if (run.yc != null) {
      System.arraycopy(ws, cOff, run.yc, 0, n);
    }
  }

  /** Piece q of step s of {@link #recurSplit}. */
  private void splitPiece(Split sp, int s, int q, int pieces) {
    int n = hidden;
    int gh = type.gates() * n;
    int unit = 4 * r[0].panelWidth();
    int groups = n / unit;
    int u0 = groups * q / pieces * unit;
    int u1 = groups * (q + 1) / pieces * unit;
    float[] ws = sp.ws;
    int in = (s & 1) == 0 ? sp.hA : sp.hB;
    int out = in == sp.hA ? sp.hB : sp.hA;
    float[] a = QuantScratch.floats(QuantScratch.TASK_A, n);
    int[] sums = QuantScratch.ints(QuantScratch.TASK_A, 1);
    float[] scales = QuantScratch.floats(QuantScratch.TASK_B, 1);
    int[] acc = QuantScratch.ints(QuantScratch.TASK_B, r[0].paddedWidth());
    float[] rowScale = QuantScratch.floats(QuantScratch.TASK_C, gh);
    hq.quantizeRows(ws, in, 1, n, a, sums, scales);
    for (int g = 0; g < type.gates(); g++) {
      r[0].multiplyColumns(g * n + u0, g * n + u1, a, sums[0], scales[0], acc, rowScale, ws,
          sp.hrOff, sp.wide, 0);
    }
    Step run = sp.run;
    int t = reverse ? sp.len - 1 - s : s;
    cells.lstm(params[0], u0, u1, ws, run.xRow(t, 0) * gh, ws, sp.hrOff, ws, sp.cOff, ws, out);
    if (run.y != null) {
      System.arraycopy(ws, out + u0, run.y, run.yOff(t, 0, directions, n, 0) + u0, u1 - u0);
    }
  }

  /** The calling thread's {@link #recurSplit} record, set afresh by each call. */
  private static final ThreadLocal<Split> SPLITS = ThreadLocal.withInitial(Split::new);

  /** One {@link #recurSplit} call's operands. */
  private static final class Split extends StepPieces {
    QuantRecurrentLayer layer;
    Step run;
    float[] ws;
    int hA;
    int hB;
    int cOff;
    int hrOff;
    float[] wide;
    int len;

    Split set(QuantRecurrentLayer layer, Step run, float[] ws, int hA, int hB, int cOff,
        int hrOff, float[] wide, int len, int pieces) {
      this.layer = layer;
      this.run = run;
      this.ws = ws;
      this.hA = hA;
      this.hB = hB;
      this.cOff = cOff;
      this.hrOff = hrOff;
      this.wide = wide;
      this.len = len;
      start(len, pieces);
      return this;
    }

    /** Drops the call's arrays, so that an idle thread keeps none of them alive. */
    void clear() {
      set(null, null, null, 0, 0, 0, 0, null, 0, 0);
    }

    @Override
    void piece(int s, int q, int pieces) {
      layer.splitPiece(this, s, q, pieces);
    }
  }

  /**
   * R of direction d (then a GRU's R_h) widened to float in this thread's scratch for a run of
   * {@code steps} steps, or null where the bytes are read at every step instead (one step,
   * weights over {@link #WIDEN_MAX_FLOATS}, or widening switched off); written only when the
   * scratch does not hold it
   * already from this thread's last call. The products are exact either way, so results do not
   * change. Paired in one JVM, R of an LSTM with 128 hidden units over 28 steps, widening
   * included, against the bytes: 1.29x at 1 row, 1.79x at 4, 1.3x at 8 and 16, 1.10x at 32, 0.98x
   * at 64 (medians of 12 rounds); whole static-int8 models at batch 1, 1.25x (LSTM over rows) to
   * 1.4-1.6x (text LSTM).
   */
  private float[] widenRecurrent(int d, int steps) {
    int size = r[d].widenedSize() + (splitR ? rh[d].widenedSize() : 0);
    if (!widen || steps < 2 || size > WIDEN_MAX_FLOATS) {
      return null;
    }
    QuantScratch.Derived wide = QuantScratch.derived(size);
    if (wide.key != widenedKeys[d]) {
      wide.key = null; // not this layer's until written
      r[d].widen(wide.data, 0);
      if (splitR) {
        rh[d].widen(wide.data, r[d].widenedSize());
      }
      wide.key = widenedKeys[d];
    }
    return wide.data;
  }

  /** The first (or only) cell call of a step for one row; every operand lives in {@code ws}. */
  private void cell(RecurrentCells.Params p, float[] ws, int xo, int ho, int so, int co, int ro) {
    switch (type) {
      case LSTM:
        cells.lstm(p, ws, xo, ws, ho, ws, co, ws, so);
        break;
      case RNN:
        cells.rnn(p, ws, xo, ws, ho, ws, so);
        break;
      default:
        if (splitR) {
          cells.gruReset(p, ws, xo, ws, ho, ws, so, ws, ro);
        } else {
          cells.gruLinearBeforeReset(p, ws, xo, ws, ho, ws, so);
        }
    }
  }
}
