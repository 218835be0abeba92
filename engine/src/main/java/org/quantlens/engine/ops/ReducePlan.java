package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.tensor.Shapes;

/**
 * A reduction over a set of axes, reduced to the shape {@code [outer, r, inner]}: dimensions of
 * size 1 are ignored and neighbouring dimensions that are all reduced or all kept are merged.
 * When the reduced dimensions still form more than one block, {@link #gather} lists, for the
 * input permuted to kept-axes-first order, where each element comes from; then
 * {@code inner == 1}.
 */
final class ReducePlan {
  final int[] outShape;
  final int outer;
  final int r;
  final int inner;
  /** Source index of each element of the permuted input, or null when no permutation is needed. */
  final int[] gather;

  private ReducePlan(int[] outShape, int outer, int r, int inner, int[] gather) {
    this.outShape = outShape;
    this.outer = outer;
    this.r = r;
    this.inner = inner;
    this.gather = gather;
  }

  /**
   * @param axes axes to reduce, possibly negative or repeated; empty means all axes
   * @param keepdims keep reduced axes as size 1
   */
  static ReducePlan of(int[] shape, int[] axes, boolean keepdims, String node) {
    int rank = shape.length;
    boolean[] red = new boolean[rank];
    if (axes.length == 0) {
      Arrays.fill(red, true);
    }
    for (int a : axes) {
      red[Shapes.axis(a, rank, node)] = true;
    }
    int[] out = new int[rank];
    int outRank = 0;
    for (int i = 0; i < rank; i++) {
      if (!red[i]) {
        out[outRank++] = shape[i];
      } else if (keepdims) {
        out[outRank++] = 1;
      }
    }
    int[] outShape = Arrays.copyOf(out, outRank);
    // groups of neighbouring non-1 dimensions with the same flag
    long[] size = new long[rank];
    boolean[] flag = new boolean[rank];
    int g = 0;
    for (int i = 0; i < rank; i++) {
      if (shape[i] == 1) {
        continue;
      }
      if (g > 0 && flag[g - 1] == red[i]) {
        size[g - 1] *= shape[i];
      } else {
        size[g] = shape[i];
        flag[g] = red[i];
        g++;
      }
    }
    int reducedGroups = 0;
    for (int i = 0; i < g; i++) {
      reducedGroups += flag[i] ? 1 : 0;
    }
    if (reducedGroups <= 1) {
      long outer = 1;
      long r = 1;
      long inner = 1;
      boolean seen = false;
      for (int i = 0; i < g; i++) {
        if (flag[i]) {
          r = size[i];
          seen = true;
        } else if (seen) {
          inner *= size[i];
        } else {
          outer *= size[i];
        }
      }
      return new ReducePlan(outShape, (int) outer, (int) r, (int) inner, null);
    }
    int n = Shapes.size(shape);
    int outer = Shapes.size(outShape);
    if (n == 0) { // nothing to read: every output is the reduction's identity
      return new ReducePlan(outShape, outer, 0, 1, null);
    }
    return new ReducePlan(outShape, outer, n / outer, 1, gather(shape, red));
  }

  /** Source indices of the input permuted so kept axes come first, reduced axes last. */
  private static int[] gather(int[] shape, boolean[] red) {
    int rank = shape.length;
    int[] perm = new int[rank];
    int p = 0;
    for (int i = 0; i < rank; i++) {
      if (!red[i]) {
        perm[p++] = i;
      }
    }
    for (int i = 0; i < rank; i++) {
      if (red[i]) {
        perm[p++] = i;
      }
    }
    int[] strides = Shapes.strides(shape);
    int n = Shapes.size(shape);
    int[] idx = new int[rank];
    int[] src = new int[n];
    int at = 0;
    for (int i = 0; i < n; i++) {
      src[i] = at;
      for (int d = rank - 1; d >= 0; d--) {
        int ax = perm[d];
        at += strides[ax];
        if (++idx[d] < shape[ax]) {
          break;
        }
        at -= strides[ax] * shape[ax];
        idx[d] = 0;
      }
    }
    return src;
  }
}
