package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.Int8Gemm;
import org.quantlens.engine.kernels.QuantScratch;
import org.quantlens.engine.kernels.QuantizeKernels;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.QuantParams;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * MatMulInteger, QLinearMatMul, com.microsoft MatMulIntegerToFloat and DynamicQuantizeMatMul:
 * numpy-matmul-shaped int8 products on {@link QuantMatMul}. A constant B is packed (and its
 * zero-point terms computed) once at load. Requantization follows ONNX Runtime: the multiplier
 * {@code a_scale * b_scale[j] / y_scale} is computed in float32 in that order, then
 * {@link org.quantlens.engine.kernels.Requantize} rounds half to even.
 */
final class QuantMatMulOps {
  enum Kind { INTEGER, QLINEAR, TO_FLOAT, DYNAMIC }

  private QuantMatMulOps() {}

  static Operator matMulInteger(NodeContext ctx) {
    return new MatMulOp(ctx, Kind.INTEGER);
  }

  static Operator qlinearMatMul(NodeContext ctx) {
    return new MatMulOp(ctx, Kind.QLINEAR);
  }

  static Operator matMulIntegerToFloat(NodeContext ctx) {
    return new MatMulOp(ctx, Kind.TO_FLOAT);
  }

  static Operator dynamicQuantizeMatMul(NodeContext ctx) {
    return new MatMulOp(ctx, Kind.DYNAMIC);
  }

  /** Reads an 8-bit zero-point tensor of any shape as ints (null tensor: null). */
  static int[] zeroPointValues(Tensor z, DType expected, String where) {
    if (z == null) {
      return null;
    }
    if (z.dtype() != DType.I8 && z.dtype() != DType.U8) {
      throw new InvalidAttributeException(where + " must be int8 or uint8, got " + z.dtype());
    }
    if (expected != null && z.dtype() != expected) {
      throw new ShapeMismatchException(where + " is " + z.dtype() + " but its data is " + expected);
    }
    int[] v = new int[z.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (int) z.getLong(i);
    }
    return v;
  }

  private static final class MatMulOp implements Operator {
    private final Kind kind;
    private final String where;
    private final int ia;
    private final int ib;
    private final int iaZp;
    private final int ibZp;
    private final int iBias;
    private final QuantArg.Input aArg;
    private final QuantArg.Input bArg;
    private final QuantArg.Input yArg;
    private final FusedActivation act;
    /** Constant B, packed per B matrix, or null. */
    private final QuantMatMul.PackedB[] packed;
    private final boolean bUnsigned;
    private final int[] bShape;
    /** Constant B zero-point terms per B matrix, or null. */
    private final QuantMatMul.ZeroB[] zeroB;

