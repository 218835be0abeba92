package org.quantlens.engine.tensor;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;

/**
 * A dense, C-ordered n-dimensional array: a {@link DType}, a shape and one backing Java array (see
 * {@link DType} for which). Tensors handed to and returned by a {@code Session} are not shared
 * with other calls, so callers may keep and mutate them.
 */
public final class Tensor {
  private final DType dtype;
  private final int[] shape;
  private final Object data;
  private final int size;

  private Tensor(DType dtype, int[] shape, Object data) {
    this.dtype = dtype;
    this.shape = shape.clone();
    this.size = Shapes.size(shape);
    if (data.getClass() != dtype.arrayClass()) {
      throw new IllegalArgumentException(dtype + " tensor needs a " + dtype.arrayClass().getSimpleName()
          + ", got " + data.getClass().getSimpleName());
    }
    if (java.lang.reflect.Array.getLength(data) < size) {
      throw new ShapeMismatchException("backing array of " + java.lang.reflect.Array.getLength(data)
          + " elements is too short for shape " + Arrays.toString(shape));
    }
    this.data = data;
  }

  /** A zero-filled tensor. */
  public static Tensor zeros(DType dtype, int... shape) {
    return new Tensor(dtype, shape, dtype.newArray(Shapes.size(shape)));
  }

  /** Wraps an existing backing array (not copied); its class must match {@code dtype}. */
  public static Tensor wrap(DType dtype, Object data, int... shape) {
    return new Tensor(dtype, shape, data);
  }

  /** A float32 tensor over {@code data} (not copied). */
  public static Tensor of(float[] data, int... shape) {
    return new Tensor(DType.F32, shape, data);
  }

  /** A float64 tensor over {@code data} (not copied). */
  public static Tensor of(double[] data, int... shape) {
    return new Tensor(DType.F64, shape, data);
  }

  /** An int64 tensor over {@code data} (not copied). */
  public static Tensor of(long[] data, int... shape) {
    return new Tensor(DType.I64, shape, data);
  }

  /** An int32 tensor over {@code data} (not copied). */
  public static Tensor of(int[] data, int... shape) {
    return new Tensor(DType.I32, shape, data);
  }

  /** A float32 scalar (rank 0). */
  public static Tensor scalar(float v) {
    return of(new float[] {v});
  }

  public DType dtype() {
    return dtype;
  }

  /** A copy of the shape. */
  public int[] shape() {
    return shape.clone();
  }

  /** Whether the shape is {@code s} (without the copy {@link #shape()} makes). */
  public boolean hasShape(int... s) {
    return Arrays.equals(shape, s);
  }

  public int rank() {
    return shape.length;
  }

  /** Size of dimension {@code i}; negative {@code i} counts from the end. */
  public int dim(int i) {
    return shape[i < 0 ? i + shape.length : i];
  }

  /** Number of elements. */
  public int size() {
    return size;
  }

  /** The backing array (see {@link DType}); its length may exceed {@link #size()}. */
  public Object data() {
    return data;
  }

  public float[] floats() {
    return (float[]) checked(DType.F32);
  }

  public double[] doubles() {
    return (double[]) checked(DType.F64);
  }

  /** Backing array of I8, U8 or BOOL tensors. */
  public byte[] bytes() {
    return (byte[]) data;
  }

  /** Backing array of F16, I16 or U16 tensors. */
  public short[] shorts() {
    return (short[]) data;
  }

  /** Backing array of I32 or U32 tensors. */
  public int[] ints() {
    return (int[]) data;
  }

  /** Backing array of I64 or U64 tensors. */
  public long[] longs() {
    return (long[]) data;
  }

  private Object checked(DType expected) {
    if (dtype != expected) {
      throw new ShapeMismatchException("expected a " + expected + " tensor, got " + dtype);
    }
    return data;
  }

  /** Element {@code i} (flat C-order index) as a double; unsigned types read as unsigned. */
  public double getDouble(int i) {
    switch (dtype) {
      case F32: return ((float[]) data)[i];
      case F64: return ((double[]) data)[i];
      case F16: return Float16.toFloat(((short[]) data)[i]);
      case U64: {
        long v = ((long[]) data)[i];
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
      }
      default: return getLong(i);
    }
  }

