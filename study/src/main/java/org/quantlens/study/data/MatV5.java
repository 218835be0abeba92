package org.quantlens.study.data;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * A reader for the numeric arrays of MATLAB level-5 MAT files (the {@code -v6} and {@code -v7}
 * formats; {@code -v7.3} files are HDF5 and refused with a clear error).
 *
 * <p>A file is a 128-byte header (text, version, and {@code "IM"} or {@code "MI"} telling the byte
 * order), then data elements: an 8-byte tag (type, byte count; or the 4-byte "small element" form
 * whose upper 16 bits hold the count) and the data padded to 8 bytes. A variable is an
 * {@code miMATRIX} element, possibly inside an {@code miCOMPRESSED} (zlib) element, made of array
 * flags (class), dimensions, name and the real part, stored in any numeric type (MATLAB stores
 * e.g. a double array of small integers as {@code miUINT8}); values are converted to the array's
 * class. Full real arrays of classes double, single and (u)int8..64 are read; cell, struct, char,
 * sparse, object and complex arrays are skipped by {@link #read(Path)} and refused when asked for by
 * name. The result has the MATLAB dimensions (at least 2) in row-major (C) order: MATLAB's
 * column-major data is reordered.
 */
public final class MatV5 {
  private static final int MI_INT8 = 1;
  private static final int MI_INT32 = 5;
  private static final int MI_UINT32 = 6;
  private static final int MI_MATRIX = 14;
  private static final int MI_COMPRESSED = 15;
  private static final String[] CLASS_NAMES = {"?", "cell", "struct", "object", "char", "sparse",
      "double", "single", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"};

  private MatV5() {}

  /** Every numeric variable of {@code file}, by name, in file order. */
  public static Map<String, Tensor> read(Path file) {
    return read(file, null, false);
  }

  /** One numeric variable; the error names the file and the variables it has. */
  public static Tensor read(Path file, String variable) {
    Map<String, Tensor> m = read(file, variable, true);
    return m.get(variable);
  }

  private static Map<String, Tensor> read(Path file, String only, boolean required) {
    String name = file.toString();
    Map<String, Tensor> out = new LinkedHashMap<>();
    Map<String, String> seen = new LinkedHashMap<>();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      byte[] hdr = raw.readNBytes(128);
      if (hdr.length < 128) {
        throw new DataLoadException(name + ": too short for a MAT file (expected a 128-byte header)");
      }
      String text = new String(hdr, 0, 116, StandardCharsets.ISO_8859_1);
      if (text.startsWith("MATLAB 7.3")) {
        throw new DataLoadException(name + ": a MATLAB 7.3 (HDF5) file; only level-5 MAT files "
            + "(saved with -v7 or -v6) are supported");
      }
      ByteOrder order;
      if (hdr[126] == 'I' && hdr[127] == 'M') {
        order = ByteOrder.LITTLE_ENDIAN;
      } else if (hdr[126] == 'M' && hdr[127] == 'I') {
        order = ByteOrder.BIG_ENDIAN;
      } else {
        throw new DataLoadException(name + ": not a level-5 MAT file (expected 'IM' or 'MI' at bytes "
            + "126-127 of the header)");
      }
      In in = new In(raw, order, name);
      while (true) {
        byte[] tag = raw.readNBytes(8);
        if (tag.length == 0) {
          break;
        }
        if (tag.length < 8) {
          throw new DataLoadException(name + ": truncated data element tag at the end of the file");
        }
        int type = in.word(tag, 0);
        long n = in.word(tag, 4) & 0xffffffffL;
        if (type == MI_COMPRESSED) {
          Bounded b = new Bounded(raw, n);
          InputStream z = new BufferedInputStream(new InflaterInputStream(b), 1 << 16);
          In inner = new In(z, order, name + " (compressed element)");
          byte[] t2 = inner.bytes(8);
          if (inner.word(t2, 0) == MI_MATRIX) {
            matrix(inner, only, out, seen);
          }
          b.drain();
        } else if (type == MI_MATRIX) {
          Bounded b = new Bounded(raw, n);
          matrix(new In(b, order, name), only, out, seen);
          b.drain();
          in.skip(pad(n));
        } else {
          in.skip(n + pad(n));
        }
        if (only != null && out.containsKey(only)) {
          break;
        }
      }
    } catch (NoSuchFileException e) {
      throw new DataLoadException(name + ": file not found");
    } catch (ZipException e) {
      throw new DataLoadException(name + ": corrupt compressed element: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new DataLoadException(name + ": cannot read MAT file: " + e.getMessage(), e);
    }
    if (required && !out.containsKey(only)) {
      String kind = seen.get(only);
      throw new DataLoadException(name + ": " + (kind != null
          ? "variable '" + only + "' is a " + kind + " array; only real full numeric arrays are supported"
          : "no variable '" + only + "'; it has " + seen.keySet()));
    }
    return out;
  }

  /** Reads one miMATRIX element's content (its tag already consumed). */
  private static void matrix(In in, String only, Map<String, Tensor> out,
      Map<String, String> seen) throws IOException {
    Element flags = in.element();
    if (flags.type != MI_UINT32 || flags.data.length < 8) {
      throw new DataLoadException(in.name + ": array flags sub-element missing (expected miUINT32, 8 bytes)");
    }
    int f0 = in.word(flags.data, 0);
    int cls = f0 & 0xff;
    boolean complex = (f0 & 0x800) != 0;
    Element dimsEl = in.element();
    if (dimsEl.type != MI_INT32 || dimsEl.data.length < 8 || dimsEl.data.length % 4 != 0) {
      throw new DataLoadException(in.name + ": dimensions sub-element missing (expected miINT32, >= 2 values)");
    }
    int[] dims = new int[dimsEl.data.length / 4];
    long count = 1;
    for (int i = 0; i < dims.length; i++) {
      dims[i] = in.word(dimsEl.data, 4 * i);
      if (dims[i] < 0) {
        throw new DataLoadException(in.name + ": negative dimension " + dims[i]);
      }
      count *= dims[i];
    }
    Element nameEl = in.element();
    if (nameEl.type != MI_INT8) {
      throw new DataLoadException(in.name + ": array name sub-element missing (expected miINT8)");
    }
    String var = new String(nameEl.data, StandardCharsets.US_ASCII);
    String where = in.name + " variable '" + var + "'";
    String clsName = cls < CLASS_NAMES.length ? CLASS_NAMES[cls] : "class-" + cls;
    boolean numeric = cls >= 6 && cls <= 15 && !complex;
    seen.put(var, complex ? "complex " + clsName : clsName);
    if (!numeric || (only != null && !only.equals(var))) {
      return;
    }
    if (count > Integer.MAX_VALUE) {
      throw new DataLoadException(where + ": " + Arrays.toString(dims) + " has more than 2^31 elements");
    }
    DType target = classType(cls);
    int[] tag = in.tag();
    DType stored = storageType(tag[0], where);
    long bytes = tag[1] & 0xffffffffL;
    if (bytes != count * stored.byteSize()) {
      throw new DataLoadException(where + ": real part has " + bytes + " bytes, expected " + count
          + " x " + stored.byteSize() + " for dimensions " + Arrays.toString(dims) + " stored as " + stored);
    }
    byte[] data = tag[2] == 1 ? Arrays.copyOf(in.small, (int) bytes) : in.bytes((int) bytes);
    Tensor colMajor = decode(data, stored, (int) count, in.order);
    if (stored != target) {
      colMajor = colMajor.cast(target);
    }
    out.put(var, toRowMajor(colMajor, dims));
  }

  private static DType classType(int cls) {
    switch (cls) {
      case 6: return DType.F64;
      case 7: return DType.F32;
      case 8: return DType.I8;
      case 9: return DType.U8;
      case 10: return DType.I16;
      case 11: return DType.U16;
      case 12: return DType.I32;
      case 13: return DType.U32;
      case 14: return DType.I64;
      default: return DType.U64;
    }
  }

  private static DType storageType(int type, String where) {
    switch (type) {
      case 1: return DType.I8;
      case 2: return DType.U8;
      case 3: return DType.I16;
      case 4: return DType.U16;
      case 5: return DType.I32;
      case 6: return DType.U32;
      case 7: return DType.F32;
      case 9: return DType.F64;
      case 12: return DType.I64;
      case 13: return DType.U64;
      default:
        throw new DataLoadException(where + ": unsupported data type " + type
            + " for a numeric array (expected miINT8..miUINT64, miSINGLE or miDOUBLE)");
    }
  }

  private static Tensor decode(byte[] data, DType dtype, int n, ByteOrder order) {
    ByteBuffer b = ByteBuffer.wrap(data).order(order);
    Tensor t = Tensor.zeros(dtype, n);
    switch (dtype) {
      case F32: b.asFloatBuffer().get(t.floats(), 0, n); break;
      case F64: b.asDoubleBuffer().get(t.doubles(), 0, n); break;
      case I16: case U16: b.asShortBuffer().get(t.shorts(), 0, n); break;
      case I32: case U32: b.asIntBuffer().get(t.ints(), 0, n); break;
      case I64: case U64: b.asLongBuffer().get(t.longs(), 0, n); break;
      default: System.arraycopy(data, 0, t.bytes(), 0, n);
    }
    return t;
  }

  /** Column-major elements of {@code t} to a row-major tensor of shape {@code dims}. */
  static Tensor toRowMajor(Tensor t, int[] dims) {
    int n = t.size();
    int rank = dims.length;
    Object src = t.data();
    Object dst = java.lang.reflect.Array.newInstance(src.getClass().getComponentType(), n);
    int[] cStride = new int[rank];
    cStride[rank - 1] = 1;
    for (int k = rank - 2; k >= 0; k--) {
      cStride[k] = cStride[k + 1] * dims[k + 1];
    }
    int[] idx = new int[rank];
    int[] offs = new int[4096];
    int off = 0;
    // walk the elements in column-major order (first index fastest), computing each one's
    // row-major offset, and scatter them a block at a time
    for (int start = 0; start < n; start += offs.length) {
      int m = Math.min(offs.length, n - start);
      for (int j = 0; j < m; j++) {
        offs[j] = off;
        for (int k = 0; k < rank; k++) {
          off += cStride[k];
          if (++idx[k] < dims[k]) {
            break;
          }
          off -= cStride[k] * dims[k];
          idx[k] = 0;
        }
      }
      scatter(src, start, dst, offs, m);
    }
    return Tensor.wrap(t.dtype(), dst, dims);
  }

  private static void scatter(Object src, int start, Object dst, int[] offs, int m) {
    if (src instanceof byte[]) {
      byte[] s = (byte[]) src;
      byte[] d = (byte[]) dst;
      for (int j = 0; j < m; j++) {
        d[offs[j]] = s[start + j];
      }
    } else if (src instanceof double[]) {
      double[] s = (double[]) src;
      double[] d = (double[]) dst;
      for (int j = 0; j < m; j++) {
        d[offs[j]] = s[start + j];
      }
    } else {
      for (int j = 0; j < m; j++) {
        System.arraycopy(src, start + j, dst, offs[j], 1);
      }
    }
  }

  private static long pad(long n) {
    return (8 - n % 8) % 8;
  }

  /** A sub-element: its type and data (padding consumed). */
  private record Element(int type, byte[] data) {}

  /** Reads tags and elements in the file's byte order; errors name the file. */
  private static final class In {
    final InputStream s;
    final ByteOrder order;
    final String name;
    byte[] small;

    In(InputStream s, ByteOrder order, String name) {
      this.s = s;
      this.order = order;
      this.name = name;
    }

    int word(byte[] b, int off) {
      return ByteBuffer.wrap(b, off, 4).order(order).getInt();
    }

    byte[] bytes(int n) throws IOException {
      byte[] b = s.readNBytes(n);
      if (b.length < n) {
        throw new DataLoadException(name + ": truncated: expected " + n + " more bytes, found " + b.length);
      }
      return b;
    }

    void skip(long n) throws IOException {
      long left = n;
      while (left > 0) {
        long k = s.skip(left);
        if (k <= 0) {
          if (s.read() < 0) {
            return; // the last element of a file may lack its padding
          }
          k = 1;
        }
        left -= k;
      }
    }

    /** {type, byte count, 1 if small (data already in {@link #small}) else 0}. */
    int[] tag() throws IOException {
      byte[] t = bytes(8);
      int w0 = word(t, 0);
      if ((w0 >>> 16) != 0) {
        small = Arrays.copyOfRange(t, 4, 8);
        return new int[] {w0 & 0xffff, w0 >>> 16, 1};
      }
      return new int[] {w0, word(t, 4), 0};
    }

    Element element() throws IOException {
      int[] t = tag();
      if (t[2] == 1) {
        return new Element(t[0], Arrays.copyOf(small, Math.min(4, t[1])));
      }
      long n = t[1] & 0xffffffffL;
      if (n > 1 << 20) {
        throw new DataLoadException(name + ": implausible sub-element size " + n);
      }
      byte[] d = bytes((int) n);
      skip(pad(n));
      return new Element(t[0], d);
    }
  }

  /** At most {@code left} bytes of the underlying stream. */
  private static final class Bounded extends FilterInputStream {
    private long left;

    Bounded(InputStream in, long left) {
      super(in);
      this.left = left;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int c = super.read();
      if (c >= 0) {
        left--;
      }
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int k = super.read(b, off, (int) Math.min(len, left));
      if (k > 0) {
        left -= k;
      }
      return k;
    }

    @Override
    public long skip(long n) throws IOException {
      long k = super.skip(Math.min(n, left));
      left -= k;
      return k;
    }

    @Override
    public void close() {
      // the outer stream stays open
    }

    void drain() throws IOException {
      while (left > 0) {
        long k = super.skip(left);
        if (k <= 0) {
          if (super.read() < 0) {
            throw new java.io.EOFException("element ends before its declared size");
          }
          k = 1;
        }
        left -= k;
      }
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
