package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.Int8Gemm;
import org.quantlens.engine.kernels.QuantScratch;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.QuantParams;
import org.quantlens.engine.tensor.Tensor;

/**
 * com.microsoft QGemm-1: {@code Y = alpha * (A - za)(B - zb) + C} with 2-D A (transA) and B
 * (transB), per-tensor A, per-tensor or per-column B, int32 C (scale {@code alpha a_scale b_scale},
 * broadcast to (M, N)) added to the accumulator. With y_scale and y_zero_point the output is
 * requantized with {@code alpha * a_scale * b_scale[j] / y_scale} (float32, in that order, as ONNX
 * Runtime); without y_zero_point it is float32 {@code acc * alpha * a_scale * b_scale[j]} (divided
 * by y_scale when only that is given, as ONNX Runtime does). A fused Relu/Clip clamps the
 * quantized output, or the float one.
 */
final class QuantGemmOp implements Operator {
  private final String where;
  private final boolean transA;
  private final boolean transB;
  private final float alpha;
  private final QuantArg.Input aArg;
  private final QuantArg.Input bArg;
  private final QuantArg.Input yArg;
  private final boolean quantOut;
  private final boolean hasYScale;
  private final FusedActivation act;
  private final QuantMatMul.PackedB packed;
  private final boolean bUnsigned;
  private final int[] bShape;
  private final QuantMatMul.ZeroB zeroB;

  QuantGemmOp(NodeContext ctx) {
    where = ctx.node().describe();
    transA = ctx.attrInt("transA", 0) != 0;
    transB = ctx.attrInt("transB", 0) != 0;
    alpha = ctx.attrFloat("alpha", 1f);
    aArg = QuantArg.Input.of(ctx, 1, 2, DType.U8, false, "a_scale", 0);
    bArg = QuantArg.Input.of(ctx, 4, 5, DType.U8, false, "b_scale", 3);
    hasYScale = ctx.inputCount() > 7 && ctx.hasInput(7);
    quantOut = hasYScale && ctx.inputCount() > 8 && ctx.hasInput(8);
    yArg = quantOut ? QuantArg.Input.of(ctx, 7, 8, DType.U8, false, "y_scale")
        : hasYScale ? QuantArg.Input.of(ctx, 7, -1, DType.U8, false, "y_scale") : null;
    if (aArg.constant() != null && !aArg.constant().perTensor()) {
      throw ctx.error("a_scale/a_zero_point must be per-tensor (one value), got " + aArg.constant().size());
    }
    if (yArg != null && yArg.constant() != null && !yArg.constant().perTensor()) {
      throw ctx.error("y_scale/y_zero_point must be per-tensor (one value), got " + yArg.constant().size());
    }
    act = quantOut ? QuantFused.check(ctx) : FusedActivation.of(ctx);
    Tensor b = ctx.constant(3);
    if (b != null && (b.dtype() == DType.I8 || b.dtype() == DType.U8) && b.rank() == 2) {
      bUnsigned = b.dtype() == DType.U8;
      bShape = b.shape();
      int k = transB ? b.dim(1) : b.dim(0);
      int n = transB ? b.dim(0) : b.dim(1);
      if (bArg.constant() != null && bArg.constant().size() != 1 && bArg.constant().size() != n) {
        throw ctx.error("b_scale/b_zero_point have " + bArg.constant().size() + " values; expected 1 or " + n
            + " (per column of B)");
      }
      int nr = Int8Gemm.get().panelWidth();
      // int8 weights are used where they are stored (held once); uint8 ones need the -128 shift
      packed = bUnsigned ? QuantMatMul.PackedB.pack(b.bytes(), 0, true, transB, k, n, nr, null, null)
          : QuantMatMul.PackedB.share(b.bytes(), 0, transB, k, n, nr);
      zeroB = bArg.constant() == null ? null : zeroB(packed, bArg.constant(), bUnsigned);
    } else {
      packed = null;
      bUnsigned = false;
      bShape = null;
      zeroB = null;
    }
    // runs read the scales and zero points only through the parsed pairs: constant ones are freed
    aArg.ownConstant(ctx);
    bArg.ownConstant(ctx);
    if (yArg != null) {
      yArg.ownConstant(ctx);
    }
  }

  private static QuantMatMul.ZeroB zeroB(QuantMatMul.PackedB p, QuantArg q, boolean unsigned) {
    int[] z = q.zeroPoints;
    return QuantMatMul.ZeroB.of(p, z, 0, z.length == 1 ? 1 : p.n, unsigned, null, null);
  }

