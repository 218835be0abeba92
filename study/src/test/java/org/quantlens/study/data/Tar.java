package org.quantlens.study.data;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes a POSIX ustar archive by hand: 512-byte headers, data padded to 512, two zero blocks. */
final class Tar {
  private Tar() {}

  /** Entries in order; a name ending in '/' is a folder (value ignored). */
  static byte[] of(Map<String, byte[]> entries) {
    Bin out = Bin.be();
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      boolean folder = e.getKey().endsWith("/");
      byte[] data = folder ? new byte[0] : e.getValue();
      byte[] h = new byte[512];
      put(h, 0, e.getKey());
      put(h, 100, folder ? "0000755" : "0000644");
      put(h, 108, "0000000");
      put(h, 116, "0000000");
      put(h, 124, String.format("%011o", data.length));
      put(h, 136, "00000000000");
      put(h, 148, "        ");
      h[156] = (byte) (folder ? '5' : '0');
      put(h, 257, "ustar");
      put(h, 263, "00");
      int sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, String.format("%06o", sum));
      h[154] = 0;
      h[155] = ' ';
      out.bytes(h).bytes(data).align(512);
    }
    return out.zeros(1024).toBytes();
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }
}
