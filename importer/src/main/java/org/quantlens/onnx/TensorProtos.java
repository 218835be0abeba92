package org.quantlens.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.quantlens.engine.ModelLoadException;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.proto.Onnx.SparseTensorProto;
import org.quantlens.onnx.proto.Onnx.TensorProto;

/**
 * Conversions between ONNX {@code TensorProto} and engine {@link Tensor}, used by the reader, the
 * writer and the conformance runner. Reading never trusts sizes: the declared shape is checked
 * against {@link Shapes#MAX_ELEMENTS} and against the number of stored values before any array is
 * allocated. Every error is a {@link ModelLoadException} whose message starts with the caller's
 * {@code where} (e.g. {@code "model.onnx: initializer 'conv1.weight'"}).
 */
public final class TensorProtos {
  private TensorProtos() {}

  /** The engine type of ONNX element type {@code onnxType}, or null when the engine has none. */
  public static DType dtype(int onnxType) {
    switch (onnxType) {
      case 1: return DType.F32;
      case 2: return DType.U8;
      case 3: return DType.I8;
      case 4: return DType.U16;
      case 5: return DType.I16;
      case 6: return DType.I32;
      case 7: return DType.I64;
      case 9: return DType.BOOL;
      case 10: return DType.F16;
      case 11: return DType.F64;
      case 12: return DType.U32;
      case 13: return DType.U64;
      default: return null;
    }
  }

  /** The ONNX element type number of {@code t}. */
  public static int onnxType(DType t) {
    switch (t) {
      case F32: return 1;
      case U8: return 2;
      case I8: return 3;
      case U16: return 4;
      case I16: return 5;
      case I32: return 6;
      case I64: return 7;
      case BOOL: return 9;
      case F16: return 10;
      case F64: return 11;
      case U32: return 12;
      default: return 13; // U64
    }
  }

  /** The ONNX name of element type {@code onnxType} ("FLOAT", "BFLOAT16", ...). */
  public static String typeName(int onnxType) {
    TensorProto.DataType d = TensorProto.DataType.forNumber(onnxType);
    return d == null ? "unknown element type " + onnxType : d.name();
  }

  /** The ONNX name of {@code t}. */
  public static String typeName(DType t) {
    return typeName(onnxType(t));
  }

  /**
   * Converts a tensor whose data is stored inside the proto (raw_data or a typed field).
   *
   * @param where prefix of error messages, naming the file and the tensor
   */
  public static Tensor toTensor(TensorProto p, String where) {
    return toTensor(p, where, null);
  }

