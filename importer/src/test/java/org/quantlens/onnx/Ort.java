package org.quantlens.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.proto.Onnx.TensorProto;

/** ONNX Runtime as a test oracle: runs model bytes on engine tensors and returns engine tensors. */
final class Ort {
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private Ort() {}

  /** Runs {@code model} once on {@code feeds}; outputs by name in the model's order. */
  static Map<String, Tensor> run(byte[] model, Map<String, Tensor> feeds) throws OrtException {
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(1);
      try (OrtSession s = ENV.createSession(model, opts)) {
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
          for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
            in.put(e.getKey(), toOrt(e.getValue()));
          }
          try (OrtSession.Result r = s.run(in)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : r) {
              out.put(e.getKey(), fromOrt((OnnxTensor) e.getValue()));
            }
            return out;
          }
        } finally {
          in.values().forEach(OnnxTensor::close);
        }
      }
    }
  }

  /** True when ONNX Runtime's Java API can take a tensor of this type as input. */
  static boolean canFeed(Tensor t) {
    return javaType(t) != null;
  }

  private static OnnxJavaType javaType(Tensor t) {
    switch (t.dtype()) {
      case F32: return OnnxJavaType.FLOAT;
      case F64: return OnnxJavaType.DOUBLE;
      case F16: return OnnxJavaType.FLOAT16;
      case I8: return OnnxJavaType.INT8;
      case U8: return OnnxJavaType.UINT8;
      case I16: return OnnxJavaType.INT16;
      case I32: return OnnxJavaType.INT32;
      case I64: return OnnxJavaType.INT64;
      case BOOL: return OnnxJavaType.BOOL;
      default: return null; // the Java API has no unsigned 16/32/64-bit inputs
    }
  }

  private static OnnxTensor toOrt(Tensor t) throws OrtException {
    byte[] raw = TensorProtos.rawBytes(t);
    ByteBuffer b = ByteBuffer.allocateDirect(raw.length).order(ByteOrder.nativeOrder());
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("this bridge assumes a little-endian machine");
    }
    b.put(raw).flip();
    long[] shape = new long[t.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.dim(i);
    }
    return OnnxTensor.createTensor(ENV, b, shape, javaType(t));
  }

  private static Tensor fromOrt(OnnxTensor v) {
    TensorInfo info = v.getInfo();
    ByteBuffer b = v.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    // The Java enum's own numbers differ from ONNX's; its names carry the ONNX type name.
    String name = info.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "");
    TensorProto.Builder p = TensorProto.newBuilder().setDataType(TensorProto.DataType.valueOf(name).getNumber())
        .setRawData(ByteString.copyFrom(b));
    for (long d : info.getShape()) {
      p.addDims(d);
    }
    return TensorProtos.toTensor(p.build(), "onnxruntime output");
  }
}