  /** Element {@code i} as a long; floats truncate toward zero, unsigned types read as unsigned. */
  public long getLong(int i) {
    switch (dtype) {
      case F32: return (long) ((float[]) data)[i];
      case F64: return (long) ((double[]) data)[i];
      case F16: return (long) Float16.toFloat(((short[]) data)[i]);
      case I8: case BOOL: return ((byte[]) data)[i];
      case U8: return ((byte[]) data)[i] & 0xff;
      case I16: return ((short[]) data)[i];
      case U16: return ((short[]) data)[i] & 0xffff;
      case I32: return ((int[]) data)[i];
      case U32: return ((int[]) data)[i] & 0xffffffffL;
      default: return ((long[]) data)[i];
    }
  }

  /** Stores {@code v} at {@code i}: floats round to the type, integers truncate then wrap. */
  public void setDouble(int i, double v) {
    switch (dtype) {
      case F32: ((float[]) data)[i] = (float) v; break;
      case F64: ((double[]) data)[i] = v; break;
      case F16: ((short[]) data)[i] = Float16.fromFloat((float) v); break;
      case BOOL: ((byte[]) data)[i] = (byte) (v != 0 ? 1 : 0); break;
      case U64: setLong(i, v >= 0x1p63 ? (long) (v - 0x1p63) ^ Long.MIN_VALUE : (long) v); break;
      default: setLong(i, (long) v);
    }
  }

  /** Stores {@code v} at {@code i}, wrapping to the type's width (BOOL stores {@code v != 0}). */
  public void setLong(int i, long v) {
    switch (dtype) {
      case F32: ((float[]) data)[i] = v; break;
      case F64: ((double[]) data)[i] = v; break;
      case F16: ((short[]) data)[i] = Float16.fromFloat(v); break;
      case BOOL: ((byte[]) data)[i] = (byte) (v != 0 ? 1 : 0); break;
      case I8: case U8: ((byte[]) data)[i] = (byte) v; break;
      case I16: case U16: ((short[]) data)[i] = (short) v; break;
      case I32: case U32: ((int[]) data)[i] = (int) v; break;
      default: ((long[]) data)[i] = v;
    }
  }

  /** A view with another shape over the same data; element counts must match. */
  public Tensor reshape(int... newShape) {
    if (Shapes.size(newShape) != size) {
      throw new ShapeMismatchException("cannot reshape " + Arrays.toString(shape) + " ("
          + size + " elements) to " + Arrays.toString(newShape));
    }
    return new Tensor(dtype, newShape, data);
  }

  /** A deep copy with a backing array of exactly {@link #size()} elements. */
  public Tensor copy() {
    Object d = dtype.newArray(size);
    System.arraycopy(data, 0, d, 0, size);
    return new Tensor(dtype, shape, d);
  }

  /** This tensor converted to {@code to} (a copy, even when the type is the same). */
  public Tensor cast(DType to) {
    Tensor out = zeros(to, shape);
    if (to.isFloating() || dtype.isFloating() && to == DType.BOOL) {
      for (int i = 0; i < size; i++) {
        out.setDouble(i, getDouble(i));
      }
    } else if (dtype.isFloating()) {
      for (int i = 0; i < size; i++) {
        double v = getDouble(i);
        out.setLong(i, Double.isNaN(v) ? 0 : (long) v);
      }
    } else {
      for (int i = 0; i < size; i++) {
        out.setLong(i, getLong(i));
      }
    }
    return out;
  }

  /** Values as float32 (this tensor when it already is one). */
  public float[] toFloats() {
    if (dtype == DType.F32) {
      return size == floats().length ? floats() : Arrays.copyOf(floats(), size);
    }
    float[] f = new float[size];
    for (int i = 0; i < size; i++) {
      f[i] = (float) getDouble(i);
    }
    return f;
  }

  /** Values as longs (integers as is, floats truncated). */
  public long[] toLongs() {
    long[] l = new long[size];
    for (int i = 0; i < size; i++) {
      l[i] = getLong(i);
    }
    return l;
  }

  /** Values as ints, for shape-like inputs; throws if one does not fit. */
  public int[] toInts() {
    int[] r = new int[size];
    for (int i = 0; i < size; i++) {
      long v = getLong(i);
      if (v != (int) v) {
        throw new ShapeMismatchException("value " + v + " does not fit in an int");
      }
      r[i] = (int) v;
    }
    return r;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Tensor(").append(dtype).append(Arrays.toString(shape));
    int n = Math.min(size, 8);
    sb.append(" [");
    for (int i = 0; i < n; i++) {
      sb.append(i > 0 ? ", " : "").append(dtype.isFloating() ? String.valueOf(getDouble(i)) : String.valueOf(getLong(i)));
    }
    return sb.append(size > n ? ", ...])" : "])").toString();
  }
}
