package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.QuantizeKernels;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Float16;
import org.quantlens.engine.tensor.QuantParams;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear with ONNX semantics (and ONNX
 * Runtime's arithmetic): quantize divides by the scale in float32, rounds half to even and
 * saturates; dequantize computes {@code (float) (x - zp) * scale}. Per-tensor or per-axis (one
 * scale per index of {@code axis}, opset 13+); a one-element scale is per tensor.
 */
final class QuantizeOps {
  private QuantizeOps() {}

  /** QuantizeLinear-10/13/19 (and com.microsoft QuantizeLinear-1 with {@code perAxisDefault} false). */
  static Operator quantize(NodeContext ctx, boolean axisAttr) {
    int axis = axisOf(ctx, axisAttr);
    if (ctx.attrLong("block_size", 0) != 0) {
      throw ctx.error("blocked quantization (block_size " + ctx.attrLong("block_size", 0) + ") is not supported");
    }
    DType dflt = DType.U8;
    long od = ctx.attrLong("output_dtype", 0);
    if (od != 0) {
      if (od != 2 && od != 3) {
        throw ctx.error("output_dtype " + od + " is not supported; only uint8 (2) and int8 (3)");
      }
      dflt = od == 2 ? DType.U8 : DType.I8;
    }
    QuantArg.Input qa = QuantArg.Input.of(ctx, 1, 2, dflt, false, "y_scale");
    if (od != 0 && qa.constant() != null && ctx.hasInput(2) && qa.constant().type != dflt) {
      throw ctx.error("output_dtype says " + dflt + " but y_zero_point is " + qa.constant().type);
    }
    checkPerAxisAllowed(ctx, qa, axis, "y_scale");
    qa.ownConstant(ctx); // runs read the pair only through qa
    String where = ctx.node().describe();
    return (in, ex) -> {
      Tensor x = in[0];
      QuantArg q = qa.get(in);
      if (x.dtype() != DType.F32 && x.dtype() != DType.F16 && x.dtype() != DType.I32) {
        throw new ShapeMismatchException(where + ": x must be float32, float16 or int32, got " + x.dtype());
      }
      Tensor y = ex.allocateUninitialized(q.type, x); // every element is written
      byte[] yb = y.bytes();
      int qmin = QuantParams.qmin(q.type);
      int qmax = QuantParams.qmax(q.type);
      SaturationCounter sat = ex.saturation();
      if (x.dtype() == DType.F32 && q.perTensor() && QuantParallel.serial(ex, x.size())) {
        // one run on this thread: no layout or task to make
        quantizeRun(QuantizeKernels.get(), x.floats(), 0, x.size(), q, 0, qmin, qmax, yb, sat);
        return ex.result(y);
      }
      Layout l = Layout.of(x.shape(), q, axis, where);
      if (x.dtype() == DType.I32) {
        int[] xi = x.ints();
        QuantParallel.forRuns(ex, l.blocks, l.inner, (b, from, to) -> {
          int c = b % l.channels;
          int off = b * l.inner;
          double s = q.scale(c);
          int zp = q.zeroPoint(c);
          long low = 0;
          long high = 0;
          for (int i = off + from; i < off + to; i++) {
            // int32 / float32 is computed in double, as the ONNX reference (numpy) does
            double v = Math.rint(xi[i] / s) + zp;
            yb[i] = (byte) Math.max(qmin, Math.min(qmax, v));
            low += v < qmin ? 1 : 0;
            high += v > qmax ? 1 : 0;
          }
          if (sat != null) {
            sat.add(low, high, 0, to - from);
          }
        });
        return ex.result(y);
      }
      float[] xf = x.dtype() == DType.F32 ? x.floats() : x.toFloats();
      QuantizeKernels k = QuantizeKernels.get();
      QuantParallel.forRuns(ex, l.blocks, l.inner, (b, from, to) ->
          quantizeRun(k, xf, b * l.inner + from, to - from, q, b % l.channels, qmin, qmax, yb, sat));
      return ex.result(y);
    };
  }

  /** {@code n} values from {@code off} with channel c's scale and zero point. */
  private static void quantizeRun(QuantizeKernels k, float[] x, int off, int n, QuantArg q, int c,
      int qmin, int qmax, byte[] y, SaturationCounter sat) {
    k.quantize(x, off, n, q.scale(c), q.zeroPoint(c), qmin, qmax, y, off);
    if (sat != null) {
      long[] counts = new long[3];
      k.countSaturation(x, off, n, q.scale(c), q.zeroPoint(c), qmin, qmax, counts);
      sat.add(counts, n);
    }
  }

  /** DequantizeLinear-10/13/19 (and com.microsoft DequantizeLinear-1). */
  static Operator dequantize(NodeContext ctx, boolean axisAttr) {
    int axis = axisOf(ctx, axisAttr);
    if (ctx.attrLong("block_size", 0) != 0) {
      throw ctx.error("blocked quantization (block_size " + ctx.attrLong("block_size", 0) + ") is not supported");
    }
    QuantArg.Input qa = QuantArg.Input.of(ctx, 1, 2, DType.U8, true, "x_scale", 0);
    checkPerAxisAllowed(ctx, qa, axis, "x_scale");
    boolean opset19 = ctx.opset() >= 19;
    FusedActivation act = FusedActivation.of(ctx); // float32 outputs only (the fusion pass checks)
    Tensor constScale = ctx.constant(1);
    // a constant pair is read only through qa (and its scale's type now), so the session may free it
    int halfScale = constScale == null ? -1 : constScale.dtype() == DType.F16 ? 1 : 0;
    qa.ownConstant(ctx);
    String where = ctx.node().describe();
    return (in, ex) -> {
      Tensor x = in[0];
      QuantArg q = qa.get(in);
      DType t = x.dtype();
      if (t != DType.I8 && t != DType.U8 && t != DType.I32) {
        throw new ShapeMismatchException(where + ": x must be int8, uint8 or int32, got " + t);
      }
      if (qa.hasZeroPoint() && q.type != t) {
        throw new ShapeMismatchException(where + ": x_zero_point is " + q.type + " but x is " + t);
      }
      if (t == DType.I32 && !q.allZeroPoints(0)) {
        throw new InvalidAttributeException(where + ": int32 input needs a zero point of 0, got "
            + Arrays.toString(q.zeroPoints));
      }
      Tensor yt = ex.allocateUninitialized(DType.F32, x); // every element is written
      float[] y = yt.floats();
      if (t != DType.I32 && q.perTensor() && QuantParallel.serial(ex, x.size())) {
        // one run on this thread: no layout or task to make
        QuantizeKernels.get().dequantize(x.bytes(), 0, x.size(), t == DType.U8, q.zeroPoint(0),
            q.scale(0), y, 0);
      } else if (t == DType.I32) {
        Layout l = Layout.of(x.shape(), q, axis, where);
        int[] xi = x.ints();
        QuantParallel.forRuns(ex, l.blocks, l.inner, (b, from, to) -> {
          float s = q.scale(b % l.channels);
          int off = b * l.inner;
          for (int i = off + from; i < off + to; i++) {
            y[i] = (float) xi[i] * s;
          }
        });
      } else {
        Layout l = Layout.of(x.shape(), q, axis, where);
        byte[] xb = x.bytes();
        boolean unsigned = t == DType.U8;
        QuantizeKernels k = QuantizeKernels.get();
        QuantParallel.forRuns(ex, l.blocks, l.inner, (b, from, to) -> {
          int c = b % l.channels;
          int off = b * l.inner + from;
          k.dequantize(xb, off, to - from, unsigned, q.zeroPoint(c), q.scale(c), y, off);
        });
      }
      act.apply(y, 0, yt.size());
      boolean half = opset19 && (halfScale >= 0 ? halfScale == 1 : in[1].dtype() == DType.F16);
      if (!half) {
        return ex.result(yt);
      }
      Tensor ht = ex.allocateUninitialized(DType.F16, x);
      short[] h = ht.shorts();
      for (int i = 0; i < h.length; i++) {
        h[i] = Float16.fromFloat(y[i]);
      }
      ex.release(yt);
      return ex.result(ht);
    };
  }

  /**
   * DynamicQuantizeLinear-11: uint8 with {@code scale = (max(0, max x) - min(0, min x)) / 255}
   * and {@code zp = rint(clamp(0 - min(0, min x) / scale, 0, 255))}, all in float32. When the range
   * is empty (all zeros) the scale is 1 (ONNX Runtime; the ONNX formula would divide 0 by 0).
   */
  static Operator dynamicQuantize(NodeContext ctx) {
    String where = ctx.node().describe();
    return (in, ex) -> {
      Tensor x = in[0];
      if (x.dtype() != DType.F32) {
        throw new ShapeMismatchException(where + ": x must be float32, got " + x.dtype());
      }
      float[] xf = x.floats();
      int n = x.size();
      float min = 0;
      float max = 0;
      for (int i = 0; i < n; i++) {
        min = Math.min(min, xf[i]);
        max = Math.max(max, xf[i]);
      }
      float scale = max == min ? 1f : (max - min) / 255f;
      float izp = 0f - min / scale;
      int zp = (int) Math.rint(Math.max(0f, Math.min(255f, izp)));
      Tensor y = ex.allocateUninitialized(DType.U8, x); // every element is written
      SaturationCounter sat = ex.saturation();
      if (Float.isFinite(scale) && scale > 0) {
        QuantizeKernels k = QuantizeKernels.get();
        QuantParallel.forRuns(ex, 1, n, (b, from, to) -> {
          k.quantize(xf, from, to - from, scale, zp, 0, 255, y.bytes(), from);
          if (sat != null) { // the range covers every value: only rounding at the ends could clip
            long[] counts = new long[3];
            k.countSaturation(xf, from, to - from, scale, zp, 0, 255, counts);
            sat.add(counts, to - from);
          }
        });
      } else { // NaN or infinite inputs: no meaningful range; every value maps to the zero point
        Arrays.fill(y.bytes(), 0, n, (byte) zp);
        if (sat != null) {
          sat.add(0, 0, countNonFinite(xf, n), n);
        }
      }
      Tensor zpt = Tensor.zeros(DType.U8);
      zpt.bytes()[0] = (byte) zp;
      Tensor[] out = ex.results(3);
      out[0] = y;
      out[1] = Tensor.of(new float[] {scale});
      out[2] = zpt;
      return out;
    };
  }

  static long countNonFinite(float[] x, int n) {
    long c = 0;
    for (int i = 0; i < n; i++) {
      c += Float.isFinite(x[i]) ? 0 : 1;
    }
    return c;
  }

  /** Axis value meaning "no per-axis parameters" (opset 10, or the contrib ops without axis). */
  static final int NO_AXIS = Integer.MIN_VALUE;

  /**
   * The per-axis axis: the {@code axis} attribute (default 1) from opset 13; the contrib ops are
   * per tensor unless {@code axis} is given; opset 10 has none.
   */
  private static int axisOf(NodeContext ctx, boolean axisAttr) {
    if (!ctx.node().domain().isEmpty()) {
      return ctx.has("axis") ? ctx.attrInt("axis", 1) : NO_AXIS;
    }
    return axisAttr && ctx.opset() >= 13 ? ctx.attrInt("axis", 1) : NO_AXIS;
  }

  private static void checkPerAxisAllowed(NodeContext ctx, QuantArg.Input qa, int axis, String name) {
    QuantArg q = qa.constant();
    if (q == null || q.perTensor()) {
      return;
    }
    if (axis == NO_AXIS) {
      throw ctx.error(name + " has " + q.size() + " values but this op version has no axis"
          + " for per-axis quantization (opset 13 or the axis attribute)");
    }
    org.quantlens.engine.graph.Value info = ctx.inputInfo(0);
    int[] shape = info == null ? null : info.shape();
    if (shape != null) { // the input's rank (and maybe the axis' extent) is known: check now
      int ax = axis < 0 ? axis + shape.length : axis;
      if (ax < 0 || ax >= shape.length) {
        throw ctx.error("axis " + axis + " for per-axis " + name + " is out of range for an input of rank " + shape.length);
      }
      if (shape[ax] >= 0 && shape[ax] != q.size()) {
        throw ctx.error(name + " has " + q.size() + " values but axis " + axis + " of the input has "
            + shape[ax] + " entries");
      }
    }
  }

  /** How a tensor splits into runs sharing one (scale, zero point). */
  static final class Layout {
    final int blocks;
    final int channels;
    final int inner;

    private Layout(int blocks, int channels, int inner) {
      this.blocks = blocks;
      this.channels = channels;
      this.inner = inner;
    }

    static Layout of(int[] shape, QuantArg q, int axis, String where) {
      int n = Shapes.size(shape);
      if (q.perTensor()) {
        return new Layout(1, 1, n);
      }
      if (axis == NO_AXIS) {
        throw new InvalidAttributeException(where + ": " + q.size() + " scales but this op version"
            + " has no axis for per-axis quantization (opset 13 or the axis attribute)");
      }
      int ax;
      try {
        ax = Shapes.axis(axis, shape.length, where);
      } catch (ShapeMismatchException e) {
        throw new InvalidAttributeException(where + ": per-axis parameters on axis " + axis
            + " do not fit an input of shape " + Arrays.toString(shape));
      }
      if (shape[ax] != q.size()) {
        throw new InvalidAttributeException(where + ": " + q.size() + " per-axis scales for axis " + axis
            + " of an input of shape " + Arrays.toString(shape) + " (dimension " + shape[ax] + ")");
      }
      int inner = 1;
      for (int i = ax + 1; i < shape.length; i++) {
        inner *= shape[i];
      }
      return new Layout(inner == 0 ? 0 : n / inner, shape[ax], inner);
    }
  }
}
