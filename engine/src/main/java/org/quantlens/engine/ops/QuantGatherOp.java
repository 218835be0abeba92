package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.kernels.QuantizeKernels;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * {@code com.quantlens.QuantizedGather}: an embedding lookup in an 8-bit table, what
 * {@code Gather(DequantizeLinear(table, scale, zero_point), indices)} computes, without ever
 * dequantizing the whole table. Inputs: data (int8 or uint8, rank >= 1), scale (one value, or one
 * per row of data: DequantizeLinear's axis 0), zero_point (optional, the data's type, shaped as
 * the scale), indices (int32/int64, negatives count from the end). Output: float32 of shape
 * {@code indices.shape ++ data.shape[1:]}; each gathered row is {@code (float) (q - zp) * scale},
 * bit for bit the DequantizeLinear result. Gathers along axis 0 only. A constant table is read in
 * place: the session holds its 8-bit bytes and nothing else.
 */
final class QuantGatherOp {
  private QuantGatherOp() {}

  static Operator create(NodeContext ctx) {
    Node node = ctx.node();
    if (ctx.attrLong("axis", 0) != 0) {
      throw ctx.error("gathers along axis 0 only (the axis of the per-row scales), got axis "
          + ctx.attrLong("axis", 0));
    }
    QuantArg.Input qa = QuantArg.Input.of(ctx, 1, 2, DType.I8, false, "scale", 0);
    // constant parameters are checked now and then read from their tensors in place (the checked
    // copy would hold a second set of scales, and ints for zero points: 9 bytes per table row)
    QuantArg.Input perRun = qa.constant() == null ? qa : null;
    String where = node.describe();
    // output shape of the last indices shape: no shape arrays per call
    ShapeKeyed<int[]> shapes = new ShapeKeyed<>();
    return (in, ec) -> {
      Tensor table = in[0];
      Tensor ids = in[3];
      if (perRun != null) {
        perRun.get(in);
      }
      DType t = table.dtype();
      if (t != DType.I8 && t != DType.U8 || table.rank() < 1) {
        throw new ShapeMismatchException(where + ": data must be int8 or uint8 of rank >= 1, got " + t
            + " " + Arrays.toString(table.shape()));
      }
      if (in[2] != null && in[2].dtype() != t) {
        throw new ShapeMismatchException(where + ": zero_point is " + in[2].dtype() + " but data is " + t);
      }
      int rows = table.dim(0);
      int params = Math.max(in[1].size(), in[2] == null ? 1 : in[2].size());
      if (params != 1 && params != rows) {
        throw new ShapeMismatchException(where + ": " + params + " scales for " + rows
            + " rows; expected one, or one per row");
      }
      int[] shape = shapes.get(ids);
      if (shape == null || shape.length != ids.rank() + table.rank() - 1 || !sameTail(shape, ids.rank(), table)) {
        shape = shapes.put(ids, outputShape(ids.shape(), table.shape()));
      }
      int inner = rows == 0 ? 0 : table.size() / rows;
      Tensor idxBuf = ec.allocate(DType.I32, ids.size());
      int[] idx = GatherOps.indices(node, ids, rows, idxBuf.ints());
      Tensor out = ec.allocate(DType.F32, shape);
      float[] scales = in[1].dtype() == DType.F32 ? in[1].floats() : in[1].toFloats();
      byte[] zps = in[2] == null ? null : in[2].bytes();
      gatherRows(table.bytes(), t == DType.U8, scales, zps, idx, ids.size(), inner, out.floats());
      ec.release(idxBuf);
      return ec.result(out);
    };
  }

  /** Dequantizes rows {@code idx[0..m)} of {@code table} into consecutive rows of {@code y}. */
  private static void gatherRows(byte[] table, boolean unsigned, float[] scales, byte[] zps, int[] idx, int m,
      int inner, float[] y) {
    QuantizeKernels k = QuantizeKernels.get();
    for (int j = 0; j < m; j++) {
      int r = idx[j];
      float s = scales[scales.length == 1 ? 0 : r];
      int zp = zps == null ? 0 : zps[zps.length == 1 ? 0 : r];
      k.dequantize(table, r * inner, inner, unsigned, unsigned ? zp & 0xff : zp, s, y, j * inner);
    }
  }

  /** Whether the cached shape's tail is the table's (the cache is keyed by the indices' shape). */
  private static boolean sameTail(int[] shape, int from, Tensor table) {
    for (int d = 1; d < table.rank(); d++) {
      if (shape[from + d - 1] != table.dim(d)) {
        return false;
      }
    }
    return true;
  }

  private static int[] outputShape(int[] ids, int[] table) {
    int[] s = new int[ids.length + table.length - 1];
    System.arraycopy(ids, 0, s, 0, ids.length);
    System.arraycopy(table, 1, s, ids.length, table.length - 1);
    return s;
  }
}
