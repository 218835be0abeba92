package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.UnsupportedOpException;
import org.quantlens.engine.kernels.Gemm;
import org.quantlens.engine.kernels.GemmEpilogue;
import org.quantlens.engine.kernels.PackedMatrix;
import org.quantlens.engine.kernels.Parallel;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Gemm and MatMul. Float32 runs on the SIMD GEMM ({@link Gemm}); a constant weight operand is
 * packed once when the operator is created. Float64, float16 and the integer types use a plain
 * loop (floats accumulate in double, integers in long with two's-complement wrap-around). A fused
 * activation ({@link FusedActivation}) is applied to each output row segment as soon as it is
 * final.
 */
public final class MatMulOps implements OpFamily {
  /** The op family, ready to register into any {@link OpRegistry}. */
  public MatMulOps() {}

  @Override
  public void register(OpRegistry r) {
    // Gemm-1/6: C required, 'broadcast' attribute; 7: C unidirectionally broadcast; 9: more
    // types; 11: C optional; 13: bfloat16. One implementation covers them all.
    for (int since : new int[] {1, 6, 7, 9, 11, 13}) {
      r.register("Gemm", since, MatMulOps::gemm);
    }
    // MatMul-1/9/13 differ only in the types they admit.
    for (int since : new int[] {1, 9, 13}) {
      r.register("MatMul", since, MatMulOps::matMul);
    }
  }

  // --------------------------------------------------------------------------------------------
  // Gemm

  private static Operator gemm(NodeContext ctx) {
    float alpha = ctx.attrFloat("alpha", 1f);
    float beta = ctx.attrFloat("beta", 1f);
    boolean transA = ctx.attrInt("transA", 0) != 0;
    boolean transB = ctx.attrInt("transB", 0) != 0;
    if (ctx.opset() < 11 && !ctx.hasInput(2)) {
      throw ctx.error("input C is required before opset 11 (model opset " + ctx.opset() + ")");
    }
    // Before opset 7 'broadcast' said whether C may be broadcast; we accept any C that
    // broadcasts to (M, N) either way, as later opsets do.
    FusedActivation act = FusedActivation.of(ctx);
    String where = ctx.node().describe();
    Tensor w = ctx.constant(1);
    PackedMatrix packed = null;
    int[] packedShape = null;
    if (w != null && w.dtype() == DType.F32 && w.rank() == 2) {
      int k = transB ? w.dim(1) : w.dim(0);
      int n = transB ? w.dim(0) : w.dim(1);
      packed = Gemm.packB(transB, k, n, w.floats(), 0, w.dim(1));
      packedShape = w.shape();
      ctx.ownsCopyOf(1);
    }
    return new GemmOp(where, alpha, beta, transA, transB, packed, packedShape, epilogue(act), act);
  }

  /** A prepared Gemm node. */
  private static final class GemmOp implements Operator {
    private final String where;
    private final float alpha;
    private final float beta;
    private final boolean transA;
    private final boolean transB;
    private final PackedMatrix packedB;
    /** B's shape when packedB holds it (B then comes as null). */
    private final int[] packedShape;
    private final GemmEpilogue epilogue;
    private final FusedActivation activation;
    /** Y's shape {m, n} of the last A shape: no shape array per call. */
    private final ShapeKeyed<int[]> outShapes = new ShapeKeyed<>();

    GemmOp(String where, float alpha, float beta, boolean transA, boolean transB,
        PackedMatrix packedB, int[] packedShape, GemmEpilogue epilogue, FusedActivation activation) {
      this.where = where;
      this.alpha = alpha;
      this.beta = beta;
      this.transA = transA;
      this.transB = transB;
      this.packedB = packedB;
      this.packedShape = packedShape;
      this.epilogue = epilogue;
      this.activation = activation;
    }

    @Override
    public Tensor[] run(Tensor[] in, ExecContext ctx) {
      Tensor a = in[0];
      Tensor b = in[1];
      Tensor c = in.length > 2 ? in[2] : null;
      checkType(where, a.dtype(), b == null ? DType.F32 : b.dtype());
      if (c != null) {
        checkType(where, a.dtype(), c.dtype());
      }
      if (a.rank() != 2 || b != null && b.rank() != 2) {
        throw new ShapeMismatchException(where + ": A and B must be 2-D, got A "
            + Arrays.toString(a.shape()) + " and B "
            + Arrays.toString(b == null ? packedShape : b.shape()));
      }
      int b0 = b == null ? packedShape[0] : b.dim(0);
      int b1 = b == null ? packedShape[1] : b.dim(1);
      int m = transA ? a.dim(1) : a.dim(0);
      int k = transA ? a.dim(0) : a.dim(1);
      int kb = transB ? b1 : b0;
      int n = transB ? b0 : b1;
      if (k != kb) {
        throw new ShapeMismatchException(where + ": inner dimensions differ: A "
            + Arrays.toString(a.shape()) + (transA ? " (transA)" : "") + " gives K=" + k + ", B ["
            + b0 + ", " + b1 + "]" + (transB ? " (transB)" : "") + " gives K=" + kb);
      }
      boolean useC = c != null && beta != 0;
      int[] yShape = outShapes.get(a);
      if (yShape == null || yShape[1] != n) {
        yShape = outShapes.put(a, new int[] {m, n});
      }
      // beta 0 ignores C's old contents (BLAS), so a float result need not be cleared first
      Tensor y = a.dtype() == DType.F32 ? ctx.allocateUninitialized(DType.F32, yShape)
          : ctx.allocate(a.dtype(), yShape);
      if (useC) {
        broadcastC(where, c, m, n, y);
      }
      if (a.dtype() == DType.F32) {
        float[] yd = y.floats();
        float bt = useC ? beta : 0f;
        if (packedB != null) {
          Gemm.sgemmPackedB(ctx, transA, m, alpha, a.floats(), 0, a.dim(1), packedB, bt, yd, 0, n,
              epilogue);
        } else {
          Gemm.sgemm(ctx, transA, transB, m, n, k, alpha, a.floats(), 0, a.dim(1), b.floats(), 0,
              b.dim(1), bt, yd, 0, n, epilogue);
        }
      } else {
        Generic.gemm(a, 0, transA, b, 0, transB, m, n, k, alpha, useC ? beta : 0, y, 0);
        Generic.activate(activation, y, 0, m * n);
      }
      return ctx.result(y);
    }
  }

  /** Writes C, unidirectionally broadcast to (m, n), into y. */
  private static void broadcastC(String where, Tensor c, int m, int n, Tensor y) {
    int rank = c.rank(); // dims read in place: no shape copy per call
    int cm = rank == 2 ? c.dim(0) : 1;
    int cn = rank >= 1 ? c.dim(rank - 1) : 1;
    if (rank > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != n)) {
      throw new ShapeMismatchException(where + ": C " + Arrays.toString(c.shape())
          + " does not broadcast to the output shape [" + m + ", " + n + "]");
    }
    if (c.dtype() == DType.F32) {
      float[] src = c.floats();
      float[] dst = y.floats();
      for (int i = 0; i < m; i++) {
        int s = (cm == 1 ? 0 : i) * cn;
        if (cn == n) {
          System.arraycopy(src, s, dst, i * n, n);
        } else {
          Arrays.fill(dst, i * n, i * n + n, src[s]);
        }
      }
      return;
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        int s = (cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j);
        if (c.dtype().isFloating()) {
          y.setDouble(i * n + j, c.getDouble(s));
        } else {
          y.setLong(i * n + j, c.getLong(s));
        }
      }
    }
  }

  // --------------------------------------------------------------------------------------------
  // MatMul

  private static Operator matMul(NodeContext ctx) {
    String where = ctx.node().describe();
    FusedActivation act = FusedActivation.of(ctx);
    Tensor wa = ctx.constant(0);
    Tensor wb = ctx.constant(1);
    PackedMatrix packedA = null;
    PackedMatrix packedB = null;
    int[] packedShape = null;
    if (wb != null && wb.dtype() == DType.F32 && wb.rank() == 2 && wb.dim(1) > 1) {
      packedB = Gemm.packB(false, wb.dim(0), wb.dim(1), wb.floats(), 0, wb.dim(1));
      packedShape = wb.shape();
      ctx.ownsCopyOf(1);
    } else if (wa != null && wb == null && wa.dtype() == DType.F32 && wa.rank() == 2
        && wa.dim(0) > 1) {
      packedA = Gemm.packA(false, wa.dim(0), wa.dim(1), wa.floats(), 0, wa.dim(1));
      packedShape = wa.shape();
      ctx.ownsCopyOf(0);
    }
    return new MatMulOp(where, packedA, packedB, packedShape, epilogue(act), act);
  }

  /** A prepared MatMul node: numpy matmul semantics. */
  private static final class MatMulOp implements Operator {
    private final String where;
    private final PackedMatrix packedA;
    private final PackedMatrix packedB;
    /** The shape of the packed operand, which then comes as null. */
    private final int[] packedShape;
    private final GemmEpilogue epilogue;
    private final FusedActivation activation;

    MatMulOp(String where, PackedMatrix packedA, PackedMatrix packedB, int[] packedShape,
        GemmEpilogue epilogue, FusedActivation activation) {
      this.where = where;
      this.packedA = packedA;
      this.packedB = packedB;
      this.packedShape = packedShape;
      this.epilogue = epilogue;
      this.activation = activation;
    }

    @Override
    public Tensor[] run(Tensor[] in, ExecContext ctx) {
      Tensor a = in[0];
      Tensor b = in[1];
      DType type = a == null ? DType.F32 : a.dtype();
      checkType(where, type, b == null ? DType.F32 : b.dtype());
      int[] as = a == null ? packedShape : a.shape();
      int[] bs = b == null ? packedShape : b.shape();
      if (as.length == 0 || bs.length == 0) {
        throw new ShapeMismatchException(where + ": MatMul needs inputs of rank 1 or more, got A "
            + Arrays.toString(as) + " and B " + Arrays.toString(bs));
      }
      // 1-D operands are promoted to a row (A) or a column (B), removed again from the output
      int[] a2 = as.length == 1 ? new int[] {1, as[0]} : as;
      int[] b2 = bs.length == 1 ? new int[] {bs[0], 1} : bs;
      int m = a2[a2.length - 2];
      int k = a2[a2.length - 1];
      int n = b2[b2.length - 1];
      if (b2[b2.length - 2] != k) {
        throw new ShapeMismatchException(where + ": inner dimensions differ: A "
            + Arrays.toString(as) + " has K=" + k + ", B " + Arrays.toString(bs) + " has K="
            + b2[b2.length - 2]);
      }
      int[] aBatch = Arrays.copyOf(a2, a2.length - 2);
      int[] bBatch = Arrays.copyOf(b2, b2.length - 2);
      int[] batch;
      try {
        batch = Shapes.broadcast(aBatch, bBatch);
      } catch (ShapeMismatchException e) {
        throw new ShapeMismatchException(where + ": batch dimensions of A " + Arrays.toString(as)
            + " and B " + Arrays.toString(bs) + " do not broadcast");
      }
      int[] outShape = outputShape(batch, as.length > 1 ? m : -1, bs.length > 1 ? n : -1);
      Tensor y = type == DType.F32 ? ctx.allocateUninitialized(type, outShape) // beta 0: see Gemm
          : ctx.allocate(type, outShape);
      int batches = Shapes.size(batch);
      if (batches == 0 || m == 0 || n == 0) {
        return ctx.result(y);
      }
      if (type == DType.F32) {
        runFloat(a, b, aBatch, bBatch, batch, m, n, k, y.floats(), ctx);
      } else {
        int[] aStr = Shapes.broadcastStrides(aBatch, batch);
        int[] bStr = Shapes.broadcastStrides(bBatch, batch);
        int[] idx = new int[batch.length];
        for (int t = 0; t < batches; t++) {
          Generic.gemm(a, offset(idx, aStr) * m * k, false, b, offset(idx, bStr) * k * n, false,
              m, n, k, 1f, 0f, y, t * m * n);
          increment(idx, batch);
        }
        Generic.activate(activation, y, 0, y.size());
      }
      return ctx.result(y);
    }

    private void runFloat(Tensor a, Tensor b, int[] aBatch, int[] bBatch, int[] batch, int m,
        int n, int k, float[] y, ExecContext ctx) {
      float[] ad = a == null ? null : a.floats(); // null: packedA holds A
      float[] bd = b == null ? null : b.floats(); // null: packedB holds B
      if (packedA == null && Shapes.size(bBatch) == 1
          && Shapes.size(batch) == Shapes.size(aBatch)) {
        // B is one matrix (for every batch) and A's batches are contiguous: one tall GEMM
        int rows = Shapes.size(aBatch) * m;
        if (packedB != null) {
          Gemm.sgemmPackedB(ctx, false, rows, 1f, ad, 0, k, packedB, 0f, y, 0, n, epilogue);
        } else {
          Gemm.sgemm(ctx, false, false, rows, n, k, 1f, ad, 0, k, bd, 0, n, 0f, y, 0, n, epilogue);
        }
        return;
      }
      int batches = Shapes.size(batch);
      int[] aStr = Shapes.broadcastStrides(aBatch, batch);
      int[] bStr = Shapes.broadcastStrides(bBatch, batch);
      int[] aOffs = new int[batches];
      int[] bOffs = new int[batches];
      int[] idx = new int[batch.length];
      for (int t = 0; t < batches; t++) {
        aOffs[t] = offset(idx, aStr) * m * k;
        bOffs[t] = offset(idx, bStr) * k * n;
        increment(idx, batch);
      }
      // many small products: one per task; few large ones: each spread over the threads. The
      // result is the same either way (the kernel's order does not depend on threads).
      boolean perTask = batches >= ctx.threads() * 2 || (long) m * n * k < (1 << 16);
      Parallel inner = perTask ? Parallel.SERIAL : ctx;
      java.util.function.IntConsumer one = t -> {
        if (packedA != null) {
          Gemm.sgemmPackedA(inner, packedA, false, n, 1f, bd, bOffs[t], n, 0f, y, t * m * n, n,
              epilogue);
        } else {
          Gemm.sgemm(inner, false, false, m, n, k, 1f, ad, aOffs[t], k, bd, bOffs[t], n, 0f, y,
              t * m * n, n, epilogue);
        }
      };
      if (perTask) {
        ctx.forRange(batches, one);
      } else {
        for (int t = 0; t < batches; t++) {
          one.accept(t);
        }
      }
    }
  }

  private static int[] outputShape(int[] batch, int m, int n) {
    int[] s = Arrays.copyOf(batch, batch.length + (m >= 0 ? 1 : 0) + (n >= 0 ? 1 : 0));
    int r = batch.length;
    if (m >= 0) {
      s[r++] = m;
    }
    if (n >= 0) {
      s[r] = n;
    }
    return s;
  }

  private static int offset(int[] idx, int[] strides) {
    int o = 0;
    for (int i = 0; i < idx.length; i++) {
      o += idx[i] * strides[i];
    }
    return o;
  }

  private static void increment(int[] idx, int[] shape) {
    for (int i = idx.length - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]) {
        return;
      }
      idx[i] = 0;
    }
  }

  // --------------------------------------------------------------------------------------------
  // Shared

  private static GemmEpilogue epilogue(FusedActivation act) {
    if (act.isNone()) {
      return null;
    }
    return (c, off, row, col, len) -> act.apply(c, off, off + len);
  }

  private static void checkType(String where, DType a, DType b) {
    if (a != b) {
      throw new ShapeMismatchException(where + ": inputs must have one element type, got "
          + a + " and " + b);
    }
    if (a == DType.BOOL) {
      throw new UnsupportedOpException(where + ": BOOL inputs are not supported");
    }
  }

  /** The non-float32 path: a plain loop, accumulating in double (floats) or long (integers). */
  static final class Generic {
    private Generic() {}

    /**
     * {@code y[yOff..] (m x n) = alpha * op(A) * op(B) + beta * y}, A at {@code aOff} with rows of
     * its stored width, same for B; for integers alpha and beta are applied in long arithmetic
     * when they are whole numbers.
     */
    static void gemm(Tensor a, int aOff, boolean ta, Tensor b, int bOff, boolean tb, int m, int n,
        int k, float alpha, float beta, Tensor y, int yOff) {
      int lda = ta ? m : k;
      int ldb = tb ? k : n;
      if (y.dtype().isFloating()) {
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
              s += a.getDouble(aOff + (ta ? p * lda + i : i * lda + p))
                  * b.getDouble(bOff + (tb ? j * ldb + p : p * ldb + j));
            }
            int yi = yOff + i * n + j;
            y.setDouble(yi, beta == 0 ? alpha * s : alpha * s + beta * y.getDouble(yi));
          }
        }
        return;
      }
      boolean whole = alpha == (long) alpha && beta == (long) beta;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          long s = 0;
          for (int p = 0; p < k; p++) {
            s += a.getLong(aOff + (ta ? p * lda + i : i * lda + p))
                * b.getLong(bOff + (tb ? j * ldb + p : p * ldb + j));
          }
          int yi = yOff + i * n + j;
          long prev = beta == 0 ? 0 : y.getLong(yi);
          if (whole) {
            y.setLong(yi, (long) alpha * s + (long) beta * prev);
          } else {
            y.setDouble(yi, alpha * (double) s + beta * (double) prev);
          }
        }
      }
    }

    /** Applies a fused activation to a non-float32 tensor, in double. */
    static void activate(FusedActivation act, Tensor y, int from, int to) {
      if (act.isNone()) {
        return;
      }
      for (int i = from; i < to; i++) {
        double x = y.getDouble(i);
        switch (act.kind()) {
          case "Relu":
            x = Math.max(x, 0);
            break;
          case "Clip":
            x = Math.min(Math.max(x, act.min()), act.max());
            break;
          case "LeakyRelu":
            x = x >= 0 ? x : act.alpha() * x;
            break;
          case "Sigmoid":
            x = 1 / (1 + Math.exp(-x));
            break;
          default:
            x = Math.tanh(x);
        }
        y.setDouble(i, x);
      }
    }
  }
}
