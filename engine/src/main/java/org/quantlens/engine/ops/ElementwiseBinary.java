package org.quantlens.engine.ops;

import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.VectorMath;
import org.quantlens.engine.kernels.VectorMathScalar;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Binary ops with numpy broadcasting. Float32 arithmetic runs on {@link VectorMath} (one flat loop
 * for same shapes; a scalar-operand loop when one side repeats along a run; per-run loops
 * otherwise, parallel over runs); other types and ops take a generic path in double (F64, F16)
 * or long (integers, bool) arithmetic, with integer results wrapping to the type's width.
 */
final class ElementwiseBinary {
  // The first nine codes are VectorMath's binary codes.
  static final int ADD = VectorMath.ADD;
  static final int SUB = VectorMath.SUB;
  static final int MUL = VectorMath.MUL;
  static final int DIV = VectorMath.DIV;
  static final int MAX = VectorMath.MAX;
  static final int MIN = VectorMath.MIN;
  static final int POW = VectorMath.POW;
  static final int FMOD = VectorMath.FMOD;
  static final int PRELU = VectorMath.PRELU;
  /** Remainder with the sign of the divisor (Python %, numpy mod). */
  static final int MOD = 9;
  static final int EQ = 10;
  static final int LT = 11;
  static final int LE = 12;
  static final int GT = 13;
  static final int GE = 14;
  static final int AND = 15;
  static final int OR = 16;
  static final int XOR = 17;
  static final int SHL = 18;
  static final int SHR = 19;

  private ElementwiseBinary() {}

  static boolean isComparison(int op) {
    return op >= EQ && op <= XOR;
  }

  /** {@code a op b}, broadcast; a new tensor of a's type (BOOL for comparisons and logic). */
  static Tensor apply(int op, Tensor a, Tensor b, ExecContext ctx, String node) {
    return apply(op, a, b, ctx, node, null);
  }

  /**
   * As {@link #apply(int, Tensor, Tensor, ExecContext, String)}, reusing the broadcast plan kept
   * in {@code plans} (one per node; null for none) while the input shapes stay the same.
   */
  static Tensor apply(int op, Tensor a, Tensor b, ExecContext ctx, String node, Plans plans) {
    if (op != POW && a.dtype() != b.dtype()) {
      throw new ShapeMismatchException(node + ": inputs have different types, " + a.dtype()
          + " and " + b.dtype());
    }
    BroadcastPlan p = plans == null ? null : plans.get(a, b);
    if (p == null) {
      p = BroadcastPlan.of(node, a.shape(), b.shape());
      if (plans != null) {
        plans.put(a, b, p);
      }
    }
    if (a.dtype() == DType.F32 && op <= PRELU) {
      float[] bf = b.dtype() == DType.F32 ? b.floats() : b.toFloats();
      Tensor out = ctx.allocateUninitialized(DType.F32, p.outShape); // f32 writes every element
      f32(op, p, a.floats(), bf, out.floats(), ctx);
      return out;
    }
    return generic(op, p, a, b, node);
  }

  /** A node's broadcast plan for the last pair of input shapes (immutable entries). */
  static final class Plans {
    private static final class Entry {
      final int[] a;
      final int[] b;
      final BroadcastPlan plan;

      Entry(int[] a, int[] b, BroadcastPlan plan) {
        this.a = a;
        this.b = b;
        this.plan = plan;
      }
    }

    private final java.util.concurrent.atomic.AtomicReference<Entry> last =
        new java.util.concurrent.atomic.AtomicReference<>();

    BroadcastPlan get(Tensor a, Tensor b) {
      Entry e = last.get();
      return e != null && same(e.a, a) && same(e.b, b) ? e.plan : null;
    }

    void put(Tensor a, Tensor b, BroadcastPlan p) {
      last.set(new Entry(a.shape(), b.shape(), p));
    }

    private static boolean same(int[] shape, Tensor t) {
      if (shape.length != t.rank()) {
        return false;
      }
      for (int i = 0; i < shape.length; i++) {
        if (shape[i] != t.dim(i)) {
          return false;
        }
      }
      return true;
    }
  }

