package org.quantlens.study.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
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

  /**
   * Test hook: wraps the stream each write's content goes to, so a test can make a write fail the
   * way a full disk does. Null (no fault) outside tests.
   */
  @FunctionalInterface
  interface Fault {
    OutputStream wrap(Path target, OutputStream out) throws IOException;
  }

  static volatile Fault fault;

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
      Fault f = fault;
      try (OutputStream out = f == null ? Files.newOutputStream(tmp) : f.wrap(target, Files.newOutputStream(tmp))) {
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
      throw new QuantLensException("cannot write " + target + ": " + explain(e), e);
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

  /**
   * Why a write failed and what to do, in words: the file system's reason (Java often gives only a
   * path) and, since the target is left as it was, that fixing the cause and running again is safe.
   */
  static String explain(IOException e) {
    String reason = e instanceof FileSystemException fs ? fs.getReason() : e.getMessage();
    if (e instanceof FileAlreadyExistsException fe) {
      reason = fe.getFile() + " is a file, not a folder";
    } else if (e instanceof NoSuchFileException ne && reason == null) {
      reason = ne.getFile() + " does not exist and cannot be made";
    } else if (e instanceof AccessDeniedException ae && reason == null) {
      reason = ae.getFile() + ": permission denied";
    } else if (reason == null) {
      reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    String what = reason.contains("No space left on device") || reason.contains("Disk quota exceeded")
        ? "free space on that disk (or choose another folder) and run again"
        : "choose a folder that can be written and run again";
    return reason + "; " + what + " (nothing is left half-written: files written before are intact)";
  }

  /** Writes {@code bytes} to {@code target} atomically. */
  public static void write(Path target, byte[] bytes) {
    write(target, out -> out.write(bytes));
  }
}
