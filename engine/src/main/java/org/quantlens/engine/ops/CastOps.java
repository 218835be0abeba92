package org.quantlens.engine.ops;

import org.quantlens.engine.UnsupportedOpException;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.kernels.Convert;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Cast ({@code to}: a type name at opset 1, an ONNX data type number from 6) and CastLike (the type
 * of the second input). Conversions are {@link Convert}'s; a cast to the same type still copies.
 */
final class CastOps {
  private CastOps() {}

  static void register(OpRegistry r) {
    r.register("Cast", 1, CastOps::cast);
    r.register("Cast", 6, CastOps::cast);
    r.register("CastLike", 15, ctx -> (in, ec) -> ec.result(convert(in[0], in[1].dtype())));
  }

  private static Operator cast(NodeContext ctx) {
    Attribute to = ctx.attr("to");
    if (to == null) {
      throw ctx.error("attribute 'to' is required");
    }
    DType target = to.kind() == Attribute.Kind.STRING ? byName(ctx, to.asString())
        : byNumber(ctx, to.asLong());
    return (in, ec) -> ec.result(convert(in[0], target));
  }

  static Tensor convert(Tensor x, DType to) {
    Tensor out = Tensor.zeros(to, x.shape());
    Convert.convert(x.dtype(), x.data(), to, out.data(), x.size());
    return out;
  }

  /** The engine type for an ONNX {@code TensorProto.DataType} number. */
  static DType byNumber(NodeContext ctx, long code) {
    switch ((int) code) {
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
      default:
        throw new UnsupportedOpException(ctx.node().describe() + ": cast to ONNX data type " + code
            + " (" + onnxName(code) + ") is not supported");
    }
  }

  private static DType byName(NodeContext ctx, String name) {
    String[] names = {"", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING",
        "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64"};
    for (int i = 1; i < names.length; i++) {
      if (names[i].equalsIgnoreCase(name)) {
        return byNumber(ctx, i);
      }
    }
    throw new UnsupportedOpException(ctx.node().describe() + ": cast to '" + name + "' is not supported");
  }

  private static String onnxName(long code) {
    switch ((int) code) {
      case 8: return "STRING";
      case 14: return "COMPLEX64";
      case 15: return "COMPLEX128";
      case 16: return "BFLOAT16";
      default: return code >= 17 && code <= 20 ? "FLOAT8" : code >= 21 && code <= 22 ? "INT4" : "unknown";
    }
  }
}