  /** The float32 path over VectorMath, into {@code out} (p.size elements, zero-filled). */
  static void f32(int op, BroadcastPlan p, float[] a, float[] b, float[] out, ExecContext ctx) {
    if (p.size == 0) {
      return;
    }
    VectorMath vm = VectorMath.get();
    int sa = p.innerStride(0);
    int sb = p.innerStride(1);
    if (p.rows == 1) {
      if (ElementwiseData.serial(ctx, p.inner, 1)) {
        run(vm, op, a, 0, sa, b, 0, sb, out, 0, p.inner);
      } else {
        ElementwiseData.chunks(ctx, p.inner, 1,
            (from, to) -> run(vm, op, a, from * sa, sa, b, from * sb, sb, out, from, to - from));
      }
      return;
    }
    if (ElementwiseData.serial(ctx, p.rows, p.inner)) {
      rows(vm, op, p, a, b, out, 0, p.rows);
    } else {
      ElementwiseData.chunks(ctx, p.rows, p.inner, (r0, r1) -> rows(vm, op, p, a, b, out, r0, r1));
    }
  }

  /** Rows {@code [r0, r1)} of a broadcast whose inner run is {@code p.inner} elements. */
  private static void rows(VectorMath vm, int op, BroadcastPlan p, float[] a, float[] b,
      float[] out, int r0, int r1) {
    int inner = p.inner;
    int sa = p.innerStride(0);
    int sb = p.innerStride(1);
    BroadcastPlan.Cursor c = p.cursor();
    c.seek(r0);
    for (int r = r0; r < r1; r++) {
      run(vm, op, a, c.off[0], sa, b, c.off[1], sb, out, r * inner, inner);
      c.next();
    }
  }

  private static void run(VectorMath vm, int op, float[] a, int ao, int sa, float[] b, int bo,
      int sb, float[] out, int oo, int n) {
    if (sa == 1 && sb == 1) {
      vm.binary(op, a, ao, b, bo, out, oo, n);
    } else if (sa == 1) {
      vm.binaryScalarRight(op, a, ao, b[bo], out, oo, n);
    } else if (sb == 1) {
      vm.binaryScalarLeft(op, a[ao], b, bo, out, oo, n);
    } else {
      java.util.Arrays.fill(out, oo, oo + n, VectorMathScalar.binaryOne(op, a[ao], b[bo]));
    }
  }

  private static Tensor generic(int op, BroadcastPlan p, Tensor a, Tensor b, String node) {
    DType t = a.dtype();
    boolean u64 = ElementwiseData.u64(t);
    if (op >= AND && op <= XOR && t != DType.BOOL) {
      throw ElementwiseData.badType(node, t);
    }
    if ((op == SHL || op == SHR) && (t.isSigned() || !t.isInteger())) {
      throw ElementwiseData.badType(node, t);
    }
    if (isComparison(op)) {
      byte[] out = new byte[p.size];
      if (t.isFloating()) {
        compareD(op, p, ElementwiseData.doubles(a), ElementwiseData.doubles(b), out);
      } else {
        compareL(op, u64, p, ElementwiseData.longs(a), ElementwiseData.longs(b), out);
      }
      return Tensor.wrap(DType.BOOL, out, p.outShape);
    }
    if (t == DType.BOOL) {
      throw ElementwiseData.badType(node, t);
    }
    if (t.isFloating() || b.dtype().isFloating()) { // float data, or an integer base to a float power
      double[] out = new double[p.size];
      computeD(op, p, ElementwiseData.doubles(a), ElementwiseData.doubles(b), out);
      if (!t.isFloating()) {
        for (int i = 0; i < out.length; i++) { // NaN and infinities have no integer value
          out[i] = Double.isNaN(out[i]) ? 0 : out[i];
        }
      }
      return ElementwiseData.fromDoubles(t, out, p.outShape);
    }
    long[] out = new long[p.size];
    try {
      computeL(op, u64, p, ElementwiseData.longs(a), ElementwiseData.longs(b), out);
    } catch (ArithmeticException e) {
      throw new QuantLensException(node + ": integer division by zero");
    }
    return ElementwiseData.fromLongs(t, out, p.outShape);
  }

  private static void computeD(int op, BroadcastPlan p, double[] a, double[] b, double[] out) {
    int sa = p.innerStride(0);
    int sb = p.innerStride(1);
    BroadcastPlan.Cursor c = p.cursor();
    for (int r = 0, o = 0; r < p.rows; r++, o += p.inner) {
      int ao = c.off[0];
      int bo = c.off[1];
      for (int i = 0; i < p.inner; i++) {
        out[o + i] = applyD(op, a[ao + i * sa], b[bo + i * sb]);
      }
      c.next();
    }
  }

  private static void computeL(int op, boolean u64, BroadcastPlan p, long[] a, long[] b,
      long[] out) {
    int sa = p.innerStride(0);
    int sb = p.innerStride(1);
    BroadcastPlan.Cursor c = p.cursor();
    for (int r = 0, o = 0; r < p.rows; r++, o += p.inner) {
      int ao = c.off[0];
      int bo = c.off[1];
      for (int i = 0; i < p.inner; i++) {
        out[o + i] = applyL(op, u64, a[ao + i * sa], b[bo + i * sb]);
      }
      c.next();
    }
  }

