package org.quantlens.engine.kernels;

/**
 * Work a GEMM caller wants done on finished output while it is still in cache: a fused
 * activation, a per-row or per-column bias. The kernel calls it exactly once for every element of
 * C, in row segments, after that segment's last accumulation; segments of different rows may be
 * handed to different threads at the same time, so an epilogue must only touch the segment given,
 * and it must not itself call a GEMM (the running one holds its thread's scratch buffers).
 */
@FunctionalInterface
public interface GemmEpilogue {
  /**
   * Processes {@code c[off, off + len)}, which holds the final values of
   * {@code C[row][col, col + len)}.
   */
  void apply(float[] c, int off, int row, int col, int len);
}
