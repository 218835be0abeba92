package org.quantlens.engine.train;

import org.quantlens.engine.tensor.Tensor;

/** Copies samples into a reused batch buffer (one per batch size, so the steady state allocates nothing). */
final class Batcher {
  private final Dataset data;
  private final int xRow;
  private final int yRow;
  private Batch full;
  private Batch partial;

  Batcher(Dataset data) {
    this.data = data;
    int n = Math.max(1, data.size());
    this.xRow = data.x().size() / n;
    this.yRow = data.y().size() / n;
  }

  /** The batch of samples {@code order[from .. from + count)} (a buffer reused by later calls). */
  Batch fill(int[] order, int from, int count, int batchSize) {
    Batch b = count == batchSize ? full : partial;
    if (b == null || b.size() != count) {
      int[] xs = data.x().shape();
      int[] ys = data.y().shape();
      xs[0] = count;
      ys[0] = count;
      b = new Batch(Tensor.zeros(data.x().dtype(), xs), Tensor.zeros(data.y().dtype(), ys));
      if (count == batchSize) {
        full = b;
      } else {
        partial = b;
      }
    }
    Object xs = data.x().data();
    Object ys = data.y().data();
    Object bx = b.x().data();
    Object by = b.y().data();
    for (int i = 0; i < count; i++) {
      int s = order == null ? from + i : order[from + i];
      System.arraycopy(xs, s * xRow, bx, i * xRow, xRow);
      System.arraycopy(ys, s * yRow, by, i * yRow, yRow);
    }
    return b;
  }
}