    MatMulOp(NodeContext ctx, Kind kind) {
      this.kind = kind;
      this.where = ctx.node().describe();
      int bScale;
      switch (kind) {
        case INTEGER:
          ia = 0; ib = 1; iaZp = 2; ibZp = 3; iBias = -1; bScale = -1;
          aArg = null; bArg = null; yArg = null;
          break;
        case QLINEAR:
          ia = 0; ib = 3; iaZp = 2; ibZp = 5; iBias = -1; bScale = 4;
          aArg = QuantArg.Input.of(ctx, 1, 2, DType.U8, false, "a_scale", 0);
          bArg = QuantArg.Input.of(ctx, 4, 5, DType.U8, false, "b_scale", 3);
          yArg = QuantArg.Input.of(ctx, 6, 7, DType.U8, false, "y_scale");
          break;
        case TO_FLOAT:
          ia = 0; ib = 1; iaZp = 4; ibZp = 5; iBias = 6; bScale = 3;
          aArg = QuantArg.Input.of(ctx, 2, 4, DType.U8, false, "a_scale", 0);
          bArg = QuantArg.Input.of(ctx, 3, 5, DType.U8, false, "b_scale", 1);
          yArg = null;
          break;
        default:
          ia = 0; ib = 1; iaZp = -1; ibZp = 3; iBias = 4; bScale = 2;
          aArg = null;
          bArg = QuantArg.Input.of(ctx, 2, 3, DType.U8, false, "b_scale", 1);
          yArg = null;
      }
      if (aArg != null && aArg.constant() != null && !aArg.constant().perTensor()) {
        throw ctx.error("a_scale/a_zero_point must be per-tensor (one value), got " + aArg.constant().size());
      }
      if (yArg != null && yArg.constant() != null && !yArg.constant().perTensor()) {
        throw ctx.error("y_scale/y_zero_point must be per-tensor (one value), got " + yArg.constant().size());
      }
      this.act = kind == Kind.QLINEAR ? QuantFused.check(ctx) : FusedActivation.NONE;
      Tensor b = ctx.constant(ib);
      if (b != null && (b.dtype() == DType.I8 || b.dtype() == DType.U8) && b.rank() >= 1) {
        bUnsigned = b.dtype() == DType.U8;
        bShape = b.shape();
        int[] bs = b.rank() == 1 ? new int[] {b.dim(0), 1} : bShape;
        int k = bs[bs.length - 2];
        int n = bs[bs.length - 1];
        int mats = Shapes.size(Arrays.copyOf(bs, bs.length - 2));
        if (bArg != null && bArg.constant() != null && bArg.constant().size() != 1 && bArg.constant().size() != n) {
          throw ctx.error("b_scale has " + bArg.constant().size() + " values; expected 1 (per tensor) or "
              + n + " (per column of B)");
        }
        int nr = Int8Gemm.get().panelWidth();
        packed = new QuantMatMul.PackedB[mats];
        for (int t = 0; t < mats; t++) {
          // int8 weights are used where they are stored (held once); uint8 ones need the -128 shift
          packed[t] = bUnsigned
              ? QuantMatMul.PackedB.pack(b.bytes(), t * k * n, true, false, k, n, nr, null, null)
              : QuantMatMul.PackedB.share(b.bytes(), t * k * n, false, k, n, nr);
        }
        int[] zbRaw = constantZb(ctx, n, mats);
        if (zbRaw != null || !ctx.hasInput(ibZp)) {
          zeroB = new QuantMatMul.ZeroB[mats];
          for (int t = 0; t < mats; t++) {
            zeroB[t] = zb(packed[t], zbRaw, t, n, bUnsigned);
          }
        } else {
          zeroB = null;
        }
      } else {
        packed = null;
        bUnsigned = false;
        bShape = null;
        zeroB = null;
      }
    }

    /** B's constant zero points (raw), {0} when omitted, or null when computed at run time. */
    private int[] constantZb(NodeContext ctx, int n, int mats) {
      if (ibZp < 0 || !ctx.hasInput(ibZp)) {
        return new int[] {0};
      }
      if (bArg != null) {
        return bArg.constant() == null ? null : bArg.constant().zeroPoints;
      }
      Tensor z = ctx.constant(ibZp);
      if (z == null) {
        return null;
      }
      int[] v = zeroPointValues(z, bUnsigned ? DType.U8 : DType.I8, where + ": b_zero_point");
      checkZbSize(v.length, n, mats);
      return v;
    }

    private void checkZbSize(int len, int n, int mats) {
      if (len != 1 && len != n && len != n * mats) {
        throw new InvalidAttributeException(where + ": b_zero_point has " + len + " values; expected 1, "
            + n + " (per column)" + (mats > 1 ? " or " + n * mats + " (per column of each B matrix)" : ""));
      }
    }

    private static QuantMatMul.ZeroB zb(QuantMatMul.PackedB p, int[] raw, int matrix, int n, boolean unsigned) {
      if (raw.length == 1) {
        return QuantMatMul.ZeroB.of(p, raw, 0, 1, unsigned, null, null);
      }
      return QuantMatMul.ZeroB.of(p, raw, raw.length == n ? 0 : matrix * n, n, unsigned, null, null);
    }

    private static Tensor opt(Tensor[] in, int i) {
      return i >= 0 && i < in.length ? in[i] : null;
    }

