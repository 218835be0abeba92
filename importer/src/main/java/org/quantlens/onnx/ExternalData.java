package org.quantlens.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.quantlens.engine.ModelLoadException;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.proto.Onnx.StringStringEntryProto;

/**
 * Reads tensor data stored outside the model file ({@code data_location = EXTERNAL}). A model is
 * not trusted to name files: the location must be a relative path that stays inside the model's
 * folder, also after following symbolic links; the byte range must lie inside the file and hold
 * exactly the declared number of elements.
 */
final class ExternalData {
  /** Bytes read per chunk, a multiple of every element size. */
  private static final int CHUNK = 1 << 24;

  private ExternalData() {}

  static void read(List<StringStringEntryProto> entries, Path dir, String where, String declared,
      Tensor out) {
    String location = null;
    long offset = 0;
    long length = -1;
    for (StringStringEntryProto e : entries) {
      switch (e.getKey()) {
        case "location": location = e.getValue(); break;
        case "offset": offset = number(e.getValue(), "offset", where); break;
        case "length": length = number(e.getValue(), "length", where); break;
        default: // "checksum" and unknown keys carry no data we need
      }
    }
    if (location == null || location.isEmpty()) {
      throw new ModelLoadException(where + " is stored externally but names no location");
    }
    if (dir == null) {
      throw new ModelLoadException(where + " is stored externally in '" + location
          + "', but the model was not read from a folder, so external data is refused");
    }
    Path file = confine(dir, location, where);
    long expected = (long) out.size() * out.dtype().byteSize();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (offset > size) {
        throw new ModelLoadException(where + ": external data offset " + offset + " lies beyond the end of '"
            + location + "' (" + size + " bytes)");
      }
      if (length < 0) {
        length = size - offset;
      }
      if (length > size - offset) {
        throw new ModelLoadException(where + ": external data range [" + offset + ", " + (offset + length)
            + ") lies beyond the end of '" + location + "' (" + size + " bytes)");
      }
      if (length != expected) {
        throw new ModelLoadException(where + declared + " but its external data in '" + location
            + "' holds " + length + " bytes");
      }
      copy(ch, offset, out, where, location);
    } catch (IOException e) {
      throw new ModelLoadException(where + ": cannot read external data '" + location + "' (" + e + ")", e);
    }
  }

  /** Reads the elements in chunks straight into the tensor's array. */
  private static void copy(FileChannel ch, long offset, Tensor out, String where, String location)
      throws IOException {
    int elemSize = out.dtype().byteSize();
    int perChunk = CHUNK / elemSize;
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(elemSize, (long) out.size() * elemSize)));
    long pos = offset;
    for (int done = 0; done < out.size(); ) {
      int count = Math.min(perChunk, out.size() - done);
      buf.clear().limit(count * elemSize);
      while (buf.hasRemaining()) {
        int r = ch.read(buf, pos + buf.position());
        if (r < 0) {
          throw new ModelLoadException(where + ": external data '" + location + "' ended early");
        }
      }
      buf.flip();
      TensorProtos.decode(buf, out.data(), done, count, out.dtype());
      done += count;
      pos += (long) count * elemSize;
    }
  }

  /** The file {@code location} names, refusing anything that leaves {@code dir}. */
  static Path confine(Path dir, String location, String where) {
    String why = null;
    Path rel = null;
    try {
      rel = dir.getFileSystem().getPath(location);
    } catch (RuntimeException e) {
      why = "is not a valid path";
    }
    if (why == null && (rel.isAbsolute() || location.startsWith("/") || location.startsWith("\\")
        || location.matches("^[A-Za-z]:.*"))) {
      why = "is an absolute path";
    }
    if (why == null) {
      for (Path part : rel) {
        if (part.toString().equals("..")) {
          why = "contains '..'";
        }
      }
    }
    if (why != null) {
      throw new ModelLoadException(where + ": external data location '" + location + "' " + why
          + "; only files inside the model's folder are read");
    }
    try {
      Path realDir = dir.toRealPath();
      Path file = realDir.resolve(rel).normalize();
      if (!file.startsWith(realDir)) {
        throw new ModelLoadException(where + ": external data location '" + location
            + "' leaves the model's folder");
      }
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new ModelLoadException(where + ": external data file '" + location + "' does not exist in "
            + realDir);
      }
      Path real = file.toRealPath();
      if (!real.startsWith(realDir)) {
        throw new ModelLoadException(where + ": external data location '" + location
            + "' is a link to " + real + ", outside the model's folder");
      }
      if (!Files.isRegularFile(real)) {
        throw new ModelLoadException(where + ": external data location '" + location + "' is not a file");
      }
      return real;
    } catch (IOException e) {
      throw new ModelLoadException(where + ": cannot resolve external data location '" + location + "' ("
          + e + ")", e);
    }
  }

  private static long number(String s, String key, String where) {
    try {
      long v = Long.parseLong(s.trim());
      if (v < 0) {
        throw new NumberFormatException("negative");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new ModelLoadException(where + ": external data " + key + " '" + s
          + "' is not a non-negative integer");
    }
  }
}
