package org.quantlens.engine.ops;

import org.quantlens.engine.UnsupportedOpException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Float16;
import org.quantlens.engine.tensor.Tensor;

/**
 * Helpers shared by the element-wise, activation and reduction ops: splitting big arrays into
 * parallel chunks, and reading any tensor as doubles or longs (the generic, non-float32 paths),
 * with the type switch outside the element loop.
 */
final class ElementwiseData {
  /** Elements per parallel task. */
  static final int GRAIN = 16_384;
  /** Below this many elements work stays on the calling thread. */
  static final int PARALLEL_MIN = 65_536;

  private ElementwiseData() {}

  /** A body over the index range {@code [from, to)}. */
  @FunctionalInterface
  interface Range {
    void run(int from, int to);
  }

  /**
   * Runs {@code body} over {@code [0, n)}, in chunks spread over the context's threads when
   * {@code n * costPerElement} is large. Chunks are disjoint, so results never depend on the
   * thread count as long as each element's result depends only on its own inputs.
   */
  static void chunks(ExecContext ctx, int n, int costPerElement, Range body) {
    if (serial(ctx, n, costPerElement)) {
      body.run(0, n);
      return;
    }
    long work = (long) n * Math.max(1, costPerElement);
    int tasks = (int) Math.min(Math.min(n, (work + GRAIN - 1) / GRAIN), ctx.threads() * 4L);
    ctx.forRange(tasks, t -> {
      // chunk edges on multiples of 16 elements, so vector loops keep their alignment
      int from = t == 0 ? 0 : (int) ((long) n * t / tasks) & ~15;
      int to = t == tasks - 1 ? n : (int) ((long) n * (t + 1) / tasks) & ~15;
      if (to > from) {
        body.run(from, to);
      }
    });
  }

  /**
   * Whether {@link #chunks} would run everything on the calling thread. Hot callers test it first
   * and skip the body lambda: through {@code chunks}' shared (megamorphic) call the JIT cannot
   * inline the body, so the captured lambda was allocated on every call.
   */
  static boolean serial(ExecContext ctx, int n, int costPerElement) {
    return (long) n * Math.max(1, costPerElement) < PARALLEL_MIN || ctx.threads() <= 1 || n < 2;
  }

  /** True for the unsigned 64-bit type, the one whose values do not fit a signed long. */
  static boolean u64(DType t) {
    return t == DType.U64;
  }

  /** The values as doubles (the backing array itself for F64; read-only). */
  static double[] doubles(Tensor t) {
    int n = t.size();
    switch (t.dtype()) {
      case F64:
        return t.doubles();
      case F32: {
        float[] f = t.floats();
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
          d[i] = f[i];
        }
        return d;
      }
      case F16: {
        short[] h = t.shorts();
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
          d[i] = Float16.toFloat(h[i]);
        }
        return d;
      }
      default: {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
          d[i] = t.getDouble(i);
        }
        return d;
      }
    }
  }

  /** Integer or bool values as longs, unsigned ones zero-extended (the array itself for I64/U64). */
  static long[] longs(Tensor t) {
    int n = t.size();
    long[] l;
    switch (t.dtype()) {
      case I64: case U64:
        return t.longs();
      case I32: {
        int[] v = t.ints();
        l = new long[n];
        for (int i = 0; i < n; i++) {
          l[i] = v[i];
        }
        return l;
      }
      case U32: {
        int[] v = t.ints();
        l = new long[n];
        for (int i = 0; i < n; i++) {
          l[i] = v[i] & 0xffffffffL;
        }
        return l;
      }
      case I8: case BOOL: {
        byte[] v = t.bytes();
        l = new long[n];
        for (int i = 0; i < n; i++) {
          l[i] = v[i];
        }
        return l;
      }
      case U8: {
        byte[] v = t.bytes();
        l = new long[n];
        for (int i = 0; i < n; i++) {
          l[i] = v[i] & 0xff;
        }
        return l;
      }
      case I16: {
        short[] v = t.shorts();
        l = new long[n];
        for (int i = 0; i < n; i++) {
          l[i] = v[i];
        }
        return l;
      }
      case U16: {
        short[] v = t.shorts();
        l = new long[n];
        for (int i = 0; i < n; i++) {
          l[i] = v[i] & 0xffff;
        }
        return l;
      }
      default:
        throw new IllegalArgumentException("not an integer tensor: " + t.dtype());
    }
  }

  /** A tensor of {@code type} holding {@code v} (rounded to the type; integers truncate, wrap). */
  static Tensor fromDoubles(DType type, double[] v, int[] shape) {
    if (type == DType.F64) {
      return Tensor.wrap(DType.F64, v, shape);
    }
    Tensor t = Tensor.zeros(type, shape);
    int n = t.size();
    if (type == DType.F32) {
      float[] f = t.floats();
      for (int i = 0; i < n; i++) {
        f[i] = (float) v[i];
      }
    } else if (type == DType.F16) {
      short[] h = t.shorts();
      for (int i = 0; i < n; i++) {
        h[i] = Float16.fromFloat((float) v[i]);
      }
    } else {
      for (int i = 0; i < n; i++) {
        t.setDouble(i, v[i]);
      }
    }
    return t;
  }

  /** A tensor of integer or bool {@code type} holding {@code v}, wrapped to the type's width. */
  static Tensor fromLongs(DType type, long[] v, int[] shape) {
    if (type == DType.I64 || type == DType.U64) {
      return Tensor.wrap(type, v, shape);
    }
    Tensor t = Tensor.zeros(type, shape);
    int n = t.size();
    switch (type) {
      case I32: case U32: {
        int[] o = t.ints();
        for (int i = 0; i < n; i++) {
          o[i] = (int) v[i];
        }
        return t;
      }
      case I16: case U16: {
        short[] o = t.shorts();
        for (int i = 0; i < n; i++) {
          o[i] = (short) v[i];
        }
        return t;
      }
      case BOOL: {
        byte[] o = t.bytes();
        for (int i = 0; i < n; i++) {
          o[i] = (byte) (v[i] != 0 ? 1 : 0);
        }
        return t;
      }
      case I8: case U8: {
        byte[] o = t.bytes();
        for (int i = 0; i < n; i++) {
          o[i] = (byte) v[i];
        }
        return t;
      }
      default:
        for (int i = 0; i < n; i++) {
          t.setLong(i, v[i]);
        }
        return t;
    }
  }

  /** The error for an input type an op does not take. */
  static UnsupportedOpException badType(String node, DType type) {
    return new UnsupportedOpException(node + ": input type " + type + " is not supported");
  }
}
