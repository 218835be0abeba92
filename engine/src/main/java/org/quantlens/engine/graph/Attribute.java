package org.quantlens.engine.graph;

import java.util.List;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.tensor.Tensor;

/**
 * A node attribute: one of the ONNX attribute kinds. Values are immutable: lists are copied,
 * {@code long[]}/{@code float[]} are defensive copies.
 */
public final class Attribute {
  /** The attribute kinds the engine understands. */
  public enum Kind { FLOAT, INT, STRING, TENSOR, GRAPH, FLOATS, INTS, STRINGS, TENSORS }

  private final Kind kind;
  private final Object value;

  private Attribute(Kind kind, Object value) {
    this.kind = kind;
    this.value = value;
  }

  public static Attribute of(float v) {
    return new Attribute(Kind.FLOAT, v);
  }

  public static Attribute of(long v) {
    return new Attribute(Kind.INT, v);
  }

  public static Attribute of(String v) {
    return new Attribute(Kind.STRING, v);
  }

  public static Attribute of(Tensor v) {
    return new Attribute(Kind.TENSOR, v);
  }

  public static Attribute of(Graph v) {
    return new Attribute(Kind.GRAPH, v);
  }

  public static Attribute of(float[] v) {
    return new Attribute(Kind.FLOATS, v.clone());
  }

  public static Attribute of(long[] v) {
    return new Attribute(Kind.INTS, v.clone());
  }

  public static Attribute ofStrings(List<String> v) {
    return new Attribute(Kind.STRINGS, List.copyOf(v));
  }

  public static Attribute ofTensors(List<Tensor> v) {
    return new Attribute(Kind.TENSORS, List.copyOf(v));
  }

  public Kind kind() {
    return kind;
  }

  public float asFloat() {
    return (Float) as(Kind.FLOAT);
  }

  public long asLong() {
    return (Long) as(Kind.INT);
  }

  public String asString() {
    return (String) as(Kind.STRING);
  }

  public Tensor asTensor() {
    return (Tensor) as(Kind.TENSOR);
  }

  public Graph asGraph() {
    return (Graph) as(Kind.GRAPH);
  }

  public float[] asFloats() {
    return ((float[]) as(Kind.FLOATS)).clone();
  }

  public long[] asLongs() {
    return ((long[]) as(Kind.INTS)).clone();
  }

  @SuppressWarnings("unchecked")
  public List<String> asStrings() {
    return (List<String>) as(Kind.STRINGS);
  }

  @SuppressWarnings("unchecked")
  public List<Tensor> asTensors() {
    return (List<Tensor>) as(Kind.TENSORS);
  }

  private Object as(Kind expected) {
    if (kind != expected) {
      throw new InvalidAttributeException("attribute is " + kind + " where " + expected + " was expected");
    }
    return value;
  }

  @Override
  public String toString() {
    switch (kind) {
      case FLOATS: return java.util.Arrays.toString((float[]) value);
      case INTS: return java.util.Arrays.toString((long[]) value);
      default: return String.valueOf(value);
    }
  }
}
