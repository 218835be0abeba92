package org.quantlens.study.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed (recognised by its first
 * bytes). A file is a big-endian magic number {@code 00 00 08 d} (unsigned bytes, {@code d}
 * dimensions), {@code d} big-endian int32 sizes, then the bytes in row-major order. Images are
 * {@code 0x00000803} [N, H, W], labels {@code 0x00000801} [N]. The data must fill the file
 * exactly; every error names the file and says what was expected.
 */
public final class Idx {
  /** Magic of an image file: unsigned bytes, 3 dimensions. */
  public static final int IMAGES_MAGIC = 0x00000803;
  /** Magic of a label file: unsigned bytes, 1 dimension. */
  public static final int LABELS_MAGIC = 0x00000801;

  /** MNIST's classes: the digits. */
  public static final List<String> MNIST_CLASSES =
      List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  /** Fashion-MNIST's classes, in label order (zalandoresearch/fashion-mnist README). */
  public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser",
      "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  private Idx() {}

  /** Reads an image file: U8 [N, H, W, 1]. */
  public static Tensor readImages(Path file) {
    try (InputStream in = Compression.open(file)) {
      return readImages(in, file.toString(), rawSize(file));
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot read IDX images: " + e.getMessage(), e);
    }
  }

  /** Reads a label file: I64 [N]. */
  public static Tensor readLabels(Path file) {
    try (InputStream in = Compression.open(file)) {
      return readLabels(in, file.toString(), rawSize(file));
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot read IDX labels: " + e.getMessage(), e);
    }
  }

  /** Reads an image file from a stream (plain or gzip); {@code name} appears in errors. */
  public static Tensor readImages(InputStream in, String name) throws IOException {
    return readImages(Compression.decode(in, name), name, -1);
  }

  /** Reads a label file from a stream (plain or gzip); {@code name} appears in errors. */
  public static Tensor readLabels(InputStream in, String name) throws IOException {
    return readLabels(Compression.decode(in, name), name, -1);
  }

  /**
   * Loads an image file and its label file as one dataset, checking that the counts agree and
   * that every label names one of {@code classes}.
   */
  public static ImageDataset load(String name, Path images, Path labels, List<String> classes) {
    Tensor x = readImages(images);
    Tensor y = readLabels(labels);
    return combine(name, x, images.toString(), y, labels.toString(), classes);
  }

  /** As {@link #load(String, Path, Path, List)}, from streams (e.g. resources in the jar). */
  public static ImageDataset load(String name, InputStream images, String imagesName,
      InputStream labels, String labelsName, List<String> classes) throws IOException {
    Tensor x = readImages(images, imagesName);
    Tensor y = readLabels(labels, labelsName);
    return combine(name, x, imagesName, y, labelsName, classes);
  }

  static ImageDataset combine(String name, Tensor x, String imagesName, Tensor y, String labelsName,
      List<String> classes) {
    if (y.dim(0) != x.dim(0)) {
      throw new DataLoadException(labelsName + ": " + y.dim(0) + " labels, but " + imagesName
          + " holds " + x.dim(0) + " images; expected one label per image");
    }
    long[] l = y.longs();
    for (int i = 0; i < l.length; i++) {
      if (l[i] >= classes.size()) {
        throw new DataLoadException(labelsName + ": label " + l[i] + " at index " + i
            + " is outside [0, " + classes.size() + ") for " + name);
      }
    }
    return new ImageDataset(name, x, y, classes);
  }

  /** Writes U8 [N, H, W] or [N, H, W, 1] images as an uncompressed IDX image file. */
  public static void writeImages(OutputStream out, Tensor images) throws IOException {
    if (images.dtype() != DType.U8 || images.rank() < 3 || images.rank() > 4
        || (images.rank() == 4 && images.dim(3) != 1)) {
      throw new IllegalArgumentException("IDX images must be U8 [N,H,W] or [N,H,W,1], got " + images);
    }
    writeInt(out, IMAGES_MAGIC);
    writeInt(out, images.dim(0));
    writeInt(out, images.dim(1));
    writeInt(out, images.dim(2));
    out.write(images.bytes(), 0, images.size());
  }