  /**
   * Converts a tensor; data stored externally ({@code data_location = EXTERNAL}) is read from a file
   * inside {@code externalDataDir} (null refuses external data). See {@link ExternalData} for what
   * is refused.
   */
  public static Tensor toTensor(TensorProto p, String where, Path externalDataDir) {
    try {
      return convert(p, where, externalDataDir);
    } catch (QuantLensException e) {
      throw e instanceof ModelLoadException ? e : new ModelLoadException(where + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new ModelLoadException(where + ": cannot decode tensor (" + e + ")", e);
    }
  }

  private static Tensor convert(TensorProto p, String where, Path dir) {
    int onnxType = p.getDataType();
    DType t = dtype(onnxType);
    if (t == null) {
      throw new ModelLoadException(where + " has element type " + typeName(onnxType)
          + ", which QuantLens does not support");
    }
    if (p.hasSegment()) {
      throw new ModelLoadException(where + " is stored in segments, which QuantLens does not support");
    }
    int[] shape = shape(p.getDimsList(), where);
    int n = Shapes.size(shape);
    String declared = " declares shape " + dimsText(shape) + " (" + n + " " + typeName(t)
        + " elements, " + (long) n * t.byteSize() + " bytes)";
    if (p.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      Tensor out = Tensor.zeros(t, shape);
      ExternalData.read(p.getExternalDataList(), dir, where, declared, out);
      return out;
    }
    if (p.hasRawData()) {
      ByteString raw = p.getRawData();
      if (raw.size() != (long) n * t.byteSize()) {
        throw new ModelLoadException(where + declared + " but raw_data holds " + raw.size() + " bytes");
      }
      Tensor out = Tensor.zeros(t, shape);
      decode(raw.asReadOnlyByteBuffer(), out.data(), 0, n, t);
      return out;
    }
    return fromTypedField(p, t, shape, n, where, declared);
  }

  private static Tensor fromTypedField(TensorProto p, DType t, int[] shape, int n, String where,
      String declared) {
    String field = typedField(t);
    int count = typedCount(p, t);
    if (count != n) {
      String other = otherFieldInUse(p, field);
      throw new ModelLoadException(where + declared + " but " + field + " holds " + count + " values"
          + (other.isEmpty() ? "" : " (" + other + " is set instead)"));
    }
    Tensor out = Tensor.zeros(t, shape);
    switch (t) {
      case F32: {
        float[] d = out.floats();
        for (int i = 0; i < n; i++) {
          d[i] = p.getFloatData(i);
        }
        break;
      }
      case F64: {
        double[] d = out.doubles();
        for (int i = 0; i < n; i++) {
          d[i] = p.getDoubleData(i);
        }
        break;
      }
      case I64: {
        long[] d = out.longs();
        for (int i = 0; i < n; i++) {
          d[i] = p.getInt64Data(i);
        }
        break;
      }
      case U64: {
        long[] d = out.longs();
        for (int i = 0; i < n; i++) {
          d[i] = p.getUint64Data(i);
        }
        break;
      }
      case U32: {
        int[] d = out.ints();
        for (int i = 0; i < n; i++) {
          d[i] = (int) p.getUint64Data(i);
        }
        break;
      }
      case I32: {
        int[] d = out.ints();
        for (int i = 0; i < n; i++) {
          d[i] = p.getInt32Data(i);
        }
        break;
      }
      case F16: case I16: case U16: { // int32_data carries the 16-bit patterns
        short[] d = out.shorts();
        for (int i = 0; i < n; i++) {
          d[i] = (short) p.getInt32Data(i);
        }
        break;
      }
      case BOOL: {
        byte[] d = out.bytes();
        for (int i = 0; i < n; i++) {
          d[i] = (byte) (p.getInt32Data(i) != 0 ? 1 : 0);
        }
        break;
      }
      default: { // I8, U8
        byte[] d = out.bytes();
        for (int i = 0; i < n; i++) {
          d[i] = (byte) p.getInt32Data(i);
        }
      }
    }
    return out;
  }

  /** The typed repeated field ONNX uses for elements of type {@code t}. */
  private static String typedField(DType t) {
    switch (t) {
      case F32: return "float_data";
      case F64: return "double_data";
      case I64: return "int64_data";
      case U32: case U64: return "uint64_data";
      default: return "int32_data";
    }
  }

  private static int typedCount(TensorProto p, DType t) {
    switch (t) {
      case F32: return p.getFloatDataCount();
      case F64: return p.getDoubleDataCount();
      case I64: return p.getInt64DataCount();
      case U32: case U64: return p.getUint64DataCount();
      default: return p.getInt32DataCount();
    }
  }

  private static String otherFieldInUse(TensorProto p, String expected) {
    String[] names = {"float_data", "double_data", "int64_data", "uint64_data", "int32_data", "string_data"};
    int[] counts = {p.getFloatDataCount(), p.getDoubleDataCount(), p.getInt64DataCount(),
        p.getUint64DataCount(), p.getInt32DataCount(), p.getStringDataCount()};
    for (int i = 0; i < names.length; i++) {
      if (counts[i] > 0 && !names[i].equals(expected)) {
        return names[i];
      }
    }
    return "";
  }

  /** Validated dims: each in [0, MAX_ELEMENTS] and a product within the limit. */
  static int[] shape(List<Long> dims, String where) {
    long[] d = new long[dims.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = dims.get(i);
    }
    for (long v : d) {
      if (v < 0) {
        throw new ModelLoadException(where + " declares a negative dimension in shape "
            + Arrays.toString(d).replace(" ", ""));
      }
    }
    try {
      Shapes.checkedSize(d, where);
    } catch (QuantLensException e) {
      throw new ModelLoadException(e.getMessage() + " (refused before allocating)", e);
    }
    int[] s = new int[d.length];
    for (int i = 0; i < d.length; i++) {
      s[i] = (int) d[i];
    }
    return s;
  }

  static String dimsText(int[] shape) {
    return Arrays.toString(shape).replace(" ", "");
  }

  /**
   * Decodes {@code count} little-endian elements of type {@code t} from {@code src} (starting at its
   * position) into {@code dst} at element offset {@code off}. BOOL bytes are normalised to 0/1.
   */
  static void decode(ByteBuffer src, Object dst, int off, int count, DType t) {
    ByteBuffer b = src.slice().order(ByteOrder.LITTLE_ENDIAN);
    switch (t) {
      case F32: b.asFloatBuffer().get((float[]) dst, off, count); break;
      case F64: b.asDoubleBuffer().get((double[]) dst, off, count); break;
      case F16: case I16: case U16: b.asShortBuffer().get((short[]) dst, off, count); break;
      case I32: case U32: b.asIntBuffer().get((int[]) dst, off, count); break;
      case I64: case U64: b.asLongBuffer().get((long[]) dst, off, count); break;
      case BOOL: {
        byte[] d = (byte[]) dst;
        b.get(d, off, count);
        for (int i = off; i < off + count; i++) {
          d[i] = (byte) (d[i] != 0 ? 1 : 0);
        }
        break;
      }
      default: b.get((byte[]) dst, off, count);
    }
  }

  /** The elements of {@code t} as little-endian bytes (what raw_data holds). */
  public static byte[] rawBytes(Tensor t) {
    int n = t.size();
    long bytes = (long) n * t.dtype().byteSize();
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new QuantLensException("tensor of " + bytes + " bytes exceeds the 2 GB protobuf limit");
    }
    ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    switch (t.dtype()) {
      case F32: b.asFloatBuffer().put(t.floats(), 0, n); break;
      case F64: b.asDoubleBuffer().put(t.doubles(), 0, n); break;
      case F16: case I16: case U16: b.asShortBuffer().put(t.shorts(), 0, n); break;
      case I32: case U32: b.asIntBuffer().put(t.ints(), 0, n); break;
      case I64: case U64: b.asLongBuffer().put(t.longs(), 0, n); break;
      default: b.put(t.bytes(), 0, n);
    }
    return b.array();
  }

