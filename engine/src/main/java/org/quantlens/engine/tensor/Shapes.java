package org.quantlens.engine.tensor;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;

/** Shape arithmetic: sizes with overflow and memory checks, strides, numpy broadcasting. */
public final class Shapes {
  /**
   * Largest element count a single tensor may have. Models are never trusted for sizes: a
   * declared dimension that would need more is refused before allocating. The default, a
   * sixteenth of the heap counted in elements (a quarter of it in float32 bytes), leaves room for
   * the tensors around it; override with {@code -Dquantlens.maxTensorElements}.
   */
  public static final long MAX_ELEMENTS = Long.getLong("quantlens.maxTensorElements",
      Math.min(Integer.MAX_VALUE - 8, Math.max(1L << 24, Runtime.getRuntime().maxMemory() / 16)));

  /** Largest rank a tensor may have; real models stay far below it. */
  public static final int MAX_RANK = 64;

  private Shapes() {}

  /** Number of elements; throws if a dimension is negative or the product exceeds the limit. */
  public static int size(int... shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new ShapeMismatchException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
      if (n > MAX_ELEMENTS) {
        throw new ShapeMismatchException("shape " + Arrays.toString(shape)
            + " has more elements than the limit of " + MAX_ELEMENTS);
      }
    }
    return (int) n;
  }

  /** Same as {@link #size(int...)} for 64-bit dimensions, e.g. as read from a model file. */
  public static int checkedSize(long[] dims, String what) {
    long n = 1;
    for (long d : dims) {
      if (d < 0 || d > MAX_ELEMENTS) {
        throw new ShapeMismatchException(what + ": invalid dimension " + d + " in " + Arrays.toString(dims));
      }
      n *= d;
      if (n > MAX_ELEMENTS) {
        throw new ShapeMismatchException(what + ": shape " + Arrays.toString(dims)
            + " has more elements than the limit of " + MAX_ELEMENTS);
      }
    }
    return (int) n;
  }

  /** C-order strides in elements. */
  public static int[] strides(int[] shape) {
    int[] s = new int[shape.length];
    int acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  /** The numpy broadcast of two shapes, or an error naming both. */
  public static int[] broadcast(int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da != db && da != 1 && db != 1) {
        throw new ShapeMismatchException("shapes " + Arrays.toString(a) + " and "
            + Arrays.toString(b) + " do not broadcast (dimension " + i + ": " + da + " vs " + db + ")");
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /**
   * Strides for reading a tensor of shape {@code from} as if broadcast to {@code to}: broadcast
   * dimensions get stride 0. {@code to} must be a valid broadcast target of {@code from}.
   */
  public static int[] broadcastStrides(int[] from, int[] to) {
    int[] s = new int[to.length];
    int[] fs = strides(from);
    int off = to.length - from.length;
    for (int i = 0; i < from.length; i++) {
      s[i + off] = from[i] == 1 ? 0 : fs[i];
    }
    return s;
  }

  /** Normalises a possibly negative axis for a tensor of the given rank, or throws. */
  public static int axis(int axis, int rank, String what) {
    int a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new ShapeMismatchException(what + ": axis " + axis + " out of range for rank " + rank);
    }
    return a;
  }
}
