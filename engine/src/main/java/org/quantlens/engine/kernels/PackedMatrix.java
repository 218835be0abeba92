package org.quantlens.engine.kernels;

/**
 * A GEMM operand rearranged once, typically at model load, into the panel layout a
 * {@link GemmKernel}'s micro-kernel streams, so that every later multiply skips the packing copy.
 * Create one with {@link Gemm#packB} (the right operand, e.g. the weights of Gemm, MatMul and LSTM)
 * or {@link Gemm#packA} (the left operand, e.g. Conv weights in {@code W x im2col(x)}), and use it
 * with {@link Gemm#sgemmPackedB} / {@link Gemm#sgemmPackedA}. Immutable and safe to share between
 * threads; it is a copy, so later changes to the source array are not seen.
 *
 * <p>Layout: {@code op(X)} is cut along its outer dimension (columns n of B, rows m of A) into panels
 * of {@link #panelWidth()} lines, the last one zero-padded. Panel {@code q} occupies
 * {@code data[q * width * depth, (q + 1) * width * depth)} and holds, for each step {@code p} of
 * the shared dimension in order, the {@code width} values of its lines:
 * {@code data[q * width * depth + p * width + i] = op(X)} at (line {@code q * width + i}, step {@code p}).
 */
public final class PackedMatrix {
  /** Which operand of {@code C = op(A) * op(B)} the matrix was packed as. */
  public enum Side { A, B }

  private final Side side;
  private final int outer;
  private final int depth;
  private final int width;
  private final float[] data;

  PackedMatrix(Side side, int outer, int depth, int width, float[] data) {
    this.side = side;
    this.outer = outer;
    this.depth = depth;
    this.width = width;
    this.data = data;
  }

  public Side side() {
    return side;
  }

  /** Rows of {@code op(X)}: m for an A operand, k for a B operand. */
  public int rows() {
    return side == Side.A ? outer : depth;
  }

  /** Columns of {@code op(X)}: k for an A operand, n for a B operand. */
  public int cols() {
    return side == Side.A ? depth : outer;
  }

  /** The shared (summed-over) dimension k. */
  public int depth() {
    return depth;
  }

  /** The dimension of C the matrix spans: m for A, n for B. */
  public int outer() {
    return outer;
  }

  /** Lines per panel: the micro-kernel's register tile height (A) or width (B). */
  public int panelWidth() {
    return width;
  }

  /** Bytes held (panels are padded to a multiple of {@link #panelWidth()} lines). */
  public long sizeBytes() {
    return 4L * data.length;
  }

  float[] data() {
    return data;
  }

  /**
   * Steps {@code [p0, p1)} of the shared dimension as a matrix of their own (a copy): the same
   * panels, each cut to those steps, which are contiguous within a panel.
   */
  PackedMatrix steps(int p0, int p1) {
    if (p0 < 0 || p1 > depth || p0 > p1) {
      throw new IllegalArgumentException("steps [" + p0 + ", " + p1 + ") of depth " + depth);
    }
    int panels = data.length / Math.max(1, width * depth);
    int len = (p1 - p0) * width;
    float[] out = new float[panels * len];
    for (int q = 0; q < panels; q++) {
      System.arraycopy(data, q * width * depth + p0 * width, out, q * len, len);
    }
    return new PackedMatrix(side, outer, p1 - p0, width, out);
  }
}