  @Override
  public Tensor[] run(Tensor[] in, ExecContext ex) {
    Tensor a = in[0];
    Tensor b = in[3];
    boolean au = QuantMatMul.unsignedOf(a, "A", where);
    boolean bu = QuantMatMul.unsignedOf(b, "B", where);
    if (a.rank() != 2 || b.rank() != 2) {
      throw new ShapeMismatchException(where + ": A and B must be 2-D, got " + Arrays.toString(a.shape())
          + " and " + Arrays.toString(b.shape()));
    }
    int m = transA ? a.dim(1) : a.dim(0);
    int k = transA ? a.dim(0) : a.dim(1);
    int kb = transB ? b.dim(1) : b.dim(0);
    int n = transB ? b.dim(0) : b.dim(1);
    if (k != kb) {
      throw new ShapeMismatchException(where + ": A " + Arrays.toString(a.shape()) + " and B "
          + Arrays.toString(b.shape()) + " do not multiply (K " + k + " vs " + kb + ")");
    }
    QuantArg aq = aArg.get(in);
    QuantArg bq = bArg.get(in);
    if (!aq.perTensor()) {
      throw new InvalidAttributeException(where + ": a_scale/a_zero_point must be per-tensor, got " + aq.size());
    }
    if (bq.size() != 1 && bq.size() != n) {
      throw new InvalidAttributeException(where + ": b_scale/b_zero_point have " + bq.size() + " values; expected 1 or " + n);
    }
    if (aArg.hasZeroPoint() && aq.type != a.dtype() || bArg.hasZeroPoint() && bq.type != b.dtype()) {
      throw new ShapeMismatchException(where + ": zero point types must match A (" + a.dtype() + ") and B ("
          + b.dtype() + ")");
    }
    float[] aw = QuantScratch.floats(QuantScratch.OP_A, Math.max(1, m * k));
    int[] rowSums = QuantScratch.ints(QuantScratch.OP_A, Math.max(1, m));
    QuantMatMul.widenA(a.bytes(), 0, m, k, au, transA, aw, rowSums);
    QuantMatMul.PackedB pb = packed;
    if (pb == null || bu != bUnsigned || !b.hasShape(bShape)) {
      int nr = Int8Gemm.get().panelWidth();
      pb = QuantMatMul.PackedB.pack(b.bytes(), 0, bu, transB, k, n, nr,
          QuantScratch.bytes(QuantScratch.OP_B, ((n + nr - 1) / nr) * k * nr), QuantScratch.ints(QuantScratch.OP_B, n));
    }
    QuantMatMul.ZeroB zb = zeroB != null && pb == packed ? zeroB : zeroB(pb, bq, bu);
    Tensor c = in.length > 6 ? in[6] : null;
    QuantMatMul.IntBias cb = null;
    if (c != null) {
      if (c.dtype() != DType.I32) {
        throw new ShapeMismatchException(where + ": C must be int32, got " + c.dtype());
      }
      cb = QuantMatMul.IntBias.of(c, m, n, where);
    }
    QuantArg yq = yArg == null ? null : yArg.get(in);
    Tensor y = quantOut ? ex.allocate(yq.type, m, n) : ex.allocate(DType.F32, m, n);
    RequantizeCounting counting = quantOut
        ? RequantizeCounting.of(ex, act, yq.scale(0), yq.zeroPoint(0), yq.type) : null;
    QuantMatMul.Epilogue epi = counting == null ? epilogue(aq, bq, yq, n) // the same while constant
        : epilogue(outputScales(aq, bq, yq, n), yq, counting);
    Object out = quantOut ? y.bytes() : y.floats();
    QuantMatMul.multiply(ex, aw, 0, rowSums, 0, m, aq.zeroPoint(0) - QuantMatMul.shift(au), null, 0, pb, zb, cb,
        epi, out, 0);
    return ex.result(y);
  }

  /** The epilogue for these parameters: the last one made when they are the same objects. */
  private QuantMatMul.Epilogue epilogue(QuantArg aq, QuantArg bq, QuantArg yq, int n) {
    LastEpilogue last = lastEpilogue;
    if (last == null || last.a != aq || last.b != bq || last.y != yq || last.n != n) {
      last = new LastEpilogue(aq, bq, yq, n, epilogue(outputScales(aq, bq, yq, n), yq, null));
      lastEpilogue = last; // constant parameters are parsed once, so they match on every run
    }
    return last.epilogue;
  }

  private QuantMatMul.Epilogue epilogue(float[] scale, QuantArg yq, RequantizeCounting counting) {
    if (!quantOut) {
      return QuantMatMul.Epilogue.toFloat(scale, null, act);
    }
    int qmin = QuantParams.qmin(yq.type);
    int qmax = QuantParams.qmax(yq.type);
    int[] lh = QuantFused.bounds(act, yq.scale(0), yq.zeroPoint(0), qmin, qmax);
    return QuantMatMul.Epilogue.quant(scale, yq.zeroPoint(0), lh[0], lh[1], counting);
  }

  /** Per column, {@code alpha * a_scale * b_scale[j]}, divided by y_scale when there is one. */
  private float[] outputScales(QuantArg aq, QuantArg bq, QuantArg yq, int n) {
    float[] scale = new float[n];
    for (int j = 0; j < n; j++) {
      scale[j] = alpha * aq.scale(0) * bq.scale(j);
      if (yq != null) {
        scale[j] /= yq.scale(0);
      }
    }
    return scale;
  }

  /** An epilogue with the parameter objects it was made for (immutable, so safely shared). */
  private record LastEpilogue(QuantArg a, QuantArg b, QuantArg y, int n,
      QuantMatMul.Epilogue epilogue) {}

  private volatile LastEpilogue lastEpilogue;
}