    @Override
    public Tensor[] run(Tensor[] in, ExecContext ex) {
      Tensor b = in[ib];
      boolean bu = QuantMatMul.unsignedOf(b, "B", where);
      if (packed != null && (bu != bUnsigned || !Arrays.equals(b.shape(), bShape))) {
        throw new IllegalStateException(where + ": constant B changed");
      }
      Tensor aT = in[ia];
      QuantMatMul.Shape s = QuantMatMul.Shape.of(aT.shape(), b.shape(), where);
      int m = s.m;
      int k = s.k;
      int n = s.n;
      // A: widened once per A matrix
      float[] aw = QuantScratch.floats(QuantScratch.OP_A, Math.max(1, s.aMatrices * m * k));
      int[] rowSums = QuantScratch.ints(QuantScratch.OP_A, Math.max(1, s.aMatrices * m));
      boolean au;
      int za;
      int[] zaRows = null;
      float aScale = 1f;
      if (kind == Kind.DYNAMIC) {
        if (aT.dtype() != DType.F32) {
          throw new ShapeMismatchException(where + ": A must be float32, got " + aT.dtype());
        }
        float[] dyn = dynamicQuantize(aT, aw, rowSums, s.aMatrices * m, k, ex.saturation());
        aScale = dyn[0];
        za = (int) dyn[1] - 128;
        au = true;
      } else {
        au = QuantMatMul.unsignedOf(aT, "A", where);
        QuantMatMul.widenA(aT.bytes(), 0, s.aMatrices * m, k, au, false, aw, rowSums);
        za = 0;
        if (kind == Kind.INTEGER) {
          int[] raw = zeroPointValues(opt(in, iaZp), aT.dtype(), where + ": a_zero_point");
          if (raw != null && raw.length != 1) {
            if (raw.length != m && raw.length != m * s.aMatrices) {
              throw new InvalidAttributeException(where + ": a_zero_point has " + raw.length
                  + " values; expected 1, " + m + " (per row)" + (s.aMatrices > 1 ? " or " + m * s.aMatrices : ""));
            }
            zaRows = QuantScratch.ints(QuantScratch.OP_C, raw.length);
            for (int i = 0; i < raw.length; i++) {
              zaRows[i] = raw[i] - QuantMatMul.shift(au);
            }
          } else {
            za = (raw == null ? 0 : raw[0]) - QuantMatMul.shift(au);
          }
        } else {
          QuantArg qa = aArg.get(in);
          if (!qa.perTensor()) {
            throw new InvalidAttributeException(where + ": a_scale/a_zero_point must be per-tensor, got " + qa.size());
          }
          if (opt(in, iaZp) != null && qa.type != aT.dtype()) {
            throw new ShapeMismatchException(where + ": a_zero_point is " + qa.type + " but A is " + aT.dtype());
          }
          za = qa.zeroPoint(0) - QuantMatMul.shift(au);
          aScale = qa.scale(0);
        }
      }
      // B: packed (constant) or packed now
      QuantMatMul.PackedB[] pb = packed;
      QuantMatMul.ZeroB[] zbs = zeroB;
      QuantArg bq = bArg == null ? null : bArg.get(in);
      if (bq != null && bq.size() != 1 && bq.size() != n) {
        throw new InvalidAttributeException(where + ": b_scale has " + bq.size() + " values; expected 1 or " + n);
      }
      if (bq != null && opt(in, ibZp) != null && bq.type != b.dtype()) {
        throw new ShapeMismatchException(where + ": b_zero_point is " + bq.type + " but B is " + b.dtype());
      }
      if (pb == null) {
        int nr = Int8Gemm.get().panelWidth();
        int panels = (n + nr - 1) / nr;
        pb = new QuantMatMul.PackedB[s.bMatrices];
        for (int t = 0; t < s.bMatrices; t++) {
          byte[] into = s.bMatrices == 1 ? QuantScratch.bytes(QuantScratch.OP_B, panels * k * nr) : null;
          int[] sums = s.bMatrices == 1 ? QuantScratch.ints(QuantScratch.OP_B, n) : null;
          pb[t] = QuantMatMul.PackedB.pack(b.bytes(), t * k * n, bu, false, k, n, nr, into, sums);
        }
      }
      if (zbs == null) {
        int[] raw;
        if (bq != null) {
          raw = bq.zeroPoints;
        } else {
          raw = zeroPointValues(opt(in, ibZp), b.dtype(), where + ": b_zero_point");
          if (raw == null) {
            raw = new int[] {0};
          }
          checkZbSize(raw.length, n, s.bMatrices);
        }
        zbs = new QuantMatMul.ZeroB[s.bMatrices];
        for (int t = 0; t < s.bMatrices; t++) {
          zbs[t] = zb(pb[t], raw, t, n, bu);
        }
      }
      // Output
      QuantMatMul.Epilogue epi;
      Tensor out;
      Object outData;
      switch (kind) {
        case INTEGER:
          epi = QuantMatMul.Epilogue.int32();
          out = ex.allocate(DType.I32, s.out);
          outData = out.ints();
          break;
        case QLINEAR: {
          QuantArg yq = yArg.get(in);
          if (!yq.perTensor()) {
            throw new InvalidAttributeException(where + ": y_scale/y_zero_point must be per-tensor, got " + yq.size());
          }
          float[] scale = new float[n];
          for (int j = 0; j < n; j++) {
            scale[j] = aScale * bq.scale(j) / yq.scale(0);
          }
          int qmin = QuantParams.qmin(yq.type);
          int qmax = QuantParams.qmax(yq.type);
          int[] lh = QuantFused.bounds(act, yq.scale(0), yq.zeroPoint(0), qmin, qmax);
          epi = QuantMatMul.Epilogue.quant(scale, yq.zeroPoint(0), lh[0], lh[1],
              RequantizeCounting.of(ex, act, yq.scale(0), yq.zeroPoint(0), yq.type));
          out = ex.allocate(yq.type, s.out);
          outData = out.bytes();
          break;
        }
        default: {
          float[] scale = new float[n];
          for (int j = 0; j < n; j++) {
            scale[j] = aScale * bq.scale(j);
          }
          float[] bias = null;
          if (opt(in, iBias) != null) {
            Tensor bt = in[iBias];
            if (bt.dtype() != DType.F32 || bt.size() != n) {
              throw new ShapeMismatchException(where + ": bias must be float32 of " + n + " values, got "
                  + bt.dtype() + Arrays.toString(bt.shape()));
            }
            bias = bt.floats();
          }
          epi = QuantMatMul.Epilogue.toFloat(scale, bias, FusedActivation.NONE);
          out = ex.allocate(DType.F32, s.out);
          outData = out.floats();
        }
      }
      for (int t = 0; t < s.batches; t++) {
        int am = s.aIndex[t];
        int zaOff = zaRows == null || in[iaZp].size() == m ? 0 : am * m;
        QuantMatMul.multiply(ex, aw, am * m * k, rowSums, am * m, m, za, zaRows, zaOff,
            pb[s.bIndex[t]], zbs[s.bIndex[t]], null, epi, outData, t * m * n);
      }
      return ex.result(out);
    }

