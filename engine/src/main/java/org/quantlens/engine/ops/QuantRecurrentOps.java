package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.QuantRecurrentLayer;
import org.quantlens.engine.kernels.RecurrentLayer;
import org.quantlens.engine.kernels.RowQuantizer;
import org.quantlens.engine.kernels.SequenceLayer;
import org.quantlens.engine.kernels.WeightOnlyRecurrentLayer;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Recurrent layers with 8-bit weights, run by {@link QuantRecurrentLayer} (integer products, float
 * gates and cell state), or with attribute weight_only by {@link WeightOnlyRecurrentLayer}:
 * <ul>
 *   <li>{@code com.microsoft.DynamicQuantizeLSTM} (ONNX Runtime's contrib op): inputs X, W, R, B,
 *       sequence_lens, initial_h, initial_c, P, W_scale, W_zero_point, R_scale, R_zero_point;
 *       W is {@code [num_directions, input_size, 4*hidden_size]} and R {@code [num_directions,
 *       hidden_size, 4*hidden_size]} (transposed against ONNX LSTM), int8 or uint8; scales and
 *       zero points {@code [num_directions]} (per tensor) or {@code [num_directions,
 *       4*hidden_size]} (per gate unit); X and H are quantized dynamically to uint8 per step;
 *   <li>{@code com.quantlens.QuantizedLSTM}: the same inputs, then optionally X_scale,
 *       X_zero_point, H_scale, H_zero_point (scalars, uint8 or int8 zero points): with them x_t and
 *       h_{t-1} are quantized with these calibrated parameters (QuantizeLinear, saturating), without
 *       them dynamically; with attribute weight_only = 1 (no X/H parameters allowed) x_t and
 *       h_{t-1} stay float and the products are float on the dequantized weights
 *       {@code (q - zp) * scale}:
 *       the meaning of a standard LSTM reading its weights through DequantizeLinear, which
 *       {@link org.quantlens.engine.quant.QdqFolding} folds into this form;
 *   <li>{@code com.quantlens.QuantizedGRU}: X, W, R, B, sequence_lens, initial_h, W_scale,
 *       W_zero_point, R_scale, R_zero_point, then the four optional static parameters; W
 *       {@code [num_directions, input_size, 3*hidden_size]}, R likewise; attribute
 *       linear_before_reset as GRU's.
 * </ul>
 * Attributes as the ONNX ops (direction, hidden_size, activations with alpha/beta, clip,
 * input_forget); our two ops also take layout (1: batch major), ONNX Runtime's has none.
 */
public final class QuantRecurrentOps implements OpFamily {
  private static final String DOMAIN = OpRegistry.QUANTLENS_DOMAIN;

  /** The op family, ready to register into any {@link OpRegistry}. */
  public QuantRecurrentOps() {}

  @Override
  public void register(OpRegistry r) {
    r.register(QuantOps.MS, "DynamicQuantizeLSTM", 1, ctx -> create(ctx, RecurrentLayer.Type.LSTM, false));
    r.register(DOMAIN, "QuantizedLSTM", 1, ctx -> create(ctx, RecurrentLayer.Type.LSTM, true));
    r.register(DOMAIN, "QuantizedGRU", 1, ctx -> create(ctx, RecurrentLayer.Type.GRU, true));
  }

  /** Input positions of one op. */
  private static final class Slots {
    final int seqLens = 4;
    final int initialH = 5;
    final int initialC;
    final int p;
    final int wScale;
    final int staticParams;

    Slots(RecurrentLayer.Type type) {
      boolean lstm = type == RecurrentLayer.Type.LSTM;
      initialC = lstm ? 6 : -1;
      p = lstm ? 7 : -1;
      wScale = lstm ? 8 : 6;
      staticParams = wScale + 4;
    }
  }

  /** The attributes and checked static parts of one node. */
  private static final class Spec extends RecurrentAttributes {
    final Slots slots;
    /** Float products on the dequantized weights; xq and hq are then null. */
    final boolean weightOnly;
    RowQuantizer xq;
    RowQuantizer hq;

    Spec(NodeContext ctx, RecurrentLayer.Type type) {
      // batch-major layout only in our own domain (com.microsoft's DynamicQuantizeLSTM has none)
      super(ctx, type, ctx.node().domain().equals(DOMAIN), true);
      slots = new Slots(type);
      int wo = ctx.node().domain().equals(DOMAIN) ? ctx.attrInt("weight_only", 0) : 0;
      if (wo != 0 && wo != 1) {
        throw ctx.error("weight_only must be 0 or 1, got " + wo);
      }
      weightOnly = wo == 1;
    }
  }

  private static Operator create(NodeContext ctx, RecurrentLayer.Type type, boolean staticAllowed) {
    Spec s = new Spec(ctx, type);
    if (!ctx.hasInput(0) || !ctx.hasInput(1) || !ctx.hasInput(2) || !ctx.hasInput(s.slots.wScale)
        || !ctx.hasInput(s.slots.wScale + 2)) {
      throw ctx.error("inputs X, W, R, W_scale and R_scale are required");
    }
    int sp = s.slots.staticParams;
    boolean anyStatic = false;
    boolean allStatic = true;
    for (int i = sp; i < sp + 4; i++) {
      anyStatic |= ctx.hasInput(i);
      allStatic &= ctx.hasInput(i) && ctx.constant(i) != null;
    }
    KernelHolder k = KernelHolder.INSTANCE;
    if (anyStatic && s.weightOnly) {
      throw ctx.error("weight_only keeps x and h in float: it takes no X_scale, X_zero_point, "
          + "H_scale or H_zero_point");
    }
    if (anyStatic) {
      if (!staticAllowed || !allStatic) {
        throw ctx.error(staticAllowed ? "X_scale, X_zero_point, H_scale and H_zero_point must all be "
            + "given as constants, or none" : "has more than 12 inputs");
      }
      s.xq = fixed(ctx, s, ctx.constant(sp), ctx.constant(sp + 1), "X");
      s.hq = fixed(ctx, s, ctx.constant(sp + 2), ctx.constant(sp + 3), "H");
    } else if (!s.weightOnly) {
      s.xq = RowQuantizer.dynamic(k.kernels.quantize());
      s.hq = s.xq;
    }
    boolean constant = true;
    for (int i : weightInputs(s)) {
      constant &= !ctx.hasInput(i) || ctx.constant(i) != null;
    }
    SequenceLayer prepared = null;
    if (constant) {
      Tensor[] c = new Tensor[s.slots.staticParams];
      for (int i = 0; i < c.length; i++) {
        c[i] = ctx.hasInput(i) ? ctx.constant(i) : null;
      }
      prepared = prepare(s, c);
      for (int i : weightInputs(s)) { // the layer holds all it needs of them
        if (ctx.hasInput(i)) {
          ctx.ownsCopyOf(i);
        }
      }
    }
    for (int i = sp; anyStatic && i < sp + 4; i++) { // read into s.xq and s.hq above
      ctx.ownsCopyOf(i);
    }
    SequenceLayer layer = prepared;
    return (inputs, ec) -> run(s, layer, inputs, ec);
  }

  /** The kernels, chosen once. */
  private static final class KernelHolder {
    static final KernelHolder INSTANCE = new KernelHolder();
    final QuantRecurrentLayer.KernelSet kernels = QuantRecurrentLayer.KernelSet.selected();
  }

  private static int[] weightInputs(Spec s) {
    Slots sl = s.slots;
    return s.type == RecurrentLayer.Type.LSTM
        ? new int[] {1, 2, 3, sl.p, sl.wScale, sl.wScale + 1, sl.wScale + 2, sl.wScale + 3}
        : new int[] {1, 2, 3, sl.wScale, sl.wScale + 1, sl.wScale + 2, sl.wScale + 3};
  }

  private static RowQuantizer fixed(NodeContext ctx, Spec s, Tensor scale, Tensor zp, String what) {
    if (scale.size() != 1 || zp.size() != 1) {
      throw ctx.error(what + "_scale and " + what + "_zero_point must be scalars");
    }
    if (zp.dtype() != DType.U8 && zp.dtype() != DType.I8) {
      throw ctx.error(what + "_zero_point must be uint8 or int8, got " + zp.dtype());
    }
    float sc = scale.toFloats()[0];
    if (!(sc > 0) || !Float.isFinite(sc)) {
      throw ctx.error(what + "_scale must be positive and finite, got " + sc);
    }
    boolean unsigned = zp.dtype() == DType.U8;
    int lo = unsigned ? 0 : -128;
    return RowQuantizer.fixed(sc, (int) zp.getLong(0), lo, lo + 255, unsigned,
        KernelHolder.INSTANCE.kernels.quantize());
  }

  private static Tensor in(Tensor[] inputs, int i) {
    return i >= 0 && i < inputs.length ? inputs[i] : null;
  }

  /** Checks shapes and types of the weights and prepares the layer. */
  private static SequenceLayer prepare(Spec s, Tensor[] in) {
    Tensor w = in[1];
    Tensor r = in[2];
    if (w.rank() != 3 || r.rank() != 3) {
      throw new ShapeMismatchException(s.node + ": W and R must have rank 3, got "
          + Arrays.toString(w.shape()) + " and " + Arrays.toString(r.shape()));
    }
    if (w.dtype() != DType.I8 && w.dtype() != DType.U8 || r.dtype() != w.dtype()) {
      throw new ShapeMismatchException(s.node + ": W and R must both be int8 or both uint8, got "
          + w.dtype() + " and " + r.dtype());
    }
    int g = s.type.gates();
    int hidden = s.hiddenAttr > 0 ? s.hiddenAttr : r.dim(1);
    int gh = g * hidden;
    int input = w.dim(1);
    int d = s.directions;
    expect(s, "W", w, d, input, gh);
    expect(s, "R", r, d, hidden, gh);
    Tensor b = in[3];
    if (b != null) {
      expect(s, "B", b, d, 2 * gh);
    }
    Tensor p = s.slots.p >= 0 ? in[s.slots.p] : null;
    if (p != null) {
      expect(s, "P", p, d, 3 * hidden);
    }
    int ws = s.slots.wScale;
    boolean unsigned = w.dtype() == DType.U8;
    QuantRecurrentLayer.Weights wt = new QuantRecurrentLayer.Weights(w.bytes(), r.bytes(), unsigned,
        scales(s, "W_scale", in[ws], d, gh), zeroPoints(s, "W_zero_point", in[ws + 1], w.dtype(), d, gh),
        scales(s, "R_scale", in[ws + 2], d, gh), zeroPoints(s, "R_zero_point", in[ws + 3], w.dtype(), d, gh));
    float[] bias = b == null ? null : b.toFloats();
    float[] peep = p == null ? null : p.toFloats();
    if (s.weightOnly) {
      return WeightOnlyRecurrentLayer.of(s.type, hidden, input, d, s.reverse, wt, bias, peep,
          s.activations, s.clip, s.inputForget, s.linearBeforeReset,
          KernelHolder.INSTANCE.kernels.cells());
    }
    return QuantRecurrentLayer.of(s.type, hidden, input, d, s.reverse, wt, bias, peep,
        s.activations, s.clip, s.inputForget, s.linearBeforeReset, s.xq, s.hq,
        KernelHolder.INSTANCE.kernels);
  }

  /** Per-column scales {@code [d * gh]} from {@code [d]} or {@code [d, gh]}. */
  private static float[] scales(Spec s, String name, Tensor t, int d, int gh) {
    float[] v = perColumn(s, name, t, t.toFloats(), d, gh);
    for (float f : v) {
      if (!(f > 0) || !Float.isFinite(f)) {
        throw new ShapeMismatchException(s.node + ": " + name + " must hold positive finite scales, got " + f);
      }
    }
    return v;
  }

  private static int[] zeroPoints(Spec s, String name, Tensor t, DType type, int d, int gh) {
    if (t == null) {
      return new int[d * gh];
    }
    if (t.dtype() != type) {
      throw new ShapeMismatchException(s.node + ": " + name + " must be " + type + " like the weights, got "
          + t.dtype());
    }
    float[] raw = new float[t.size()];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = t.getLong(i); // uint8 read as unsigned
    }
    float[] f = perColumn(s, name, t, raw, d, gh);
    int[] z = new int[f.length];
    for (int i = 0; i < f.length; i++) {
      z[i] = (int) f[i];
    }
    return z;
  }

  private static float[] perColumn(Spec s, String name, Tensor t, float[] v, int d, int gh) {
    if (t.size() == d && t.rank() <= 1) {
      float[] out = new float[d * gh];
      for (int i = 0; i < d; i++) {
        Arrays.fill(out, i * gh, (i + 1) * gh, v[i]);
      }
      return out;
    }
    if (t.size() == d * gh && (t.rank() == 2 && t.dim(0) == d || t.rank() == 1 && d == 1)) {
      return v.clone();
    }
    throw new ShapeMismatchException(s.node + ": " + name + " must have shape [" + d + "] or [" + d
        + ", " + gh + "], got " + Arrays.toString(t.shape()));
  }

  private static void expect(Spec s, String name, Tensor t, int... shape) {
    if (!Arrays.equals(t.shape(), shape)) {
      throw new ShapeMismatchException(s.node + ": " + name + " must have shape "
          + Arrays.toString(shape) + ", got " + Arrays.toString(t.shape()));
    }
  }

  private static Tensor[] run(Spec s, SequenceLayer prepared, Tensor[] inputs, ExecContext ec) {
    Tensor x = inputs[0];
    if (x.rank() != 3 || !x.dtype().isFloating()) {
      throw new ShapeMismatchException(s.node + ": X must be a rank-3 float tensor, got "
          + x.dtype() + Arrays.toString(x.shape()));
    }
    SequenceLayer layer = prepared;
    if (layer == null) {
      Tensor[] c = new Tensor[s.slots.staticParams];
      for (int i = 0; i < c.length; i++) {
        c[i] = in(inputs, i);
      }
      layer = prepare(s, c);
      if (layer instanceof WeightOnlyRecurrentLayer wo) {
        layer = wo.toFloat(); // this call's weights: kept in no thread's cache
      }
    }
    int seqLen = s.batchMajor ? x.dim(1) : x.dim(0);
    int batch = s.batchMajor ? x.dim(0) : x.dim(1);
    int hidden = layer.hidden();
    if (x.dim(2) != layer.input()) {
      throw new ShapeMismatchException(s.node + ": X has input size " + x.dim(2)
          + " but W expects " + layer.input());
    }
    int[][] shapes = s.shapes(x, hidden, layer.workSize(seqLen, batch), prepared != null);
    int[] stateShape = shapes[0];
    int[] yShape = shapes[1];
    int[] lens = null;
    Tensor sl = in(inputs, s.slots.seqLens);
    if (sl != null) {
      expect(s, "sequence_lens", sl, batch);
      lens = new int[batch];
      for (int i = 0; i < batch; i++) {
        long v = sl.getLong(i);
        if (v < 0 || v > seqLen) {
          throw new ShapeMismatchException(s.node + ": sequence_lens[" + i + "] = " + v
              + " is outside [0, " + seqLen + "]");
        }
        lens[i] = (int) v;
      }
    }
    float[] h0 = state(s, "initial_h", in(inputs, s.slots.initialH), stateShape);
    float[] c0 = state(s, "initial_c", in(inputs, s.slots.initialC), stateShape);
    Tensor y = s.outputs[0] ? ec.allocate(DType.F32, yShape) : null;
    Tensor yh = s.outputs[1] ? ec.allocate(DType.F32, stateShape) : null;
    Tensor yc = s.outputs[2] ? ec.allocate(DType.F32, stateShape) : null;
    if (seqLen > 0 && batch > 0) {
      // the input projections and states come from the session's recycled buffers
      Tensor work = ec.allocateUninitialized(DType.F32, shapes[2]);
      layer.run(ec, work.floats(), x.toFloats(), seqLen, batch, s.batchMajor, lens, h0, c0,
          floats(y), floats(yh), floats(yc));
      ec.release(work);
    }
    Tensor[] out = ec.results(s.type == RecurrentLayer.Type.LSTM ? 3 : 2);
    out[0] = y;
    out[1] = yh;
    if (out.length > 2) {
      out[2] = yc;
    }
    for (int i = 0; i < out.length; i++) {
      if (out[i] != null && x.dtype() != DType.F32) {
        out[i] = out[i].cast(x.dtype());
      }
    }
    return out;
  }

  private static float[] floats(Tensor t) {
    return t == null ? null : t.floats();
  }

  private static float[] state(Spec s, String name, Tensor t, int[] shape) {
    if (t == null) {
      return null;
    }
    expect(s, name, t, shape);
    return t.toFloats();
  }
}
