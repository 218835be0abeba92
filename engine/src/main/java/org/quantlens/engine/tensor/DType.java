package org.quantlens.engine.tensor;

/**
 * Element types. Each type has one Java backing array: F32 {@code float[]}, F64 {@code double[]},
 * F16 {@code short[]} (IEEE half bits), I8/U8/BOOL {@code byte[]} (BOOL holds 0 or 1), I16/U16
 * {@code short[]}, I32/U32 {@code int[]}, I64/U64 {@code long[]}. Unsigned types are stored in the
 * signed array of the same width and read back with their unsigned value.
 */
public enum DType {
  F32(4, true, true),
  F64(8, true, true),
  F16(2, true, true),
  I8(1, false, true),
  U8(1, false, false),
  I16(2, false, true),
  U16(2, false, false),
  I32(4, false, true),
  U32(4, false, false),
  I64(8, false, true),
  U64(8, false, false),
  BOOL(1, false, false);

  private final int byteSize;
  private final boolean floating;
  private final boolean signed;

  DType(int byteSize, boolean floating, boolean signed) {
    this.byteSize = byteSize;
    this.floating = floating;
    this.signed = signed;
  }

  /** Bytes per element in memory and on disk. */
  public int byteSize() {
    return byteSize;
  }

  /** True for F32, F64 and F16. */
  public boolean isFloating() {
    return floating;
  }

  /** True for the signed integer and floating types. */
  public boolean isSigned() {
    return signed;
  }

  /** True for the integer types (not BOOL, not floating). */
  public boolean isInteger() {
    return !floating && this != BOOL;
  }

  /** A new zeroed backing array of this type. */
  Object newArray(int n) {
    switch (this) {
      case F32: return new float[n];
      case F64: return new double[n];
      case F16: case I16: case U16: return new short[n];
      case I8: case U8: case BOOL: return new byte[n];
      case I32: case U32: return new int[n];
      default: return new long[n];
    }
  }

  /** The backing array class this type uses. */
  Class<?> arrayClass() {
    switch (this) {
      case F32: return float[].class;
      case F64: return double[].class;
      case F16: case I16: case U16: return short[].class;
      case I8: case U8: case BOOL: return byte[].class;
      case I32: case U32: return int[].class;
      default: return long[].class;
    }
  }
}
