package org.quantlens.engine.ops;

import java.util.Arrays;
import java.util.List;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.RecurrentCells;
import org.quantlens.engine.kernels.RecurrentLayer;
import org.quantlens.engine.kernels.RnnActivation;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The ONNX recurrent ops LSTM (opsets 1, 7, 14), GRU (1, 3, 7, 14) and RNN (1, 7, 14), with every
 * attribute: direction, hidden_size, activations with their alpha/beta, clip, input_forget (LSTM),
 * linear_before_reset (GRU, from opset 3), layout (from opset 14); optional inputs B,
 * sequence_lens, initial_h, initial_c and P, optional outputs Y, Y_h and Y_c.
 *
 * <p>Constant weights are prepared once at load ({@link RecurrentLayer}: biases pre-added); weights
 * computed at run time are prepared on each call. float32 runs natively; float16 and float64
 * inputs are computed in float32 and the outputs cast back. Opset 1's {@code output_sequence} is
 * ignored: Y is produced whenever it is requested. A sequence of length 0 yields zero Y_h and Y_c
 * (as ONNX Runtime does).
 */
public final class RecurrentOps implements OpFamily {
  private static final int X = 0;
  private static final int W = 1;
  private static final int R = 2;
  private static final int B = 3;
  private static final int SEQ_LENS = 4;
  private static final int INITIAL_H = 5;
  private static final int INITIAL_C = 6;
  private static final int P = 7;

  @Override
  public void register(OpRegistry r) {
    for (int since : new int[] {1, 7, 14}) {
      r.register("LSTM", since, ctx -> create(ctx, RecurrentLayer.Type.LSTM));
      r.register("RNN", since, ctx -> create(ctx, RecurrentLayer.Type.RNN));
    }
    for (int since : new int[] {1, 3, 7, 14}) {
      r.register("GRU", since, ctx -> create(ctx, RecurrentLayer.Type.GRU));
    }
  }

  /** The attributes of one node, parsed and checked at load. */
  private static final class Spec extends RecurrentAttributes {

    Spec(NodeContext ctx, RecurrentLayer.Type type) {
      // layout exists from opset 14, linear_before_reset from GRU-3
      super(ctx, type, ctx.opset() >= 14, ctx.opset() >= 3); // as RecurrentAttributes.of
    }
  }

  private static Operator create(NodeContext ctx, RecurrentLayer.Type type) {
    Spec spec = new Spec(ctx, type);
    List<List<RnnActivation>> acts = spec.activations;
    if (!ctx.hasInput(X) || !ctx.hasInput(W) || !ctx.hasInput(R)) {
      throw ctx.error("inputs X, W and R are required");
    }
    RecurrentLayer prepared = null;
    if (ctx.constant(W) != null && ctx.constant(R) != null
        && (!ctx.hasInput(B) || ctx.constant(B) != null)
        && (type != RecurrentLayer.Type.LSTM || !ctx.hasInput(P) || ctx.constant(P) != null)) {
      prepared = prepare(spec, acts, ctx.constant(W), ctx.constant(R),
          ctx.hasInput(B) ? ctx.constant(B) : null,
          type == RecurrentLayer.Type.LSTM && ctx.hasInput(P) ? ctx.constant(P) : null);
      for (int i : new int[] {W, R, B, P}) {
        if (ctx.constant(i) != null) { // GRU has no input P: constant(P) is null
          ctx.ownsCopyOf(i);
        }
      }
    }
    RecurrentLayer layer = prepared;
    return (inputs, ec) -> run(spec, acts, layer, inputs, ec);
  }

  private static Tensor in(Tensor[] inputs, int i) {
    return i < inputs.length ? inputs[i] : null;
  }

  /** Checks the weight shapes and prepares the layer. */
  private static RecurrentLayer prepare(Spec s, List<List<RnnActivation>> acts, Tensor w, Tensor r,
      Tensor b, Tensor p) {
    if (r.rank() != 3) {
      throw new ShapeMismatchException(s.node + ": R must have rank 3, got shape "
          + Arrays.toString(r.shape()));
    }
    int hidden = s.hiddenAttr > 0 ? s.hiddenAttr : r.dim(2);
    int gh = s.type.gates() * hidden;
    if (w.rank() != 3) {
      throw new ShapeMismatchException(s.node + ": W must have rank 3, got shape "
          + Arrays.toString(w.shape()));
    }
    int input = w.dim(2);
    expect(s, "W", w, s.directions, gh, input);
    expect(s, "R", r, s.directions, gh, hidden);
    if (b != null) {
      expect(s, "B", b, s.directions, 2 * gh);
    }
    if (p != null) {
      expect(s, "P", p, s.directions, 3 * hidden);
    }
    return RecurrentLayer.of(s.type, hidden, input, s.directions, s.reverse, w.toFloats(),
        r.toFloats(), b == null ? null : b.toFloats(), p == null ? null : p.toFloats(), acts,
        s.clip, s.inputForget, s.linearBeforeReset, RecurrentCells.get());
  }

  private static void expect(Spec s, String name, Tensor t, int... shape) {
    if (!Arrays.equals(t.shape(), shape)) {
      throw new ShapeMismatchException(s.node + ": " + name + " must have shape "
          + Arrays.toString(shape) + ", got " + Arrays.toString(t.shape()));
    }
  }

  private static Tensor[] run(Spec s, List<List<RnnActivation>> acts, RecurrentLayer prepared,
      Tensor[] inputs, ExecContext ec) {
    Tensor x = inputs[X];
    if (x.rank() != 3 || !x.dtype().isFloating()) {
      throw new ShapeMismatchException(s.node + ": X must be a rank-3 float tensor, got "
          + x.dtype() + Arrays.toString(x.shape()));
    }
    RecurrentLayer layer = prepared != null ? prepared
        : prepare(s, acts, inputs[W], inputs[R], in(inputs, B), s.type == RecurrentLayer.Type.LSTM
            ? in(inputs, P) : null);
    int seqLen = s.batchMajor ? x.dim(1) : x.dim(0);
    int batch = s.batchMajor ? x.dim(0) : x.dim(1);
    int hidden = layer.hidden();
    if (x.dim(2) != layer.input()) {
      throw new ShapeMismatchException(s.node + ": X has input size " + x.dim(2)
          + " but W expects " + layer.input());
    }
    int[][] shapes = s.shapes(x, hidden, layer.workSize(seqLen, batch), prepared != null);
    int[] stateShape = shapes[0];
    int[] lens = null;
    Tensor sl = in(inputs, SEQ_LENS);
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
    float[] h0 = state(s, "initial_h", in(inputs, INITIAL_H), stateShape);
    float[] c0 = s.type == RecurrentLayer.Type.LSTM
        ? state(s, "initial_c", in(inputs, INITIAL_C), stateShape) : null;
    int[] yShape = shapes[1];
    // every row running every step writes all of Y, Y_h and Y_c: no need to clear them first
    boolean full = lens == null && seqLen > 0 && batch > 0;
    Tensor y = s.outputs[0] ? output(ec, full, yShape) : null;
    Tensor yh = s.outputs[1] ? output(ec, full, stateShape) : null;
    Tensor yc = s.outputs[2] ? output(ec, full, stateShape) : null;
    if (seqLen > 0 && batch > 0) {
      // the input projections and states come from the session's recycled buffers, and the
      // layer writes them before reading them
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

  private static Tensor output(ExecContext ec, boolean fullyWritten, int[] shape) {
    return fullyWritten ? ec.allocateUninitialized(DType.F32, shape) : ec.allocate(DType.F32, shape);
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