  /** Writes I64 labels in [0, 255] as an uncompressed IDX label file. */
  public static void writeLabels(OutputStream out, Tensor labels) throws IOException {
    long[] l = labels.toLongs();
    byte[] b = new byte[l.length];
    for (int i = 0; i < l.length; i++) {
      if (l[i] < 0 || l[i] > 255) {
        throw new IllegalArgumentException("IDX labels are unsigned bytes, got " + l[i]);
      }
      b[i] = (byte) l[i];
    }
    writeInt(out, LABELS_MAGIC);
    writeInt(out, l.length);
    out.write(b);
  }

  private static Tensor readImages(InputStream in, String name, long rawSize) throws IOException {
    int[] dims = header(in, name, IMAGES_MAGIC, "images", rawSize);
    byte[] px = body(in, name, dims, rawSize);
    return Tensor.wrap(DType.U8, px, dims[0], dims[1], dims[2], 1);
  }

  private static Tensor readLabels(InputStream in, String name, long rawSize) throws IOException {
    int[] dims = header(in, name, LABELS_MAGIC, "labels", rawSize);
    byte[] b = body(in, name, dims, rawSize);
    long[] l = new long[b.length];
    for (int i = 0; i < b.length; i++) {
      l[i] = b[i] & 0xff;
    }
    return Tensor.of(l, l.length);
  }

  private static int[] header(InputStream in, String name, int magic, String what, long rawSize)
      throws IOException {
    int got;
    try {
      got = readInt(in);
    } catch (EOFException e) {
      throw new DataLoadException(name + ": too short for an IDX file (expected a 4-byte magic)");
    }
    if (got != magic) {
      throw new DataLoadException(String.format("%s: IDX magic 0x%08x, expected 0x%08x (%s: unsigned"
          + " bytes, %d dimension%s)", name, got, magic, what, magic & 0xff, (magic & 0xff) > 1 ? "s" : ""));
    }
    int[] dims = new int[magic & 0xff];
    try {
      for (int i = 0; i < dims.length; i++) {
        dims[i] = readInt(in);
        if (dims[i] < 0 || (i > 0 && dims[i] == 0)) {
          throw new DataLoadException(name + ": invalid IDX dimension " + dims[i] + " at position " + i);
        }
      }
    } catch (EOFException e) {
      throw new DataLoadException(name + ": truncated IDX header (expected " + dims.length
          + " dimension sizes after the magic)");
    }
    long bytes = 1;
    for (int d : dims) {
      bytes *= d;
    }
    if (bytes > Integer.MAX_VALUE - 16) {
      throw new DataLoadException(name + ": IDX dimensions " + java.util.Arrays.toString(dims)
          + " exceed 2 GB");
    }
    long expected = 4L + 4L * dims.length + bytes;
    if (rawSize >= 0 && rawSize != expected) {
      throw new DataLoadException(name + ": file is " + rawSize + " bytes, expected " + expected
          + " for IDX " + what + " of shape " + java.util.Arrays.toString(dims));
    }
    return dims;
  }

  private static byte[] body(InputStream in, String name, int[] dims, long rawSize) throws IOException {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    // readNBytes grows its buffer as data arrives, so a lying header cannot force a huge allocation
    byte[] data = in.readNBytes((int) n);
    if (data.length < n) {
      throw new DataLoadException(name + ": truncated: IDX shape " + java.util.Arrays.toString(dims)
          + " needs " + n + " data bytes, found " + data.length);
    }
    if (in.read() >= 0) {
      throw new DataLoadException(name + ": unexpected bytes after the " + n
          + " data bytes of IDX shape " + java.util.Arrays.toString(dims));
    }
    return data;
  }

  /** The size of a plain file, or -1 when it is compressed (its length is only known once read). */
  private static long rawSize(Path file) throws IOException {
    return Compression.kindOf(file) == Compression.Kind.RAW ? Files.size(file) : -1;
  }

  private static int readInt(InputStream in) throws IOException {
    byte[] b = in.readNBytes(4);
    if (b.length < 4) {
      throw new EOFException();
    }
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  private static void writeInt(OutputStream out, int v) throws IOException {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }
}
