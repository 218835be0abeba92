package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** Helpers shared by the shape and data-movement operators: index inputs, axes, errors. */
final class ShapeSupport {
  private ShapeSupport() {}

  /** A shape error naming the node. */
  static ShapeMismatchException fail(Node node, String message) {
    return new ShapeMismatchException(node.describe() + ": " + message);
  }

  /** The values of an int32/int64 index tensor ({@code what} names it in errors). */
  static long[] longs(Node node, Tensor t, String what) {
    if (t.dtype() == DType.I64) {
      return Arrays.copyOf(t.longs(), t.size());
    }
    if (t.dtype() == DType.I32) {
      int[] a = t.ints();
      long[] r = new long[t.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = a[i];
      }
      return r;
    }
    throw fail(node, what + " must be int32 or int64, got " + t.dtype());
  }

  /** A shape-like value: every entry a dimension in [0, 2^31). */
  static int[] dims(Node node, long[] v, String what) {
    int[] r = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      if (v[i] < 0 || v[i] > Integer.MAX_VALUE) {
        throw fail(node, what + " has invalid dimension " + v[i] + " in " + Arrays.toString(v));
      }
      r[i] = (int) v[i];
    }
    return r;
  }

  /** Normalises axes in {@code [-rank, rank)}, rejecting repeats. */
  static int[] axes(Node node, long[] axes, int rank, String what) {
    int[] r = new int[axes.length];
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < axes.length; i++) {
      long a = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (a < 0 || a >= rank) {
        throw fail(node, what + " axis " + axes[i] + " is out of range for rank " + rank);
      }
      if (seen[(int) a]) {
        throw fail(node, what + " repeats axis " + axes[i]);
      }
      seen[(int) a] = true;
      r[i] = (int) a;
    }
    return r;
  }

  /** One axis in {@code [-rank, rank)}. */
  static int axis(Node node, long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw fail(node, "axis " + axis + " is out of range for rank " + rank);
    }
    return (int) a;
  }

  /** Product of {@code shape[from, to)}. */
  static int product(int[] shape, int from, int to) {
    long p = 1;
    for (int i = from; i < to; i++) {
      p *= shape[i];
    }
    return (int) p;
  }

  /** A one-element array of {@code dtype}'s backing class holding element 0 of {@code t}. */
  static Object scalarArray(Tensor t, DType dtype) {
    Tensor one = Tensor.zeros(dtype, 1);
    if (t != null && t.size() > 0) {
      Tensor c = t.dtype() == dtype ? t : t.cast(dtype);
      System.arraycopy(c.data(), 0, one.data(), 0, 1);
    }
    return one.data();
  }
}
