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
 * recurrence runs in tasks of (direction, block of batch rows) as in {@link RecurrentLayer}. A
 * row's numbers depend only on that row, so results never depend on the thread count or on the
 * rest of the batch. Immutable and thread-safe.
 */
public final class QuantRecurrentLayer {
  private static final int X_ROW_BLOCK = 64;

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
    RecurrentCells.Params[] params = cellParams(type, hidden, directions, b, p, activations, clip,
        inputForget, linearBeforeReset);
    return new QuantRecurrentLayer(type, hidden, input, directions, reverse, split, pw, pr, prh,
        params, k.cells, xq, hq);
  }

  /** The cell parameters per direction, as {@link RecurrentLayer#of} prepares them. */
  private static RecurrentCells.Params[] cellParams(RecurrentLayer.Type type, int hidden,
      int directions, float[] b, float[] p, List<List<RnnActivation>> activations, float clip,
      boolean inputForget, boolean linearBeforeReset) {
    int gh = type.gates() * hidden;
    RecurrentCells.Params[] params = new RecurrentCells.Params[directions];
    boolean lbr = type == RecurrentLayer.Type.GRU && linearBeforeReset;
    for (int d = 0; d < directions; d++) {
      int bo = d * 2 * gh;
      float[] bias = new float[gh];
      float[] rbh = lbr ? new float[hidden] : null;
      if (b != null) {
        for (int i = 0; i < gh; i++) {
          bias[i] = b[bo + i] + b[bo + gh + i]; // Wb + Rb once, in float
        }
        if (lbr) { // R_h's bias sits inside the reset product
          for (int i = 0; i < hidden; i++) {
            bias[2 * hidden + i] = b[bo + 2 * hidden + i];
            rbh[i] = b[bo + gh + 2 * hidden + i];
          }
        }
      }
      float[] peep = null;
      if (p != null && type == RecurrentLayer.Type.LSTM) {
        peep = new float[3 * hidden];
        System.arraycopy(p, d * 3 * hidden, peep, 0, 3 * hidden);
      }
      List<RnnActivation> acts = activations.get(d);
      params[d] = new RecurrentCells.Params(hidden, acts.get(0), acts.size() > 1 ? acts.get(1) : null,
          acts.size() > 2 ? acts.get(2) : null, clip, bias, rbh, peep, inputForget);
    }
    return params;
  }

  public RecurrentLayer.Type type() {
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

  /** Runs the layer; arguments and output layout as {@link RecurrentLayer#run}. */
  public void run(Parallel par, float[] x, int seqLen, int batch, boolean batchMajor, int[] lens,
      float[] h0, float[] c0, float[] y, float[] yh, float[] yc) {
    if (seqLen == 0 || batch == 0) {
      return;
    }
    int gh = type.gates() * hidden;
    int rows = seqLen * batch;
    float[][] xw = new float[directions][rows * gh];
    int xBlocks = (rows + X_ROW_BLOCK - 1) / X_ROW_BLOCK;
    par.forRange(directions * xBlocks, t -> projectX(x, t / xBlocks, t % xBlocks, rows, xw));
    int perDirection = par.threads() == 1 ? 1
        : (RecurrentLayer.BLOCKS_PER_THREAD * par.threads() + directions - 1) / directions;
    int blocks = Math.max(1, Math.min(perDirection, batch / RecurrentLayer.MIN_ROWS_PER_TASK));
    int tasks = directions * blocks;
    Step run = new Step(seqLen, batch, batchMajor, lens, h0, c0, y, yh, yc);
    Parallel inner = tasks == 1 ? par : Parallel.SERIAL; // a lone task spreads each step's product
    par.forRange(tasks, t -> {
      int d = t / blocks;
      int k = t % blocks;
      int b0 = (int) ((long) batch * k / blocks);
      int b1 = (int) ((long) batch * (k + 1) / blocks);
      recur(inner, run, d, xw[d], b0, b1);
    });
  }

  /** {@code X W^T} for rows of block {@code blk} of direction d, into {@code xw[d]}. */
  private void projectX(float[] x, int d, int blk, int rows, float[][] xw) {
    Int8WeightPanels pw = w[d];
    int i0 = blk * X_ROW_BLOCK;
    int m = Math.min(rows, i0 + X_ROW_BLOCK) - i0;
    float[] a = new float[m * input];
    int[] sums = new int[m];
    float[] scales = new float[m];
    xq.quantizeRows(x, i0 * input, m, input, a, sums, scales, new byte[input]);
    pw.multiply(m, a, sums, scales, new int[m * pw.paddedWidth()], new float[pw.n()], xw[d],
        i0 * pw.n(), pw.n());
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

  /** Every step of direction d for batch rows [b0, b1); scratch allocated once here. */
  private void recur(Parallel par, Step run, int d, float[] xw, int b0, int b1) {
    int n = hidden;
    int gh = type.gates() * n;
    int rows = b1 - b0;
    boolean back = d == 1 || reverse;
    RecurrentCells.Params p = params[d];
    float[] h = new float[rows * n];
    float[] c = type == RecurrentLayer.Type.LSTM ? new float[rows * n] : null;
    float[] hr = new float[rows * gh];
    float[] rhBuf = splitR ? new float[rows * n] : null;
    float[] a = new float[rows * n];
    int[] sums = new int[rows];
    float[] scales = new float[rows];
    byte[] q = new byte[n];
    int[] acc = new int[rows * r[d].paddedWidth()];
    float[] rowScale = new float[gh];
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
      hq.quantizeRows(h, 0, rows, n, a, sums, scales, q);
      r[d].multiply(par, rows, a, sums, scales, acc, rowScale, hr, 0, gh);
      for (int k = 0; k < rows; k++) {
        int len = run.len(b0 + k);
        if (s < len) {
          int xo = run.xRow(back ? len - 1 - s : s, b0 + k) * gh;
          cell(p, xw, xo, hr, k * gh, h, c, rhBuf, k * n);
        }
      }
      if (rhBuf != null) {
        hq.quantizeRows(rhBuf, 0, rows, n, a, sums, scales, q);
        rh[d].multiply(par, rows, a, sums, scales, acc, rowScale, hr, 2 * n, gh);
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
        continue; // no step ran: Y_h and Y_c stay zero, as in the float layer
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
