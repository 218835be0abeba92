package org.quantlens.engine.ops;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.QuantizeKernels;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.QuantParams;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * com.microsoft QLinearAdd, QLinearMul, QLinearSigmoid, QLinearLeakyRelu and QLinearConcat,
 * defined as dequantize -> float32 op -> quantize: dequantized values are
 * {@code scale * (q - zp)} in float32 (ONNX Runtime's lookup-table formula), the op runs in
 * float32 and the result is quantized like QuantizeLinear. This is exactly what the unfused
 * QDQ graph (DequantizeLinear, the float op, QuantizeLinear) computes, so folding such a graph
 * into these ops changes no value. (ONNX Runtime's own QLinearAdd/Mul kernels use fixed-point
 * shortcuts and may differ from that by one step.) Unary ops and concat use 256-entry tables.
 */
final class QLinearElementwiseOps {
  private QLinearElementwiseOps() {}

  /** Dequantized value of every 8-bit code, indexed by {@code code & 0xff}. */
  static float[] dequantTable(float scale, int zp, boolean unsigned) {
    float[] t = new float[256];
    for (int i = 0; i < 256; i++) {
      int v = unsigned ? i : (byte) i;
      t[i] = scale * (v - zp);
    }
    return t;
  }

  private static Tensor opt(Tensor[] in, int i) {
    return i >= 0 && i < in.length ? in[i] : null;
  }

  /** Zero point type (when given) must equal the data type. */
  static void checkZp(Tensor zp, DType zpType, DType data, String what, String where) {
    if (zp != null && zpType != data) {
      throw new ShapeMismatchException(where + ": " + what + " is " + zpType + " but the data is " + data);
    }
  }

  static void check8(Tensor t, String what, String where) {
    if (t.dtype() != DType.I8 && t.dtype() != DType.U8) {
      throw new ShapeMismatchException(where + ": " + what + " must be int8 or uint8, got " + t.dtype());
    }
  }

  static QuantArg perTensor(QuantArg.Input in, Tensor[] t, String where) {
    QuantArg q = in.get(t);
    if (!q.perTensor()) {
      throw new InvalidAttributeException(in.where() + " must be per-tensor (one value), got " + q.size());
    }
    return q;
  }

  /**
   * QLinearAdd / QLinearMul with numpy broadcasting and an optional fused Relu/Clip (a clamp of
   * the quantized output, {@link QuantFused}). Runs that are contiguous in both inputs (equal
   * shapes: the residual add of a ResNet) go through {@link QuantizeKernels#binaryQuantized}; a
   * last dimension broadcast from one element goes element by element with the same arithmetic.
   */
  static Operator binary(NodeContext ctx, boolean mul) {
    String where = ctx.node().describe();
    QuantArg.Input aArg = QuantArg.Input.of(ctx, 1, 2, DType.U8, false, "A_scale", 0);
    QuantArg.Input bArg = QuantArg.Input.of(ctx, 4, 5, DType.U8, false, "B_scale", 3);
    QuantArg.Input cArg = QuantArg.Input.of(ctx, 6, 7, DType.U8, false, "C_scale", 0);
    for (QuantArg.Input q : new QuantArg.Input[] {aArg, bArg, cArg}) {
      if (q.constant() != null && !q.constant().perTensor()) {
        throw ctx.error(q.where().substring(q.where().indexOf(": ") + 2) + " must be per-tensor (one value), got "
            + q.constant().size());
      }
    }
    FusedActivation act = QuantFused.check(ctx);
    // the last call's requantization, reused while its quantization inputs are the same (constants)
    AtomicReference<Binary> last = new AtomicReference<>();
    return (in, ex) -> {
      Tensor a = in[0];
      Tensor b = in[3];
      check8(a, "A", where);
      if (b.dtype() != a.dtype()) {
        throw new ShapeMismatchException(where + ": A is " + a.dtype() + " but B is " + b.dtype());
      }
      QuantArg qa = perTensor(aArg, in, where);
      QuantArg qb = perTensor(bArg, in, where);
      QuantArg qc = perTensor(cArg, in, where);
      checkZp(opt(in, 2), qa.type, a.dtype(), "A_zero_point", where);
      checkZp(opt(in, 5), qb.type, a.dtype(), "B_zero_point", where);
      checkZp(opt(in, 7), qc.type, a.dtype(), "C_zero_point", where);
      Binary op = last.get();
      if (op == null || !op.madeFrom(a.dtype(), qa, qb, qc)) {
        op = new Binary(mul, a.dtype(), qa, qb, qc, act);
        last.set(op);
      }
      if (a.hasShapeOf(b)) {
        Tensor y = ex.allocate(a.dtype(), a);
        SaturationCounter sat = ex.saturation();
        if (QuantParallel.serial(ex, y.size())) { // no task to make
          op.run(a.bytes(), 0, 1, b.bytes(), 0, 1, y.bytes(), 0, y.size(), sat);
        } else {
          Binary o = op;
          QuantParallel.forRuns(ex, 1, y.size(), (blk, from, to) -> o.run(a.bytes(), from, 1, b.bytes(), from,
              1, y.bytes(), from, to - from, sat));
        }
        return ex.result(y);
      }
      return ex.result(broadcast(ex, op, a, b));
    };
  }

  private static Tensor broadcast(ExecContext ex, Binary op, Tensor a, Tensor b) {
    int[] shape = Shapes.broadcast(a.shape(), b.shape());
    Tensor y = ex.allocate(a.dtype(), shape);
    byte[] ab = a.bytes();
    byte[] bb = b.bytes();
    byte[] yb = y.bytes();
    int rank = shape.length;
    int last = rank == 0 ? 1 : shape[rank - 1];
    int rows = last == 0 ? 0 : y.size() / last;
    int[] sa = Shapes.broadcastStrides(a.shape(), shape);
    int[] sb = Shapes.broadcastStrides(b.shape(), shape);
    int la = rank == 0 ? 0 : sa[rank - 1];
    int lb = rank == 0 ? 0 : sb[rank - 1];
    SaturationCounter sat = ex.saturation();
    QuantParallel.forRuns(ex, rows, last, (row, from, to) -> {
      int oa = 0;
      int ob = 0;
      int rem = row;
      for (int d = rank - 2; d >= 0; d--) {
        int i = rem % shape[d];
        rem /= shape[d];
        oa += i * sa[d];
        ob += i * sb[d];
      }
      op.run(ab, oa + from * la, la, bb, ob + from * lb, lb, yb, row * last + from, to - from, sat);
    });
    return y;
  }

  /** One QLinearAdd/Mul call's parameters, applied to runs of elements. */
  private static final class Binary {
    final DType type;
    final QuantArg qa;
    final QuantArg qb;
    final QuantArg qc;
    final boolean mul;
    final boolean unsigned;
    final float sa;
    final int za;
    final float sb;
    final int zb;
    final float sc;
    final int zc;
    final int qmin;
    final int qmax;
    final int lo;
    final int hi;

    Binary(boolean mul, DType t, QuantArg qa, QuantArg qb, QuantArg qc, FusedActivation act) {
      this.type = t;
      this.qa = qa;
      this.qb = qb;
      this.qc = qc;
      this.mul = mul;
      this.unsigned = t == DType.U8;
      sa = qa.scale(0);
      za = qa.zeroPoint(0);
      sb = qb.scale(0);
      zb = qb.zeroPoint(0);
      sc = qc.scale(0);
      zc = qc.zeroPoint(0);
      qmin = QuantParams.qmin(t);
      qmax = QuantParams.qmax(t);
      int[] lh = QuantFused.bounds(act, sc, zc, qmin, qmax);
      lo = lh[0];
      hi = lh[1];
    }

    boolean madeFrom(DType t, QuantArg a, QuantArg b, QuantArg c) {
      return type == t && qa == a && qb == b && qc == c;
    }

    /** {@code n} outputs from {@code y[yo]}; inputs advance by {@code da}/{@code db} (1, or 0 broadcast). */
    void run(byte[] a, int ao, int da, byte[] b, int bo, int db, byte[] y, int yo, int n, SaturationCounter sat) {
      if (da == 1 && db == 1) {
        QuantizeKernels.get().binaryQuantized(mul, a, ao, b, bo, n, unsigned, sa, za, sb, zb, sc, zc, lo, hi, y, yo);
      } else {
        int mask = unsigned ? 0xff : -1;
        for (int j = 0; j < n; j++) {
          float va = (float) ((a[ao + j * da] & mask) - za) * sa;
          float vb = (float) ((b[bo + j * db] & mask) - zb) * sb;
          y[yo + j] = (byte) QuantParams.quantize(mul ? va * vb : va + vb, sc, zc, lo, hi);
        }
      }
      if (sat != null) { // a second pass only when counting
        count(a, ao, da, b, bo, db, n, sat);
      }
    }

    /** Saturation against the type's range (a fused activation's clamp is not saturation). */
    private void count(byte[] a, int ao, int da, byte[] b, int bo, int db, int n, SaturationCounter sat) {
      int mask = unsigned ? 0xff : -1;
      long low = 0;
      long high = 0;
      for (int j = 0; j < n; j++) {
        float va = (float) ((a[ao + j * da] & mask) - za) * sa;
        float vb = (float) ((b[bo + j * db] & mask) - zb) * sb;
        double r = Math.rint((mul ? va * vb : va + vb) / sc) + zc;
        low += r < qmin ? 1 : 0;
        high += r > qmax ? 1 : 0;
      }
      sat.add(low, high, 0, n);
    }
  }

  /** QLinearSigmoid ({@code alpha} unused) or QLinearLeakyRelu through a 256-entry table. */
  static Operator lookup(NodeContext ctx, boolean sigmoid) {
    String where = ctx.node().describe();
    float alpha = ctx.attrFloat("alpha", 0.01f);
    QuantArg.Input xArg = QuantArg.Input.of(ctx, 1, 2, DType.U8, false, "X_scale", 0);
    QuantArg.Input yArg = QuantArg.Input.of(ctx, 3, 4, DType.U8, false, "Y_scale", 0);
    boolean fixed = xArg.constant() != null && yArg.constant() != null;
    // with constant parameters both possible tables (int8 and uint8 data) are built once here
    byte[] fixedI8 = fixed ? table(xArg.constant(), yArg.constant(), false, sigmoid, alpha) : null;
    byte[] fixedU8 = fixed ? table(xArg.constant(), yArg.constant(), true, sigmoid, alpha) : null;
    return (in, ex) -> {
      Tensor x = in[0];
      check8(x, "X", where);
      boolean u = x.dtype() == DType.U8;
      QuantArg qx = perTensor(xArg, in, where);
      QuantArg qy = perTensor(yArg, in, where);
      checkZp(opt(in, 2), qx.type, x.dtype(), "X_zero_point", where);
      checkZp(opt(in, 4), qy.type, x.dtype(), "Y_zero_point", where);
      byte[] t = fixed ? (u ? fixedU8 : fixedI8) : table(qx, qy, u, sigmoid, alpha);
      Tensor y = ex.allocate(x.dtype(), x);
      byte[] xb = x.bytes();
      byte[] yb = y.bytes();
      QuantParallel.forRuns(ex, 1, x.size(), (blk, from, to) -> {
        for (int i = from; i < to; i++) {
          yb[i] = t[xb[i] & 0xff];
        }
      });
      return ex.result(y);
    };
  }

  /** quantize(f(dequantize(code))) for every code; sigmoid in double, rounded to float32. */
  private static byte[] table(QuantArg qx, QuantArg qy, boolean unsigned, boolean sigmoid, float alpha) {
    float[] dq = dequantTable(qx.scale(0), qx.zeroPoint(0), unsigned);
    byte[] table = new byte[256];
    int qmin = unsigned ? 0 : -128;
    int qmax = unsigned ? 255 : 127;
    for (int i = 0; i < 256; i++) {
      float v = dq[i];
      float f = sigmoid ? (float) (1.0 / (1.0 + Math.exp(-(double) v))) : v >= 0 ? v : alpha * v;
      table[i] = (byte) QuantParams.quantize(f, qy.scale(0), qy.zeroPoint(0), qmin, qmax);
    }
    return table;
  }

  /** QLinearConcat: Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per input. */
  static Operator concat(NodeContext ctx) {
    String where = ctx.node().describe();
    if (!ctx.has("axis")) {
      throw ctx.error("attribute axis is required");
    }
    int axis = ctx.attrInt("axis", 0);
    int count = ctx.inputCount() - 2;
    if (count < 3 || count % 3 != 0) {
      throw ctx.error("expects Y_scale, Y_zero_point and (tensor, scale, zero point) triples, got "
          + ctx.inputCount() + " inputs");
    }
    int n = count / 3;
    QuantArg.Input yArg = QuantArg.Input.of(ctx, 0, 1, DType.U8, false, "Y_scale", 2);
    QuantArg.Input[] xArgs = new QuantArg.Input[n];
    for (int i = 0; i < n; i++) {
      xArgs[i] = QuantArg.Input.of(ctx, 3 + 3 * i, 4 + 3 * i, DType.U8, false, "X_scale[" + i + "]", 2 + 3 * i);
    }
    return (in, ex) -> {
      QuantArg qy = perTensor(yArg, in, where);
      Tensor first = in[2];
      check8(first, "input 0", where);
      DType t = first.dtype();
      checkZp(opt(in, 1), qy.type, t, "Y_zero_point", where);
      int rank = first.rank();
      int ax = Shapes.axis(axis, rank, where);
      int[] shape = first.shape();
      int total = 0;
      for (int i = 0; i < n; i++) {
        Tensor x = in[2 + 3 * i];
        if (x.dtype() != t || x.rank() != rank) {
          throw new ShapeMismatchException(where + ": input " + i + " is " + x.dtype() + Arrays.toString(x.shape())
              + ", expected " + t + " of rank " + rank);
        }
        for (int d = 0; d < rank; d++) {
          if (d != ax && x.dim(d) != shape[d]) {
            throw new ShapeMismatchException(where + ": input " + i + " shape " + Arrays.toString(x.shape())
                + " differs from " + Arrays.toString(shape) + " outside axis " + ax);
          }
        }
        total += x.dim(ax);
      }
      shape[ax] = total;
      Tensor y = ex.allocate(t, shape);
      int inner = 1;
      for (int d = ax + 1; d < rank; d++) {
        inner *= shape[d];
      }
      int outer = Shapes.size(Arrays.copyOf(shape, ax));
      boolean u = t == DType.U8;
      int qmin = QuantParams.qmin(t);
      int qmax = QuantParams.qmax(t);
      byte[] yb = y.bytes();
      int offset = 0;
      for (int i = 0; i < n; i++) {
        Tensor x = in[2 + 3 * i];
        QuantArg qx = perTensor(xArgs[i], in, where);
        checkZp(opt(in, 4 + 3 * i), qx.type, t, "zero point of input " + i, where);
        byte[] table = null;
        if (qx.scale(0) != qy.scale(0) || qx.zeroPoint(0) != qy.zeroPoint(0)) {
          float[] dq = dequantTable(qx.scale(0), qx.zeroPoint(0), u);
          table = new byte[256];
          for (int c = 0; c < 256; c++) {
            table[c] = (byte) QuantParams.quantize(dq[c], qy.scale(0), qy.zeroPoint(0), qmin, qmax);
          }
        }
        int run = x.dim(ax) * inner;
        byte[] xb = x.bytes();
        for (int o = 0; o < outer; o++) {
          int src = o * run;
          int dst = o * total * inner + offset;
          if (table == null) {
            System.arraycopy(xb, src, yb, dst, run);
          } else {
            for (int j = 0; j < run; j++) {
              yb[dst + j] = table[xb[src + j] & 0xff];
            }
          }
        }
        offset += run;
      }
      return ex.result(y);
    };
  }
}
