package org.quantlens.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ModelLoadException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.proto.Onnx.SparseTensorProto;
import org.quantlens.onnx.proto.Onnx.TensorProto;

class TensorProtosTest {
  private static TensorProto.Builder typed(int type, long... dims) {
    TensorProto.Builder b = TensorProto.newBuilder().setName("t").setDataType(type);
    for (long d : dims) {
      b.addDims(d);
    }
    return b;
  }

  @Test
  void rawDataIsLittleEndianForFloatAndInt64() {
    // 1.0f = 0x3F800000, -2.5f = 0xC0200000, stored low byte first.
    Tensor f = TensorProtos.toTensor(Protos.raw("f", 1, new long[] {2},
        new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0x20, (byte) 0xC0}), "f");
    assertEquals(DType.F32, f.dtype());
    assertArrayEquals(new float[] {1f, -2.5f}, f.floats());
    Tensor l = TensorProtos.toTensor(Protos.raw("l", 7, new long[] {1},
        new byte[] {8, 7, 6, 5, 4, 3, 2, 1}), "l");
    assertEquals(0x0102030405060708L, l.longs()[0]);
  }

  @Test
  void int32DataCarriesNarrowTypesAndFloat16Bits() {
    assertArrayEquals(new long[] {-3, 127},
        TensorProtos.toTensor(typed(3, 2).addInt32Data(-3).addInt32Data(127).build(), "i8").toLongs());
    Tensor u8 = TensorProtos.toTensor(typed(2, 2).addInt32Data(200).addInt32Data(0).build(), "u8");
    assertEquals(DType.U8, u8.dtype());
    assertEquals(200, u8.getLong(0));
    Tensor i16 = TensorProtos.toTensor(typed(5, 1).addInt32Data(-300).build(), "i16");
    assertEquals(-300, i16.getLong(0));
    Tensor u16 = TensorProtos.toTensor(typed(4, 1).addInt32Data(65535).build(), "u16");
    assertEquals(DType.U16, u16.dtype());
    assertEquals(65535, u16.getLong(0));
    // 0x3C00 is 1.0 and 0xC000 is -2.0 in IEEE binary16.
    Tensor h = TensorProtos.toTensor(typed(10, 2).addInt32Data(0x3C00).addInt32Data(0xC000).build(), "f16");
    assertEquals(DType.F16, h.dtype());
    assertEquals(1.0, h.getDouble(0));
    assertEquals(-2.0, h.getDouble(1));
    Tensor b = TensorProtos.toTensor(typed(9, 3).addInt32Data(0).addInt32Data(1).addInt32Data(1).build(), "b");
    assertEquals(DType.BOOL, b.dtype());
    assertArrayEquals(new byte[] {0, 1, 1}, b.bytes());
    Tensor i32 = TensorProtos.toTensor(typed(6, 2).addInt32Data(Integer.MIN_VALUE).addInt32Data(7).build(), "i32");
    assertArrayEquals(new int[] {Integer.MIN_VALUE, 7}, i32.ints());
  }

  @Test
  void wideTypedFieldsDecodeFaithfully() {
    Tensor d = TensorProtos.toTensor(typed(11, 2).addDoubleData(0.1).addDoubleData(-1e300).build(), "f64");
    assertEquals(DType.F64, d.dtype());
    assertArrayEquals(new double[] {0.1, -1e300}, d.doubles());
    Tensor l = TensorProtos.toTensor(typed(7, 1).addInt64Data(Long.MIN_VALUE).build(), "i64");
    assertEquals(Long.MIN_VALUE, l.longs()[0]);
    Tensor u32 = TensorProtos.toTensor(typed(12, 1).addUint64Data(4294967295L).build(), "u32");
    assertEquals(DType.U32, u32.dtype());
    assertEquals(4294967295L, u32.getLong(0));
    Tensor u64 = TensorProtos.toTensor(typed(13, 1).addUint64Data(-1L).build(), "u64");
    assertEquals(DType.U64, u64.dtype());
    assertEquals(-1L, u64.longs()[0]); // 2^64-1 kept bit for bit
    assertEquals(18446744073709551615.0, u64.getDouble(0));
    Tensor f = TensorProtos.toTensor(typed(1, 2, 1).addFloatData(Float.NaN).addFloatData(-0f).build(), "f");
    assertArrayEquals(new int[] {2, 1}, f.shape());
    assertTrue(Float.isNaN(f.floats()[0]));
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(f.floats()[1]));
  }

  @Test
  void rawBoolBytesAreNormalisedToZeroOrOne() {
    Tensor b = TensorProtos.toTensor(Protos.raw("b", 9, new long[] {3}, new byte[] {0, 1, 2}), "b");
    assertArrayEquals(new byte[] {0, 1, 1}, b.bytes());
  }

  @Test
  void scalarAndEmptyTensorsDecode() {
    Tensor s = TensorProtos.toTensor(typed(1).addFloatData(4f).build(), "s");
    assertEquals(0, s.rank());
    assertEquals(4f, s.floats()[0]);
    Tensor e = TensorProtos.toTensor(typed(1, 0, 3).build(), "e");
    assertArrayEquals(new int[] {0, 3}, e.shape());
  }

  @Test
  void toProtoThenToTensorIsBitExactForEveryDType() {
    Random rnd = new Random(42);
    for (DType t : DType.values()) {
      Tensor x = Tensor.zeros(t, 3, 5);
      for (int i = 0; i < x.size(); i++) {
        x.setLong(i, rnd.nextLong());
        if (t.isFloating()) {
          x.setDouble(i, rnd.nextGaussian() * 1000);
        }
      }
      TensorProto p = TensorProtos.toProto("x", x);
      assertEquals(TensorProtos.onnxType(t), p.getDataType(), t.name());
      assertEquals(15L * t.byteSize(), p.getRawData().size(), t.name());
      GraphAssert.assertSameTensor(x, TensorProtos.toTensor(p, "x"), t.name());
    }
  }

  @Test
  void onnxTypeNumbersMatchTheSpec() {
    // Numbers from the ONNX TensorProto.DataType enum.
    int[][] pairs = {{1, DType.F32.ordinal()}, {2, DType.U8.ordinal()}, {3, DType.I8.ordinal()},
        {4, DType.U16.ordinal()}, {5, DType.I16.ordinal()}, {6, DType.I32.ordinal()},
        {7, DType.I64.ordinal()}, {9, DType.BOOL.ordinal()}, {10, DType.F16.ordinal()},
        {11, DType.F64.ordinal()}, {12, DType.U32.ordinal()}, {13, DType.U64.ordinal()}};
    for (int[] p : pairs) {
      DType t = DType.values()[p[1]];
      assertEquals(t, TensorProtos.dtype(p[0]));
      assertEquals(p[0], TensorProtos.onnxType(t));
    }
    for (int unsupported : new int[] {0, 8, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26}) {
      assertEquals(null, TensorProtos.dtype(unsupported), "type " + unsupported);
    }
  }

  @Test
  void sparseTensorDensifiesFlatAndCoordinateIndices() {
    TensorProto values = Protos.floats("s", new long[] {2}, 5f, 7f);
    SparseTensorProto flat = SparseTensorProto.newBuilder().setValues(values)
        .setIndices(typed(7, 2).addInt64Data(1).addInt64Data(4)).addDims(2).addDims(3).build();
    assertArrayEquals(new float[] {0, 5, 0, 0, 7, 0}, TensorProtos.densify(flat, "s", null).floats());
    SparseTensorProto coords = SparseTensorProto.newBuilder().setValues(values)
        .setIndices(typed(7, 2, 2).addInt64Data(0).addInt64Data(2).addInt64Data(1).addInt64Data(0))
        .addDims(2).addDims(3).build();
    assertArrayEquals(new float[] {0, 0, 5, 7, 0, 0}, TensorProtos.densify(coords, "s", null).floats());
    SparseTensorProto outOfRange = SparseTensorProto.newBuilder().setValues(values)
        .setIndices(typed(7, 2).addInt64Data(1).addInt64Data(6)).addDims(2).addDims(3).build();
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> TensorProtos.densify(outOfRange, "m.onnx: sparse 's'", null));
    assertTrue(e.getMessage().contains("m.onnx: sparse 's'") && e.getMessage().contains("6"), e.getMessage());
  }
}
