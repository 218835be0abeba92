package org.quantlens.engine.train.grad;

import org.quantlens.engine.kernels.Gemm;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Gemm ({@code Y = alpha * op(A) * op(B) + beta * C}) and MatMul (numpy semantics: 1-D operands
 * promoted, batch dimensions broadcast). Every product runs on the engine's GEMM, accumulating into
 * the gradient buffers with {@code beta = 1}.
 */
final class MatMulGrad {
  private MatMulGrad() {}

  static void register(GradRegistry r) {
    r.register("Gemm", MatMulGrad::gemm);
    r.register("MatMul", MatMulGrad::matMul);
  }

  private static void gemm(GradContext g) {
    boolean ta = g.node().attrInt("transA", 0) != 0;
    boolean tb = g.node().attrInt("transB", 0) != 0;
    float alpha = g.node().attrFloat("alpha", 1f);
    float beta = g.node().attrFloat("beta", 1f);
    Tensor a = g.input(0);
    Tensor b = g.input(1);
    Tensor y = g.output(0);
    int m = y.dim(0);
    int n = y.dim(1);
    int k = ta ? a.dim(0) : a.dim(1);
    float[] dy = g.outputGrad(0);
    ExecContext ec = g.exec();
    float[] av = a.floats();
    float[] bv = b.floats();
    if (g.needsGrad(0)) {
      float beta0 = g.canOverwrite(0) ? 0f : 1f;
      float[] da = beta0 == 0f ? g.overwriteGrad(0) : g.inputGrad(0);
      if (!ta) { // dA[m x k] += alpha * dY * op(B)^T
        Gemm.sgemm(ec, false, !tb, m, k, n, alpha, dy, 0, n, bv, 0, tb ? k : n, beta0, da, 0, k);
      } else { // dA[k x m] += alpha * op(B) * dY^T
        Gemm.sgemm(ec, tb, true, k, m, n, alpha, bv, 0, tb ? k : n, dy, 0, n, beta0, da, 0, m);
      }
    }
    if (g.needsGrad(1)) {
      float beta1 = g.canOverwrite(1) ? 0f : 1f;
      float[] db = beta1 == 0f ? g.overwriteGrad(1) : g.inputGrad(1);
      if (!tb) { // dB[k x n] += alpha * op(A)^T * dY
        Gemm.sgemm(ec, !ta, false, k, n, m, alpha, av, 0, ta ? m : k, dy, 0, n, beta1, db, 0, n);
      } else { // dB[n x k] += alpha * dY^T * op(A)
        Gemm.sgemm(ec, true, ta, n, k, m, alpha, dy, 0, n, av, 0, ta ? m : k, beta1, db, 0, k);
      }
    }
    Tensor c = g.input(2);
    if (c != null && g.needsGrad(2)) {
      float[] dc = g.inputGrad(2);
      if (beta == 1f) {
        BroadcastGrad.reduceInto(dy, y.shape(), dc, c.shape());
      } else {
        float[] tmp = g.scratch(0, c.size());
        java.util.Arrays.fill(tmp, 0, c.size(), 0f);
        BroadcastGrad.reduceInto(dy, y.shape(), tmp, c.shape());
        for (int i = 0; i < c.size(); i++) {
          dc[i] += beta * tmp[i];
        }
      }
    }
  }

  private static void matMul(GradContext g) {
    Tensor a = g.input(0);
    Tensor b = g.input(1);
    int[] as = a.rank() == 1 ? new int[] {1, a.dim(0)} : a.shape();
    int[] bs = b.rank() == 1 ? new int[] {b.dim(0), 1} : b.shape();
    int m = as[as.length - 2];
    int k = as[as.length - 1];
    int n = bs[bs.length - 1];
    int[] aBatch = java.util.Arrays.copyOf(as, as.length - 2);
    int[] bBatch = java.util.Arrays.copyOf(bs, bs.length - 2);
    int[] batch = Shapes.broadcast(aBatch, bBatch);
    int count = Shapes.size(batch);
    float[] dy = g.outputGrad(0);
    float[] av = a.floats();
    float[] bv = b.floats();
    ExecContext ec = g.exec();
    boolean needA = g.needsGrad(0);
    boolean needB = g.needsGrad(1);
    float[] da = needA ? g.inputGrad(0) : null;
    float[] db = needB ? g.inputGrad(1) : null;
    if (Shapes.size(bBatch) == 1 && Shapes.size(aBatch) == count) {
      // A shared right operand (a Linear layer over a batch of rows): one GEMM per gradient over
      // all rows of A.
      int rows = count * m;
      if (needA) {
        Gemm.sgemm(ec, false, true, rows, k, n, 1f, dy, 0, n, bv, 0, n, 1f, da, 0, k);
      }
      if (needB) {
        Gemm.sgemm(ec, true, false, k, n, rows, 1f, av, 0, k, dy, 0, n, 1f, db, 0, n);
      }
      return;
    }
    int[] sa = matrixStrides(aBatch, batch);
    int[] sb = matrixStrides(bBatch, batch);
    int[] idx = new int[batch.length];
    int ia = 0;
    int ib = 0;
    for (int t = 0; t < count; t++) {
      int yOff = t * m * n;
      if (needA) {
        Gemm.sgemm(ec, false, true, m, k, n, 1f, dy, yOff, n, bv, ib * k * n, n, 1f, da,
            ia * m * k, k);
      }
      if (needB) {
        Gemm.sgemm(ec, true, false, k, n, m, 1f, av, ia * m * k, k, dy, yOff, n, 1f, db,
            ib * k * n, n);
      }
      for (int d = batch.length - 1; d >= 0; d--) {
        if (++idx[d] < batch[d]) {
          ia += sa[d];
          ib += sb[d];
          break;
        }
        ia -= sa[d] * (batch[d] - 1);
        ib -= sb[d] * (batch[d] - 1);
        idx[d] = 0;
      }
    }
  }

  /** Strides, in matrices, of a batch shape read as broadcast to {@code batch}. */
  private static int[] matrixStrides(int[] from, int[] batch) {
    return Shapes.broadcastStrides(from, batch);
  }
}
