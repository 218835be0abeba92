package org.quantlens.engine.graph;

import static org.quantlens.engine.graph.ShapeInference.*;

import org.quantlens.engine.tensor.DType;

/**
 * Shape rules of elementwise ops: broadcasting, Where, Cast, and the integer arithmetic
 * PyTorch exports for sizes (on partial data).
 * Each rule reads what {@link ShapeInference} knows of a node's inputs.
 */
final class ElementwiseShapes {
  private ElementwiseShapes() {}

  /** Broadcast of shapes with unknown dimensions; null when a rank is unknown. */
  static int[] broadcast(int[] a, int[] b) {
    if (a == null || b == null) {
      return null;
    }
    int r = Math.max(a.length, b.length);
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      int da = i < r - a.length ? 1 : a[i - (r - a.length)];
      int db = i < r - b.length ? 1 : b[i - (r - b.length)];
      if (da == 1) {
        out[i] = db;
      } else if (db == 1) {
        out[i] = da;
      } else if (da < 0) {
        out[i] = db; // an unknown dimension must be 1 or db
      } else {
        out[i] = da;
      }
    }
    return out;
  }

  static Info[] broadcastOp(ShapeInference si, Node n, DType t) {
    int[] s = si.shape(n, 0);
    for (int i = 1; i < n.inputs().size(); i++) {
      s = broadcast(s, si.shape(n, i));
    }
    long[] d = n.inputs().size() == 2 ? arith(n.opType(), si.data(n, 0), si.data(n, 1)) : null;
    return one(t, s, d);
  }

  /** Integer arithmetic on partial data (PyTorch computes sizes with it). */
  private static long[] arith(String op, long[] a, long[] b) {
    if (a == null || b == null || (a.length != b.length && a.length != 1 && b.length != 1)) {
      return null;
    }
    int len = Math.max(a.length, b.length);
    long[] r = new long[len];
    for (int i = 0; i < len; i++) {
      long x = a[a.length == 1 ? 0 : i];
      long y = b[b.length == 1 ? 0 : i];
      if (unknown(x) || unknown(y)) {
        r[i] = UNKNOWN;
        continue;
      }
      switch (op) {
        case "Add": r[i] = x + y; break;
        case "Sub": r[i] = x - y; break;
        case "Mul": r[i] = x * y; break;
        case "Div": r[i] = y == 0 ? UNKNOWN : x / y; break;
        default: return null;
      }
    }
    return r;
  }

  static Info[] where(ShapeInference si, Node n) {
    return one(si.type(n, 1), broadcast(broadcast(si.shape(n, 0), si.shape(n, 1)), si.shape(n, 2)));
  }

  static Info[] cast(ShapeInference si, Node n) {
    Attribute to = n.attributes().get("to");
    DType t = null;
    if (to != null && to.kind() == Attribute.Kind.INT) {
      DType[] byCode = {null, DType.F32, DType.U8, DType.I8, DType.U16, DType.I16, DType.I32,
          DType.I64, null, DType.BOOL, DType.F16, DType.F64, DType.U32, DType.U64};
      long c = to.asLong();
      t = c > 0 && c < byCode.length ? byCode[(int) c] : null;
    }
    return one(t, si.shape(n, 0), castData(si.data(n, 0), t));
  }

  /** Partial data survives casts between the tracked integer types (values stay small). */
  static long[] castData(long[] d, DType to) {
    if (d == null || to != DType.I64 && to != DType.I32) {
      return null;
    }
    for (long v : d) {
      if (to == DType.I32 && !unknown(v) && v != (int) v) {
        return null; // would wrap
      }
    }
    return d;
  }
}
