package org.quantlens.study.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Builds test files byte by byte, in either byte order. */
final class Bin {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final boolean little;

  private Bin(boolean little) {
    this.little = little;
  }

  static Bin be() {
    return new Bin(false);
  }

  static Bin le() {
    return new Bin(true);
  }

  Bin u8(int... v) {
    for (int x : v) {
      out.write(x);
    }
    return this;
  }

  Bin bytes(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  Bin ascii(String s) {
    return bytes(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  Bin i16(int v) {
    return little ? u8(v, v >>> 8) : u8(v >>> 8, v);
  }

  Bin i32(int v) {
    return little ? u8(v, v >>> 8, v >>> 16, v >>> 24) : u8(v >>> 24, v >>> 16, v >>> 8, v);
  }

  Bin i64(long v) {
    return little ? i32((int) v).i32((int) (v >>> 32)) : i32((int) (v >>> 32)).i32((int) v);
  }

  Bin f64(double v) {
    return i64(Double.doubleToLongBits(v));
  }

  Bin f32(float v) {
    return i32(Float.floatToIntBits(v));
  }

  Bin zeros(int n) {
    return bytes(new byte[n]);
  }

  /** Pads with zeros to a multiple of {@code m} bytes. */
  Bin align(int m) {
    return zeros((m - out.size() % m) % m);
  }

  int size() {
    return out.size();
  }

  byte[] toBytes() {
    return out.toByteArray();
  }

  static byte[] gzip(byte[] b) {
    try {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      try (GZIPOutputStream g = new GZIPOutputStream(o)) {
        g.write(b);
      }
      return o.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A version 1.0 .npy file: magic, version, header length, the dict padded with spaces to a
   * 64-byte boundary and ended by a newline, then {@code data}.
   */
  static byte[] npy(String descr, String shape, byte[] data) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    int total = 10 + dict.length() + 1;
    String header = dict + " ".repeat((64 - total % 64) % 64) + "\n";
    return le().u8(0x93).ascii("NUMPY").u8(1, 0).i16(header.length()).ascii(header).bytes(data).toBytes();
  }
}
