package org.quantlens.engine.graph;

import java.util.Arrays;
import org.quantlens.engine.tensor.DType;

/**
 * A named edge of the graph with what is known of its type: element type (null if unknown) and
 * shape (null if the rank is unknown; a dimension of -1 is unknown, and may carry a symbolic name).
 */
public final class Value {
  private final String name;
  private final DType dtype;
  private final int[] shape;
  private final String[] dimNames;

  public Value(String name, DType dtype, int[] shape, String[] dimNames) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape == null ? null : shape.clone();
    this.dimNames = dimNames == null ? null : dimNames.clone();
  }

  public Value(String name, DType dtype, int... shape) {
    this(name, dtype, shape, null);
  }

  public String name() {
    return name;
  }

  /** Element type, or null when unknown. */
  public DType dtype() {
    return dtype;
  }

  /** Shape with -1 for unknown dimensions, or null when even the rank is unknown. */
  public int[] shape() {
    return shape == null ? null : shape.clone();
  }

  /** Symbolic dimension names (null entries where none), or null. */
  public String[] dimNames() {
    return dimNames == null ? null : dimNames.clone();
  }

  /** The same value with another type and shape. */
  public Value with(DType newType, int[] newShape) {
    return new Value(name, newType, newShape, null);
  }

  /** Shape as text, e.g. {@code [N,1,28,28]}. */
  public String shapeText() {
    if (shape == null) {
      return "?";
    }
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      sb.append(i > 0 ? "," : "");
      if (shape[i] >= 0) {
        sb.append(shape[i]);
      } else {
        sb.append(dimNames != null && dimNames[i] != null && !dimNames[i].isEmpty() ? dimNames[i] : "?");
      }
    }
    return sb.append(']').toString();
  }

  @Override
  public String toString() {
    return name + ": " + (dtype == null ? "?" : dtype) + shapeText();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Value && ((Value) o).name.equals(name) && ((Value) o).dtype == dtype
        && Arrays.equals(((Value) o).shape, shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }
}
