package org.quantlens.study.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * NumPy {@code .npy} files: read versions 1-3, every numeric dtype of {@link DType}, both byte
 * orders, C and Fortran order; write version 1.0, little-endian, C order. Sizes are checked
 * against the file before anything is allocated.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-zA-Z])(\\d+)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** Reads a .npy file. */
  public static Tensor read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString(), Files.size(file));
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * Reads one array from {@code in}; {@code available} bounds the bytes the stream can hold (used
   * to refuse absurd declared shapes before allocating), {@code name} appears in errors.
   */
  public static Tensor read(InputStream in, String name, long available) throws IOException {
    byte[] head = in.readNBytes(10);
    if (head.length < 10 || !java.util.Arrays.equals(java.util.Arrays.copyOf(head, 6), MAGIC)) {
      throw new DataLoadException(name + ": not a .npy file (missing \\x93NUMPY magic)");
    }
    int major = head[6] & 0xff;
    int headerLen;
    if (major == 1) {
      headerLen = (head[8] & 0xff) | (head[9] & 0xff) << 8;
    } else if (major == 2 || major == 3) {
      byte[] more = in.readNBytes(2);
      if (more.length < 2) {
        throw new DataLoadException(name + ": truncated .npy header");
      }
      headerLen = ByteBuffer.wrap(new byte[] {head[8], head[9], more[0], more[1]})
          .order(ByteOrder.LITTLE_ENDIAN).getInt();
    } else {
      throw new DataLoadException(name + ": unsupported .npy version " + major + "." + (head[7] & 0xff));
    }
    if (headerLen < 0 || headerLen > 1 << 20 || headerLen > available) {
      throw new DataLoadException(name + ": invalid .npy header length " + headerLen);
    }
    byte[] hb = in.readNBytes(headerLen);
    if (hb.length < headerLen) {
      throw new DataLoadException(name + ": truncated .npy header");
    }
    String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header);
    if (!d.find()) {
      throw new DataLoadException(name + ": unsupported or missing 'descr' in .npy header " + header.trim()
          + " (expected a simple numeric dtype such as '<f4')");
    }
    DType dtype = dtypeOf(d.group(2).charAt(0), Integer.parseInt(d.group(3)), name, d.group());
    ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    Matcher f = FORTRAN.matcher(header);
    boolean fortran = f.find() && f.group(1).equals("True");
    Matcher s = SHAPE.matcher(header);
    if (!s.find()) {
      throw new DataLoadException(name + ": missing 'shape' in .npy header");
    }
    int[] shape = parseShape(s.group(1), name);
    long bytes = dtype.byteSize();
    for (int dim : shape) {
      bytes = dim != 0 && bytes > available / dim ? available + 1 : bytes * dim;
    }
    if (bytes > available) {
      throw new DataLoadException(name + ": shape " + java.util.Arrays.toString(shape) + " of "
          + dtype + " needs more bytes than the file holds (" + available + ")");
    }
    byte[] data = in.readNBytes((int) bytes);
    if (data.length < bytes) {
      throw new DataLoadException(name + ": truncated .npy data: expected " + bytes + " bytes for shape "
          + java.util.Arrays.toString(shape) + ", found " + data.length);
    }
    if (fortran && shape.length > 1) {
      data = fortranToC(data, shape, dtype.byteSize());
    }
    return decode(data, dtype, shape, order);
  }

  private static DType dtypeOf(char kind, int size, String name, String descr) {
    String key = "" + kind + size;
    switch (key) {
      case "f2": return DType.F16;
      case "f4": return DType.F32;
      case "f8": return DType.F64;
      case "i1": return DType.I8;
      case "u1": return DType.U8;
      case "i2": return DType.I16;
      case "u2": return DType.U16;
      case "i4": return DType.I32;
      case "u4": return DType.U32;
      case "i8": return DType.I64;
      case "u8": return DType.U64;
      case "b1": return DType.BOOL;
      default:
        throw new DataLoadException(name + ": unsupported .npy dtype " + descr
            + "; supported: f2 f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1");
    }
  }

  private static int[] parseShape(String text, String name) {
    List<Integer> dims = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      if (p.endsWith("L")) {
        p = p.substring(0, p.length() - 1);
      }
      try {
        long v = Long.parseLong(p);
        if (v < 0 || v > Integer.MAX_VALUE) {
          throw new DataLoadException(name + ": invalid dimension " + v + " in .npy shape (" + text + ")");
        }
        dims.add((int) v);
      } catch (NumberFormatException e) {
        throw new DataLoadException(name + ": invalid .npy shape (" + text + ")");
      }
    }
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Reorders column-major element bytes into row-major. */
  private static byte[] fortranToC(byte[] src, int[] shape, int es) {
    int rank = shape.length;
    int n = Shapes.size(shape);
    int[] fStride = new int[rank];
    int acc = 1;
    for (int k = 0; k < rank; k++) {
      fStride[k] = acc;
      acc *= shape[k];
    }
    byte[] dst = new byte[src.length];
    int[] idx = new int[rank];
    int off = 0;
    for (int i = 0; i < n; i++) {
      System.arraycopy(src, off * es, dst, i * es, es);
      for (int k = rank - 1; k >= 0; k--) {
        idx[k]++;
        off += fStride[k];
        if (idx[k] < shape[k]) {
          break;
        }
        off -= fStride[k] * shape[k];
        idx[k] = 0;
      }
    }
    return dst;
  }

  private static Tensor decode(byte[] data, DType dtype, int[] shape, ByteOrder order) {
    ByteBuffer b = ByteBuffer.wrap(data).order(order);
    int n = Shapes.size(shape);
    Tensor t = Tensor.zeros(dtype, shape);
    switch (dtype) {
      case F32: b.asFloatBuffer().get(t.floats(), 0, n); break;
      case F64: b.asDoubleBuffer().get(t.doubles(), 0, n); break;
      case F16: case I16: case U16: b.asShortBuffer().get(t.shorts(), 0, n); break;
      case I32: case U32: b.asIntBuffer().get(t.ints(), 0, n); break;
      case I64: case U64: b.asLongBuffer().get(t.longs(), 0, n); break;
      case BOOL:
        for (int i = 0; i < n; i++) {
          t.bytes()[i] = (byte) (data[i] != 0 ? 1 : 0);
        }
        break;
      default: System.arraycopy(data, 0, t.bytes(), 0, n);
    }
    return t;
  }

  /** Writes {@code t} as a version 1.0, little-endian, C-order .npy file, atomically. */
  public static void write(Path file, Tensor t) {
    AtomicFiles.write(file, out -> write(out, t));
  }

  /** Writes {@code t} in .npy format to {@code out}. */
  public static void write(OutputStream out, Tensor t) throws IOException {
    StringBuilder shape = new StringBuilder();
    for (int d : t.shape()) {
      shape.append(d).append(", ");
    }
    if (t.rank() > 1) {
      shape.setLength(shape.length() - 2);
    } else if (t.rank() == 1) {
      shape.setLength(shape.length() - 1);
    }
    String dict = "{'descr': '" + descr(t.dtype()) + "', 'fortran_order': False, 'shape': ("
        + shape.toString().trim() + "), }";
    int total = MAGIC.length + 4 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.write(MAGIC);
    head.write(1);
    head.write(0);
    head.write(header.length() & 0xff);
    head.write(header.length() >>> 8);
    head.write(header.getBytes(StandardCharsets.ISO_8859_1));
    out.write(head.toByteArray());
    int n = t.size();
    ByteBuffer b = ByteBuffer.allocate(n * t.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    switch (t.dtype()) {
      case F32: b.asFloatBuffer().put(t.floats(), 0, n); break;
      case F64: b.asDoubleBuffer().put(t.doubles(), 0, n); break;
      case F16: case I16: case U16: b.asShortBuffer().put(t.shorts(), 0, n); break;
      case I32: case U32: b.asIntBuffer().put(t.ints(), 0, n); break;
      case I64: case U64: b.asLongBuffer().put(t.longs(), 0, n); break;
      default: b.put(t.bytes(), 0, n);
    }
    out.write(b.array());
  }

  private static String descr(DType d) {
    switch (d) {
      case F16: return "<f2";
      case F32: return "<f4";
      case F64: return "<f8";
      case I8: return "|i1";
      case U8: return "|u1";
      case I16: return "<i2";
      case U16: return "<u2";
      case I32: return "<i4";
      case U32: return "<u4";
      case I64: return "<i8";
      case U64: return "<u8";
      default: return "|b1";
    }
  }
}