    /** DynamicQuantizeLinear of A into widened operands; returns {scale, zero point}. */
    private static float[] dynamicQuantize(Tensor a, float[] aw, int[] rowSums, int rows, int k,
        SaturationCounter sat) {
      float[] x = a.floats();
      int n = a.size();
      float min = 0;
      float max = 0;
      for (int i = 0; i < n; i++) {
        min = Math.min(min, x[i]);
        max = Math.max(max, x[i]);
      }
      float scale = max == min ? 1f : (max - min) / 255f;
      int zp = (int) Math.rint(Math.max(0f, Math.min(255f, 0f - min / scale)));
      byte[] q = QuantScratch.bytes(QuantScratch.OP_A, n);
      QuantizeKernels.get().quantize(x, 0, n, scale, zp, 0, 255, q, 0);
      if (sat != null && Float.isFinite(scale)) {
        long[] counts = new long[3];
        QuantizeKernels.get().countSaturation(x, 0, n, scale, zp, 0, 255, counts);
        sat.add(counts, n);
      } else if (sat != null) { // NaN/Inf made the range meaningless
        sat.add(0, 0, QuantizeOps.countNonFinite(x, n), n);
      }
      QuantMatMul.widenA(q, 0, rows, k, true, false, aw, rowSums);
      return new float[] {scale, zp};
    }
  }
}