  private static void compareD(int op, BroadcastPlan p, double[] a, double[] b, byte[] out) {
    int sa = p.innerStride(0);
    int sb = p.innerStride(1);
    BroadcastPlan.Cursor c = p.cursor();
    for (int r = 0, o = 0; r < p.rows; r++, o += p.inner) {
      int ao = c.off[0];
      int bo = c.off[1];
      for (int i = 0; i < p.inner; i++) {
        out[o + i] = compareD(op, a[ao + i * sa], b[bo + i * sb]) ? (byte) 1 : 0;
      }
      c.next();
    }
  }

  private static void compareL(int op, boolean u64, BroadcastPlan p, long[] a, long[] b,
      byte[] out) {
    int sa = p.innerStride(0);
    int sb = p.innerStride(1);
    BroadcastPlan.Cursor c = p.cursor();
    for (int r = 0, o = 0; r < p.rows; r++, o += p.inner) {
      int ao = c.off[0];
      int bo = c.off[1];
      for (int i = 0; i < p.inner; i++) {
        out[o + i] = compareL(op, u64, a[ao + i * sa], b[bo + i * sb]) ? (byte) 1 : 0;
      }
      c.next();
    }
  }

  /** One element in double arithmetic. */
  static double applyD(int op, double x, double y) {
    switch (op) {
      case ADD: return x + y;
      case SUB: return x - y;
      case MUL: return x * y;
      case DIV: return x / y;
      case MAX: return Math.max(x, y);
      case MIN: return Math.min(x, y);
      case POW: return Math.pow(x, y);
      case FMOD: return x % y;
      case MOD: {
        double r = x % y;
        return r != 0 && (r < 0) != (y < 0) ? r + y : r;
      }
      case PRELU: return x < 0 ? x * y : x;
      default: throw new IllegalArgumentException("op " + op + " has no float form");
    }
  }

  /**
   * One element in long arithmetic: wraps like the narrower types do once stored; integer
   * division truncates toward zero; {@code u64} selects unsigned division, remainder and order.
   */
  static long applyL(int op, boolean u64, long x, long y) {
    switch (op) {
      case ADD: return x + y;
      case SUB: return x - y;
      case MUL: return x * y;
      case DIV: return u64 ? Long.divideUnsigned(x, y) : x / y;
      case MAX: return (u64 ? Long.compareUnsigned(x, y) : Long.compare(x, y)) >= 0 ? x : y;
      case MIN: return (u64 ? Long.compareUnsigned(x, y) : Long.compare(x, y)) <= 0 ? x : y;
      case POW: return intPow(x, y);
      case FMOD: return u64 ? Long.remainderUnsigned(x, y) : x % y;
      case MOD: return u64 ? Long.remainderUnsigned(x, y) : Math.floorMod(x, y);
      case PRELU: return x < 0 && !u64 ? x * y : x;
      case SHL: return y < 0 || y >= 64 ? 0 : x << y;
      case SHR: return y < 0 || y >= 64 ? 0 : x >>> y;
      default: throw new IllegalArgumentException("op " + op + " has no integer form");
    }
  }

  /** {@code x^y} with wrapping multiplication; negative powers truncate toward zero. */
  static long intPow(long x, long y) {
    if (y < 0) {
      return (long) Math.pow(x, y);
    }
    long r = 1;
    long b = x;
    while (y != 0) {
      if ((y & 1) != 0) {
        r *= b;
      }
      b *= b;
      y >>>= 1;
    }
    return r;
  }

  static boolean compareD(int op, double x, double y) {
    switch (op) {
      case EQ: return x == y;
      case LT: return x < y;
      case LE: return x <= y;
      case GT: return x > y;
      case GE: return x >= y;
      default: throw new IllegalArgumentException("op " + op + " is no float comparison");
    }
  }

  static boolean compareL(int op, boolean u64, long x, long y) {
    int c = u64 ? Long.compareUnsigned(x, y) : Long.compare(x, y);
    switch (op) {
      case EQ: return x == y;
      case LT: return c < 0;
      case LE: return c <= 0;
      case GT: return c > 0;
      case GE: return c >= 0;
      case AND: return (x & y) != 0;
      case OR: return (x | y) != 0;
      case XOR: return (x ^ y) != 0;
      default: throw new IllegalArgumentException("op " + op + " is no integer comparison");
    }
  }
}
