package org.quantlens.study.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.DeflaterOutputStream;

/** Writes level-5 MAT files by hand, following MathWorks' "MAT-File Format" description. */
final class Mat {
  static final int MI_INT8 = 1;
  static final int MI_UINT8 = 2;
  static final int MI_INT32 = 5;
  static final int MI_UINT32 = 6;
  static final int MI_DOUBLE = 9;
  static final int MX_CELL = 1;
  static final int MX_DOUBLE = 6;
  static final int MX_UINT8 = 9;

  private final boolean little;
  private final Bin file;

  Mat(boolean little) {
    this.little = little;
    file = little ? Bin.le() : Bin.be();
    String text = "MATLAB 5.0 MAT-file, Platform: test, Created on: never";
    file.ascii(text + " ".repeat(116 - text.length())).zeros(8).i16(0x0100);
    file.ascii(little ? "IM" : "MI");
  }

  Bin bin() {
    return little ? Bin.le() : Bin.be();
  }

  /** A matrix element: flags, dims, name, real part (storage type and raw bytes). */
  byte[] matrix(int cls, int[] dims, String name, int storage, byte[] data, boolean smallName) {
    Bin m = bin();
    m.i32(MI_UINT32).i32(8).i32(cls).i32(0);
    m.i32(MI_INT32).i32(4 * dims.length);
    for (int d : dims) {
      m.i32(d);
    }
    m.align(8);
    byte[] nm = name.getBytes(StandardCharsets.US_ASCII);
    if (smallName && nm.length <= 4) {
      m.i32(nm.length << 16 | MI_INT8).bytes(nm).zeros(4 - nm.length);
    } else {
      m.i32(MI_INT8).i32(nm.length).bytes(nm).align(8);
    }
    if (data != null) {
      m.i32(storage).i32(data.length).bytes(data).align(8);
    }
    byte[] content = m.toBytes();
    return bin().i32(14).i32(content.length).bytes(content).toBytes();
  }

  Mat add(byte[] element) {
    file.bytes(element);
    return this;
  }

  Mat addCompressed(byte[] element) throws Exception {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(o)) {
      z.write(element);
    }
    file.i32(15).i32(o.size()).bytes(o.toByteArray());
    return this;
  }

  byte[] toBytes() {
    return file.toBytes();
  }
}
