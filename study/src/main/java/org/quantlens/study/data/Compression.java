package org.quantlens.study.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * Opens data files that may be gzip- or bzip2-compressed, recognised by their first bytes (gzip
 * {@code 1f 8b}, bzip2 {@code "BZh"}), not by their names: a file named {@code .gz} that was
 * already unpacked reads as well as the packed one.
 */
public final class Compression {
  /** How a stream's content is stored. */
  public enum Kind { RAW, GZIP, BZIP2 }

  private Compression() {}

  /** Opens {@code file} and returns its decompressed content. */
  public static InputStream open(Path file) {
    try {
      return decode(Files.newInputStream(file), file.toString());
    } catch (NoSuchFileException e) {
      throw new DataLoadException(file + ": file not found");
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** The compression of {@code file}, from its first bytes. */
  public static Kind kindOf(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return kindOf(in.readNBytes(3));
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Wraps {@code in} so that it yields the decompressed content; {@code name} appears in errors. */
  public static InputStream decode(InputStream in, String name) throws IOException {
    BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
    b.mark(3);
    byte[] head = b.readNBytes(3);
    b.reset();
    switch (kindOf(head)) {
      case GZIP:
        return new BufferedInputStream(new GZIPInputStream(b, 1 << 16), 1 << 16);
      case BZIP2:
        try {
          return new BufferedInputStream(new BZip2CompressorInputStream(b, true), 1 << 16);
        } catch (IOException e) {
          throw new DataLoadException(name + ": starts like bzip2 but cannot be decompressed ("
              + e.getMessage() + "); decompress it (bunzip2) and pass the plain file instead", e);
        }
      default:
        return b;
    }
  }

  private static Kind kindOf(byte[] head) {
    if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Kind.GZIP;
    }
    if (head.length >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') {
      return Kind.BZIP2;
    }
    return Kind.RAW;
  }
}