  /** A TensorProto holding {@code t} as raw_data, named {@code name} (may be empty). */
  public static TensorProto toProto(String name, Tensor t) {
    TensorProto.Builder b = TensorProto.newBuilder().setDataType(onnxType(t.dtype()));
    if (name != null && !name.isEmpty()) {
      b.setName(name);
    }
    for (int d : t.shape()) {
      b.addDims(d);
    }
    return b.setRawData(ByteString.copyFrom(rawBytes(t))).build();
  }

  /**
   * Reads a file holding one serialized TensorProto (the ONNX test data format {@code input_0.pb}).
   * Errors name the file.
   */
  public static Tensor read(Path pbFile) {
    return toTensor(parse(pbFile), pbFile.toString() + ": tensor", null);
  }

  /** Parses a serialized TensorProto file, or throws a ModelLoadException naming it. */
  public static TensorProto parse(Path pbFile) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(pbFile);
    } catch (IOException | OutOfMemoryError e) {
      throw new ModelLoadException(pbFile + ": cannot read (" + e + ")", e);
    }
    try {
      return TensorProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new ModelLoadException(pbFile + ": not a TensorProto (protobuf parse failed: "
          + e.getMessage() + ")", e);
    }
  }

  /**
   * The dense tensor a SparseTensorProto describes: zeros except at the listed indices, which are
   * either flat ([NNZ]) or coordinates ([NNZ, rank]), all checked against the dense shape.
   */
  public static Tensor densify(SparseTensorProto sp, String where, Path externalDataDir) {
    Tensor values = toTensor(sp.getValues(), where + " (values)", externalDataDir);
    Tensor indices = toTensor(sp.getIndices(), where + " (indices)", externalDataDir);
    int[] shape = shape(sp.getDimsList(), where);
    int n = Shapes.size(shape);
    int nnz = values.size();
    if (values.rank() != 1) {
      throw new ModelLoadException(where + ": sparse values must have rank 1, got shape "
          + dimsText(values.shape()));
    }
    if (!indices.dtype().isInteger()) {
      throw new ModelLoadException(where + ": sparse indices must be integers, got "
          + typeName(indices.dtype()));
    }
    boolean coords = indices.rank() == 2;
    if (!(indices.rank() == 1 && indices.dim(0) == nnz
        || coords && indices.dim(0) == nnz && indices.dim(1) == shape.length)) {
      throw new ModelLoadException(where + ": sparse indices of shape " + dimsText(indices.shape())
          + " do not match " + nnz + " values of a rank-" + shape.length + " tensor");
    }
    Tensor dense = Tensor.zeros(values.dtype(), shape);
    int[] strides = Shapes.strides(shape);
    for (int i = 0; i < nnz; i++) {
      long flat;
      if (coords) {
        flat = 0;
        for (int a = 0; a < shape.length; a++) {
          long c = indices.getLong(i * shape.length + a);
          if (c < 0 || c >= shape[a]) {
            throw new ModelLoadException(where + ": sparse index " + c + " out of range for dimension "
                + a + " of " + dimsText(shape));
          }
          flat += c * strides[a];
        }
      } else {
        flat = indices.getLong(i);
        if (flat < 0 || flat >= n) {
          throw new ModelLoadException(where + ": sparse index " + flat + " out of range for "
              + n + " elements");
        }
      }
      System.arraycopy(values.data(), i, dense.data(), (int) flat, 1);
    }
    return dense;
  }
}
