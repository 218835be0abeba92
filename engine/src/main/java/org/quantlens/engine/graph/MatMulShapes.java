package org.quantlens.engine.graph;

import static org.quantlens.engine.graph.ShapeInference.*;

import java.util.Arrays;
import org.quantlens.engine.tensor.DType;

/**
 * Shape rules of the matrix products: Gemm, MatMul and their integer and quantized forms.
 * Each rule reads what {@link ShapeInference} knows of a node's inputs.
 */
final class MatMulShapes {
  private MatMulShapes() {}

  static Info[] gemm(ShapeInference si, Node n) {
    int[] a = si.shape(n, 0);
    int[] b = si.shape(n, 1);
    int m = a == null || a.length != 2 ? -1 : attrLong(n, "transA", 0) != 0 ? a[1] : a[0];
    int nn = b == null || b.length != 2 ? -1 : attrLong(n, "transB", 0) != 0 ? b[0] : b[1];
    return one(si.type(n, 0), new int[] {m, nn});
  }

  static Info[] matmul(ShapeInference si, Node n) {
    boolean q = n.opType().equals("QLinearMatMul");
    int[] a = si.shape(n, 0);
    int[] b = si.shape(n, q ? 3 : 1);
    DType t = n.opType().equals("MatMulInteger") ? DType.I32 : q ? si.type(n, 7) : si.type(n, 0);
    return one(t, matmulShape(a, b));
  }

  /** numpy matmul: 1-D operands gain and then lose a dimension, batch dimensions broadcast. */
  private static int[] matmulShape(int[] a, int[] b) {
    if (a == null || b == null || a.length == 0 || b.length == 0) {
      return null;
    }
    int[] aa = a.length == 1 ? new int[] {1, a[0]} : a;
    int[] bb = b.length == 1 ? new int[] {b[0], 1} : b;
    int[] batch = ElementwiseShapes.broadcast(Arrays.copyOf(aa, aa.length - 2), Arrays.copyOf(bb, bb.length - 2));
    int[] out = Arrays.copyOf(batch, batch.length + 2);
    out[batch.length] = aa[aa.length - 2];
    out[batch.length + 1] = bb[bb.length - 1];
    if (a.length == 1 && b.length == 1) {
      return new int[0];
    }
    if (a.length == 1) {
      return remove(out, out.length - 2);
    }
    if (b.length == 1) {
      return remove(out, out.length - 1);
    }
    return out;
  }

  private static int[] remove(int[] s, int i) {
    int[] r = new int[s.length - 1];
    System.arraycopy(s, 0, r, 0, i);
    System.arraycopy(s, i + 1, r, i, s.length - i - 1);
    return r;
  }
}
