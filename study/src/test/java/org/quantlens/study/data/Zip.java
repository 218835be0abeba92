package org.quantlens.study.data;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Writes a zip archive by hand from the PKWARE APPNOTE layout: local headers, central directory, end record. */
final class Zip {
  private Zip() {}

  static byte[] of(Map<String, byte[]> files, boolean deflate) {
    Bin out = Bin.le();
    Bin central = Bin.le();
    Map<String, Integer> offsets = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      byte[] data = e.getValue();
      CRC32 crc = new CRC32();
      crc.update(data);
      byte[] stored = deflate ? deflate(data) : data;
      byte[] name = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      offsets.put(e.getKey(), out.size());
      int method = deflate ? 8 : 0;
      out.i32(0x04034b50).i16(20).i16(0).i16(method).i16(0).i16(0x21).i32((int) crc.getValue())
          .i32(stored.length).i32(data.length).i16(name.length).i16(0).bytes(name).bytes(stored);
      central.i32(0x02014b50).i16(20).i16(20).i16(0).i16(method).i16(0).i16(0x21)
          .i32((int) crc.getValue()).i32(stored.length).i32(data.length).i16(name.length).i16(0).i16(0)
          .i16(0).i16(0).i32(0).i32(offsets.get(e.getKey())).bytes(name);
    }
    int cdOffset = out.size();
    byte[] cd = central.toBytes();
    out.bytes(cd).i32(0x06054b50).i16(0).i16(0).i16(files.size()).i16(files.size()).i32(cd.length)
        .i32(cdOffset).i16(0);
    return out.toBytes();
  }

  /** Raw deflate (no zlib wrapper), as zip method 8 stores it. */
  private static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    while (!d.finished()) {
      o.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return o.toByteArray();
  }
}
