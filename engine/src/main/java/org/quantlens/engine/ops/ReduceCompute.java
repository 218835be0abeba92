package org.quantlens.engine.ops;

import org.quantlens.engine.kernels.VectorMath;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The Reduce* ops over a {@link ReducePlan}. Float32: when the reduced axes are innermost each
 * output folds one contiguous run with {@link VectorMath#reduce} (runs longer than
 * {@link #CHUNK} are cut into fixed chunks whose partial results are combined in order, so the
 * value never depends on the thread count); otherwise outputs accumulate lane-wise, row by row,
 * with {@link VectorMath#accumulate}. Other types fold in double (floats) or long (integers,
 * wrapping; Mean truncates) arithmetic.
 */
final class ReduceCompute {
  static final int SUM = 0;
  static final int MEAN = 1;
  static final int MAX = 2;
  static final int MIN = 3;
  static final int PROD = 4;
  static final int L1 = 5;
  static final int L2 = 6;
  static final int LOG_SUM = 7;
  static final int LOG_SUM_EXP = 8;
  static final int SUM_SQUARE = 9;

  /** Fixed length of the pieces a long contiguous run is cut into. */
  static final int CHUNK = 16_384;
  /** Inner-dimension block of one task in the lane-wise case. */
  private static final int BLOCK = 4096;
  /** Rows summed into one partial in the lane-wise case. */
  private static final int ROWS = 256;

  private ReduceCompute() {}

  /** The VectorMath fold that a kind starts from. */
  private static int fold(int kind) {
    switch (kind) {
      case MAX: return VectorMath.R_MAX;
      case MIN: return VectorMath.R_MIN;
      case PROD: return VectorMath.R_PROD;
      case L1: return VectorMath.R_SUM_ABS;
      case L2: case SUM_SQUARE: return VectorMath.R_SUM_SQUARE;
      default: return VectorMath.R_SUM;
    }
  }

  private static float identity(int fold) {
    switch (fold) {
      case VectorMath.R_MAX: return Float.NEGATIVE_INFINITY;
      case VectorMath.R_MIN: return Float.POSITIVE_INFINITY;
      case VectorMath.R_PROD: return 1f;
      default: return 0f;
    }
  }

  static Tensor apply(int kind, Tensor x, ReducePlan p, ExecContext ctx, String node) {
    DType t = x.dtype();
    if (t == DType.F32) {
      float[] in = x.floats();
      if (p.gather != null) {
        float[] g = new float[p.gather.length];
        for (int i = 0; i < g.length; i++) {
          g[i] = in[p.gather[i]];
        }
        in = g;
      }
      return Tensor.of(f32(kind, in, p, ctx), p.outShape);
    }
    if (t.isFloating() || kind == L2 || kind == LOG_SUM || kind == LOG_SUM_EXP) {
      if (t == DType.BOOL) {
        throw ElementwiseData.badType(node, t);
      }
      double[] in = ElementwiseData.doubles(x);
      double[] out = generic(kind, gathered(in, p), p);
      if (!t.isFloating()) {
        for (int i = 0; i < out.length; i++) {
          out[i] = Double.isNaN(out[i]) ? 0 : out[i];
        }
      }
      return ElementwiseData.fromDoubles(t, out, p.outShape);
    }
    if (!t.isInteger()) {
      throw ElementwiseData.badType(node, t);
    }
    long[] in = ElementwiseData.longs(x);
    if (p.gather != null) {
      long[] g = new long[p.gather.length];
      for (int i = 0; i < g.length; i++) {
        g[i] = in[p.gather[i]];
      }
      in = g;
    }
    return ElementwiseData.fromLongs(t, integer(kind, ElementwiseData.u64(t), in, p), p.outShape);
  }

  private static double[] gathered(double[] in, ReducePlan p) {
    if (p.gather == null) {
      return in;
    }
    double[] g = new double[p.gather.length];
    for (int i = 0; i < g.length; i++) {
      g[i] = in[p.gather[i]];
    }
    return g;
  }

  // ---- float32 ----

  static float[] f32(int kind, float[] x, ReducePlan p, ExecContext ctx) {
    int outer = p.outer;
    int r = p.r;
    int inner = p.inner;
    float[] out = ctx.allocate(DType.F32, outer * inner).floats();
    if (out.length == 0) {
      return out;
    }
    VectorMath vm = VectorMath.get();
    if (inner == 1) {
      runs(vm, kind, x, out, outer, r, ctx);
    } else {
      int blocks = (inner + BLOCK - 1) / BLOCK;
      ElementwiseData.chunks(ctx, outer * blocks, Math.max(1, r) * Math.min(inner, BLOCK), (u0, u1) -> {
        float[] tmp = new float[Math.min(inner, BLOCK) * 3];
        for (int u = u0; u < u1; u++) {
          int o = u / blocks;
          int j0 = (u % blocks) * BLOCK;
          columns(vm, kind, x, out, o, r, inner, j0, Math.min(BLOCK, inner - j0), tmp);
        }
      });
    }
    finish(kind, out, r);
    return out;
  }

  /** Each output folds the contiguous run x[o*r, (o+1)*r), in fixed chunks. */
  private static void runs(VectorMath vm, int kind, float[] x, float[] out, int outer, int r,
      ExecContext ctx) {
    int fold = fold(kind == LOG_SUM_EXP ? MAX : kind);
    int chunks = Math.max(1, (r + CHUNK - 1) / CHUNK);
    float[] part = new float[outer * chunks];
    int cost = Math.min(Math.max(r, 1), CHUNK);
    ElementwiseData.chunks(ctx, outer * chunks, cost, (u0, u1) -> {
      for (int u = u0; u < u1; u++) {
        int o = u / chunks;
        int c = u % chunks;
        int from = c * CHUNK;
        part[u] = vm.reduce(fold, x, o * r + from, Math.min(CHUNK, r - from));
      }
    });
    combine(fold, part, out, chunks);
    if (kind != LOG_SUM_EXP) {
      return;
    }
    float[] max = out.clone();
    ElementwiseData.chunks(ctx, outer * chunks, cost * 4, (u0, u1) -> {
      for (int u = u0; u < u1; u++) {
        int o = u / chunks;
        int from = (u % chunks) * CHUNK;
        float m = max[o];
        part[u] = Float.isInfinite(m) ? 0 : vm.sumExp(x, o * r + from, m, Math.min(CHUNK, r - from));
      }
    });
    combine(VectorMath.R_SUM, part, out, chunks);
    for (int o = 0; o < outer; o++) {
      out[o] = Float.isInfinite(max[o]) ? max[o] : max[o] + (float) Math.log(out[o]);
    }
  }

  /** out[o] = the in-order fold of part[o*chunks, (o+1)*chunks). */
  private static void combine(int fold, float[] part, float[] out, int chunks) {
    for (int o = 0; o < out.length; o++) {
      if (chunks == 1) {
        out[o] = part[o];
        continue;
      }
      double acc = identity(fold);
      for (int c = 0; c < chunks; c++) {
        float v = part[o * chunks + c];
        switch (fold) {
          case VectorMath.R_MAX: acc = Math.max(acc, v); break;
          case VectorMath.R_MIN: acc = Math.min(acc, v); break;
          case VectorMath.R_PROD: acc *= v; break;
          default: acc += v;
        }
      }
      out[o] = (float) acc;
    }
  }

  /**
   * Outputs out[o*inner + j0 + i], i < n, accumulated lane-wise over the r rows. Sums over more
   * than {@link #ROWS} rows add fixed blocks of ROWS rows separately first, which keeps float
   * rounding error near u * (sqrt(ROWS) + sqrt(r / ROWS)) instead of u * sqrt(r).
   * {@code tmp} holds 3 * n floats: running max, exp of one row, one block's partial sum.
   */
  private static void columns(VectorMath vm, int kind, float[] x, float[] out, int o, int r,
      int inner, int j0, int n, float[] tmp) {
    int at = o * inner + j0;
    int base = o * r * inner + j0;
    boolean lse = kind == LOG_SUM_EXP;
    if (lse) {
      java.util.Arrays.fill(tmp, 0, n, Float.NEGATIVE_INFINITY);
      for (int k = 0; k < r; k++) {
        vm.accumulate(VectorMath.R_MAX, x, base + k * inner, tmp, 0, n);
      }
    }
    int fold = lse ? VectorMath.R_SUM : fold(kind);
    boolean blocked = r > ROWS && (fold == VectorMath.R_SUM || fold == VectorMath.R_SUM_SQUARE
        || fold == VectorMath.R_SUM_ABS);
    java.util.Arrays.fill(out, at, at + n, identity(fold));
    for (int k0 = 0; k0 < r; k0 += ROWS) {
      int k1 = Math.min(r, k0 + ROWS);
      float[] acc = blocked ? tmp : out;
      int accOff = blocked ? 2 * n : at;
      if (blocked) {
        java.util.Arrays.fill(tmp, 2 * n, 3 * n, 0f);
      }
      for (int k = k0; k < k1; k++) {
        if (lse) {
          vm.binary(VectorMath.SUB, x, base + k * inner, tmp, 0, tmp, n, n);
          vm.map(VectorMath.EXP, 0, 0, tmp, n, tmp, n, n);
          vm.accumulate(VectorMath.R_SUM, tmp, n, acc, accOff, n);
        } else {
          vm.accumulate(fold, x, base + k * inner, acc, accOff, n);
        }
      }
      if (blocked) {
        vm.accumulate(VectorMath.R_SUM, tmp, 2 * n, out, at, n);
      }
    }
    if (lse) {
      for (int i = 0; i < n; i++) {
        float m = tmp[i];
        out[at + i] = Float.isInfinite(m) ? m : m + (float) Math.log(out[at + i]);
      }
    }
  }

  /** Mean divides, L2 takes the root, LogSum the log. */
  private static void finish(int kind, float[] out, int r) {
    switch (kind) {
      case MEAN:
        for (int i = 0; i < out.length; i++) {
          out[i] /= r;
        }
        return;
      case L2:
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) Math.sqrt(out[i]);
        }
        return;
      case LOG_SUM:
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) Math.log(out[i]);
        }
        return;
      default:
    }
  }

  // ---- other types ----

  /** Double precision (float64, float16; and integers for L2 and the logs). */
  private static double[] generic(int kind, double[] x, ReducePlan p) {
    int inner = p.inner;
    int r = p.r;
    double[] out = new double[p.outer * inner];
    for (int o = 0; o < p.outer; o++) {
      for (int j = 0; j < inner; j++) {
        int base = o * r * inner + j;
        double m = Double.NEGATIVE_INFINITY;
        if (kind == LOG_SUM_EXP) {
          for (int k = 0; k < r; k++) {
            m = Math.max(m, x[base + k * inner]);
          }
        }
        double acc = kind == MAX ? Double.NEGATIVE_INFINITY : kind == MIN ? Double.POSITIVE_INFINITY
            : kind == PROD ? 1 : 0;
        for (int k = 0; k < r; k++) {
          double v = x[base + k * inner];
          switch (kind) {
            case MAX: acc = Math.max(acc, v); break;
            case MIN: acc = Math.min(acc, v); break;
            case PROD: acc *= v; break;
            case L1: acc += Math.abs(v); break;
            case L2: case SUM_SQUARE: acc += v * v; break;
            case LOG_SUM_EXP: acc += Math.exp(v - m); break;
            default: acc += v;
          }
        }
        switch (kind) {
          case MEAN: acc /= r; break;
          case L2: acc = Math.sqrt(acc); break;
          case LOG_SUM: acc = Math.log(acc); break;
          case LOG_SUM_EXP: acc = Double.isInfinite(m) ? m : m + Math.log(acc); break;
          default:
        }
        out[o * inner + j] = acc;
      }
    }
    return out;
  }

  /** Long arithmetic for integer types (wrapping); Mean truncates toward zero. */
  private static long[] integer(int kind, boolean u64, long[] x, ReducePlan p) {
    int inner = p.inner;
    int r = p.r;
    long[] out = new long[p.outer * inner];
    for (int o = 0; o < p.outer; o++) {
      for (int j = 0; j < inner; j++) {
        int base = o * r * inner + j;
        long acc = kind == MAX ? (u64 ? 0 : Long.MIN_VALUE) : kind == MIN ? (u64 ? -1L : Long.MAX_VALUE)
            : kind == PROD ? 1 : 0;
        for (int k = 0; k < r; k++) {
          long v = x[base + k * inner];
          switch (kind) {
            case MAX: acc = (u64 ? Long.compareUnsigned(v, acc) : Long.compare(v, acc)) > 0 ? v : acc; break;
            case MIN: acc = (u64 ? Long.compareUnsigned(v, acc) : Long.compare(v, acc)) < 0 ? v : acc; break;
            case PROD: acc *= v; break;
            case L1: acc += u64 ? v : Math.abs(v); break;
            case SUM_SQUARE: acc += v * v; break;
            default: acc += v;
          }
        }
        if (kind == MEAN && r > 0) {
          acc = u64 ? Long.divideUnsigned(acc, r) : acc / r;
        }
        out[o * inner + j] = acc;
      }
    }
    return out;
  }
}
