package org.quantlens.onnx;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.quantlens.onnx.proto.Onnx.AttributeProto;
import org.quantlens.onnx.proto.Onnx.GraphProto;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.NodeProto;
import org.quantlens.onnx.proto.Onnx.OperatorSetIdProto;
import org.quantlens.onnx.proto.Onnx.TensorProto;
import org.quantlens.onnx.proto.Onnx.TensorShapeProto;
import org.quantlens.onnx.proto.Onnx.TypeProto;
import org.quantlens.onnx.proto.Onnx.ValueInfoProto;

/** Builders for hand-made ONNX protos in tests (written independently of the writer). */
final class Protos {
  private Protos() {}

  /** A tensor value info; dims are Integer/Long (value), String (param) or null (unknown). */
  static ValueInfoProto tensorInfo(String name, int elemType, Object... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      TensorShapeProto.Dimension.Builder b = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof Number) {
        b.setDimValue(((Number) d).longValue());
      } else if (d instanceof String) {
        b.setDimParam((String) d);
      }
      s.addDim(b);
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s))).build();
  }

  static NodeProto node(String name, String op, List<String> in, List<String> out, AttributeProto... attrs) {
    return NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(in).addAllOutput(out)
        .addAllAttribute(List.of(attrs)).build();
  }

  static AttributeProto attrInt(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  static AttributeProto attrFloat(String name, float v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
  }

  static AttributeProto attrString(String name, String v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFrom(v, StandardCharsets.UTF_8)).build();
  }

  static AttributeProto attrInts(String name, long... v) {
    AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      b.addInts(x);
    }
    return b.build();
  }

  static AttributeProto attrTensor(String name, TensorProto t) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
  }

  static AttributeProto attrGraph(String name, GraphProto g) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.GRAPH).setG(g).build();
  }

  /** A float tensor stored in float_data. */
  static TensorProto floats(String name, long[] dims, float... v) {
    TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(1);
    for (long d : dims) {
      b.addDims(d);
    }
    for (float f : v) {
      b.addFloatData(f);
    }
    return b.build();
  }

  /** A tensor of any type stored as raw_data (bytes given literally). */
  static TensorProto raw(String name, int type, long[] dims, byte[] data) {
    TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type)
        .setRawData(ByteString.copyFrom(data));
    for (long d : dims) {
      b.addDims(d);
    }
    return b.build();
  }

  static ModelProto model(GraphProto g, int opset) {
    return ModelProto.newBuilder().setIrVersion(8).setProducerName("test")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setGraph(g).build();
  }
}
