package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** NPY files written byte by byte from the format spec, independent of our writer. */
class NpyTest {
  @TempDir Path dir;

  /** A version 1.0 file with the given header dict and raw data, padded as the spec says. */
  private static byte[] npy(String dict, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    String header = dict;
    while ((10 + header.length() + 1) % 64 != 0) {
      header += " ";
    }
    header += "\n";
    out.write(header.length() & 0xff);
    out.write(header.length() >> 8);
    out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(data);
    return out.toByteArray();
  }

  private Path file(String name, byte[] bytes) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  @Test
  void readsBigEndianFloat32() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.BIG_ENDIAN);
    b.putFloat(1.5f).putFloat(-2f).putFloat(1e-3f);
    Tensor t = Npy.read(file("be.npy", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", b.array())));
    assertEquals(DType.F32, t.dtype());
    assertArrayEquals(new int[] {3}, t.shape());
    assertArrayEquals(new float[] {1.5f, -2f, 1e-3f}, t.floats());
  }

  @Test
  void readsFortranOrderAsRowMajor() throws Exception {
    // The 2x3 matrix [[1,2,3],[4,5,6]] stored column by column: 1,4,2,5,3,6 (little-endian int16).
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    for (short v : new short[] {1, 4, 2, 5, 3, 6}) {
      b.putShort(v);
    }
    Tensor t = Npy.read(file("f.npy", npy("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }", b.array())));
    assertEquals(DType.I16, t.dtype());
    assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6}, t.toLongs());
  }

  @Test
  void readsUnsignedAndBoolAndScalar() throws Exception {
    Tensor u = Npy.read(file("u.npy", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }",
        new byte[] {(byte) 200, 7})));
    assertArrayEquals(new long[] {200, 7}, u.toLongs());
    Tensor bo = Npy.read(file("b.npy", npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }",
        new byte[] {1, 0})));
    assertEquals(DType.BOOL, bo.dtype());
    ByteBuffer d = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(Math.PI);
    Tensor s = Npy.read(file("s.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", d.array())));
    assertEquals(0, s.rank());
    assertEquals(Math.PI, s.doubles()[0]);
  }

  @Test
  void writeThenReadKeepsEveryType() throws Exception {
    for (DType type : DType.values()) {
      Tensor t = Tensor.zeros(type, 2, 3);
      for (int i = 0; i < t.size(); i++) {
        t.setLong(i, type == DType.BOOL ? i % 2 : i * 3 - 4 + (type.isSigned() ? 0 : 10));
      }
      Path p = dir.resolve(type + ".npy");
      Npy.write(p, t);
      Tensor back = Npy.read(p);
      assertEquals(type, back.dtype());
      assertArrayEquals(t.shape(), back.shape());
      assertArrayEquals(t.toLongs(), back.toLongs(), type.toString());
      byte[] raw = Files.readAllBytes(p);
      int headerEnd = 10 + ((raw[8] & 0xff) | (raw[9] & 0xff) << 8);
      assertEquals(0, headerEnd % 64, "header padded to 64 bytes");
    }
  }

  @Test
  void truncatedDataNamesFileAndSizes() throws Exception {
    Path p = file("short.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new byte[6]));
    DataLoadException e = assertThrows(DataLoadException.class, () -> Npy.read(p));
    assertTrue(e.getMessage().contains("short.npy"), e.getMessage());
  }

  @Test
  void absurdShapeRefusedBeforeAllocating() throws Exception {
    Path p = file("huge.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", new byte[8]));
    DataLoadException e = assertThrows(DataLoadException.class, () -> Npy.read(p));
    assertTrue(e.getMessage().contains("huge.npy"), e.getMessage());
  }

  @Test
  void unsupportedDtypeAndBadMagicAreNamed() throws Exception {
    Path c = file("c.npy", npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8]));
    assertTrue(assertThrows(DataLoadException.class, () -> Npy.read(c)).getMessage().contains("<c8"));
    Path g = file("g.npy", "hello world, not numpy".getBytes(StandardCharsets.US_ASCII));
    assertTrue(assertThrows(DataLoadException.class, () -> Npy.read(g)).getMessage().contains("g.npy"));
  }
}
