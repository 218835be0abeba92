package org.quantlens.study.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.quantlens.engine.QuantLensException;

/**
 * Writes files so they appear whole or not at all: the content goes to a temporary file in the
 * same folder, is flushed to disk, then moved over the target in one step.
 */
public final class AtomicFiles {
  /** Writes the content of a file to a stream. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private static final String TEMP_SUFFIX = ".tmp";

  private AtomicFiles() {}

  /** Whether {@code file} is named like the temporary file of a write (a dot file ending in .tmp). */
  public static boolean isTemporary(Path file) {
    String n = file.getFileName() == null ? "" : file.getFileName().toString();
    return n.startsWith(".") && n.endsWith(TEMP_SUFFIX) && n.length() > 1 + TEMP_SUFFIX.length();
  }

  /** Writes {@code content} to {@code target} atomically, creating parent folders. */
  public static void write(Path target, Content content) {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + target.getFileName(), TEMP_SUFFIX);
      if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
        // temp files are created owner-only; the result should read like any other output file
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      }
      try (OutputStream out = Files.newOutputStream(tmp)) {
        content.writeTo(out);
      }
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
          java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new QuantLensException("cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the temporary file is harmless; the error that matters is already on its way
        }
      }
    }
  }

  /** Writes {@code bytes} to {@code target} atomically. */
  public static void write(Path target, byte[] bytes) {
    write(target, out -> out.write(bytes));
  }
}
