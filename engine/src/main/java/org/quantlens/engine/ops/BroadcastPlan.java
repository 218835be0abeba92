package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.tensor.Shapes;

/**
 * How inputs of numpy-broadcast shapes line up with the output: output dimensions of size 1 are
 * dropped and neighbouring dimensions that every input reads the same way are merged, leaving the
 * output as {@code rows} runs of {@code inner} contiguous elements. In a run, input k advances by
 * {@link #innerStride}(k), 1 or 0 (then it repeats one value); {@link Cursor} gives each input's
 * offset at the start of each run.
 */
final class BroadcastPlan {
  final int[] outShape;
  final int size;
  final int inner;
  final int rows;
  private final int[] innerStrides;
  /** Outer (collapsed) dimensions, outermost first, and each input's stride along them. */
  private final int[] dims;
  private final int[][] strides;

  private BroadcastPlan(int[] outShape, int inner, int[] innerStrides, int[] dims,
      int[][] strides) {
    this.outShape = outShape;
    this.size = Shapes.size(outShape);
    this.inner = inner;
    this.rows = inner == 0 ? 0 : size / inner;
    this.innerStrides = innerStrides;
    this.dims = dims;
    this.strides = strides;
  }

  /** The plan for inputs of these shapes; throws naming {@code what} if they do not broadcast. */
  static BroadcastPlan of(String what, int[]... shapes) {
    int[] out = shapes[0];
    try {
      for (int k = 1; k < shapes.length; k++) {
        out = Shapes.broadcast(out, shapes[k]);
      }
    } catch (ShapeMismatchException e) {
      throw new ShapeMismatchException(what + ": " + e.getMessage());
    }
    int rank = out.length;
    int n = shapes.length;
    // per kept (size > 1) output dimension: size and each input's stride
    int[][] bs = new int[n][];
    for (int k = 0; k < n; k++) {
      bs[k] = Shapes.broadcastStrides(shapes[k], out);
    }
    int[] d = new int[rank];
    int[][] s = new int[n][rank];
    int kept = 0;
    for (int i = 0; i < rank; i++) {
      if (out[i] == 1) {
        continue;
      }
      d[kept] = out[i];
      for (int k = 0; k < n; k++) {
        s[k][kept] = bs[k][i];
      }
      kept++;
    }
    // merge dimension j-1 into j when every input's stride at j-1 is stride(j) * size(j)
    int[] md = new int[kept];
    int[][] ms = new int[n][kept];
    int m = 0;
    for (int j = 0; j < kept; j++) {
      boolean merge = m > 0;
      for (int k = 0; merge && k < n; k++) {
        merge = ms[k][m - 1] == s[k][j] * d[j];
      }
      if (merge) {
        md[m - 1] *= d[j];
        for (int k = 0; k < n; k++) {
          ms[k][m - 1] = s[k][j];
        }
      } else {
        md[m] = d[j];
        for (int k = 0; k < n; k++) {
          ms[k][m] = s[k][j];
        }
        m++;
      }
    }
    if (m == 0) { // every dimension is 1: a single element
      return new BroadcastPlan(out, Shapes.size(out) == 0 ? 0 : 1, new int[n], new int[0],
          new int[n][0]);
    }
    int[] innerStrides = new int[n];
    int[][] outer = new int[n][];
    for (int k = 0; k < n; k++) {
      innerStrides[k] = ms[k][m - 1];
      outer[k] = Arrays.copyOf(ms[k], m - 1);
    }
    return new BroadcastPlan(out, md[m - 1], innerStrides, Arrays.copyOf(md, m - 1), outer);
  }

  /** Stride of input {@code k} within a run: 1, or 0 when it repeats one value along the run. */
  int innerStride(int k) {
    return innerStrides[k];
  }

  /** True when the output is one run that every input reads contiguously (same shapes). */
  boolean flat() {
    if (rows != 1) {
      return false;
    }
    for (int s : innerStrides) {
      if (s != 1) {
        return false;
      }
    }
    return true;
  }

  Cursor cursor() {
    return new Cursor();
  }

  /** Walks the runs in order, keeping each input's offset at the start of the current run. */
  final class Cursor {
    /** Offset of each input at the start of the current run. */
    final int[] off = new int[strides.length];
    private final int[] idx = new int[dims.length];

    /** Moves to run {@code row}. */
    void seek(int row) {
      Arrays.fill(off, 0);
      int r = row;
      for (int i = dims.length - 1; i >= 0; i--) {
        int q = r / dims[i];
        idx[i] = r - q * dims[i];
        r = q;
        for (int k = 0; k < off.length; k++) {
          off[k] += idx[i] * strides[k][i];
        }
      }
    }

    /** Moves to the next run. */
    void next() {
      for (int i = dims.length - 1; i >= 0; i--) {
        if (++idx[i] < dims[i]) {
          for (int k = 0; k < off.length; k++) {
            off[k] += strides[k][i];
          }
          return;
        }
        idx[i] = 0;
        for (int k = 0; k < off.length; k++) {
          off[k] -= (dims[i] - 1) * strides[k][i];
        }
      }
    }
  }
}
