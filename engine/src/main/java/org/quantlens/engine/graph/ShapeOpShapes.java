package org.quantlens.engine.graph;

import static org.quantlens.engine.graph.ShapeInference.*;

import java.util.Arrays;
import java.util.Map;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Shape rules of the ops that make or reinterpret shapes: Shape, Constant, ConstantOfShape,
 * Reshape, Flatten.
 * Each rule reads what {@link ShapeInference} knows of a node's inputs.
 */
final class ShapeOpShapes {
  private ShapeOpShapes() {}

  static Info[] shapeOp(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    if (x == null) {
      return one(DType.I64, new int[] {-1});
    }
    int from = 0;
    int to = x.length;
    if (si.g.opset("") >= 15) {
      long st = attrLong(n, "start", 0);
      long en = n.attributes().containsKey("end") ? attrLong(n, "end", 0) : x.length;
      st = Math.max(0, Math.min(x.length, st < 0 ? st + x.length : st));
      en = Math.max(0, Math.min(x.length, en < 0 ? en + x.length : en));
      from = (int) st;
      to = (int) Math.max(st, en);
    }
    long[] d = new long[to - from];
    for (int i = 0; i < d.length; i++) {
      d[i] = x[from + i] < 0 ? si.symbol(n.input(0), from + i) : x[from + i];
    }
    return one(DType.I64, new int[] {d.length}, d);
  }

  static Info[] constantOp(ShapeInference si, Node n) {
    Map<String, Attribute> a = n.attributes();
    if (a.containsKey("value")) {
      Tensor t = a.get("value").asTensor();
      return one(t.dtype(), t.shape(), dataOf(t));
    }
    if (a.containsKey("value_float")) {
      return one(DType.F32, new int[0]);
    }
    if (a.containsKey("value_floats")) {
      return one(DType.F32, new int[] {a.get("value_floats").asFloats().length});
    }
    if (a.containsKey("value_int")) {
      return one(DType.I64, new int[0], new long[] {a.get("value_int").asLong()});
    }
    if (a.containsKey("value_ints")) {
      long[] v = a.get("value_ints").asLongs();
      return one(DType.I64, new int[] {v.length}, v.length <= MAX_DATA ? v : null);
    }
    return null;
  }

  static Info[] constantOfShape(ShapeInference si, Node n) {
    Attribute v = n.attributes().get("value");
    DType t = v == null ? DType.F32 : v.asTensor().dtype();
    long[] d = si.data(n, 0);
    if (d != null) {
      return one(t, toDims(d));
    }
    int[] s = si.shape(n, 0);
    return one(t, s == null || s.length != 1 || s[0] < 0 ? null : unknownDims(s[0]));
  }

  static int[] toDims(long[] d) {
    int[] s = new int[d.length];
    for (int i = 0; i < d.length; i++) {
      s[i] = d[i] == UNKNOWN || d[i] < 0 || d[i] > Integer.MAX_VALUE ? -1 : (int) d[i];
    }
    return s;
  }

  static Info[] reshape(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    long[] spec = si.g.opset("") < 5 ? attrLongs(n, "shape") : si.data(n, 1);
    boolean allowZero = attrLong(n, "allowzero", 0) != 0;
    if (spec == null) {
      int[] s = si.shape(n, 1);
      return one(si.type(n, 0), s == null || s.length != 1 || s[0] < 0 ? null : unknownDims(s[0]));
    }
    int[] out = new int[spec.length];
    boolean[] used = x == null ? null : new boolean[x.length];
    int infer = -1;
    long known = 1;
    for (int i = 0; i < spec.length; i++) {
      long v = spec[i];
      if (v == 0 && !allowZero) {
        v = x == null || i >= x.length ? UNKNOWN : x[i] < 0 ? si.symbol(n.input(0), i) : x[i];
      }
      Object[] sym = si.symbolOf(v);
      if (v == -1) {
        infer = i;
        out[i] = -1;
      } else if (sym != null && used != null && sym[0].equals(n.input(0)) && !used[(int) sym[1]]) {
        out[i] = -1; // the same unknown dimension of the input: cancels out of the element count
        used[(int) sym[1]] = true;
      } else if (unknown(v) || v < 0) {
        out[i] = -1;
        known = -1;
      } else {
        out[i] = (int) v;
        known = known < 0 ? -1 : known * v;
      }
    }
    long size = 1;
    for (int i = 0; x != null && i < x.length; i++) {
      size = used[i] || size < 0 ? size : x[i] < 0 ? -1 : size * x[i];
    }
    if (infer >= 0 && known > 0 && x != null && size >= 0) {
      out[infer] = (int) (size / known);
    }
    long[] d = si.data(n, 0);
    return one(si.type(n, 0), out, d != null && out.length <= 1 ? d : null);
  }

  static Info[] flatten(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    if (x == null) {
      return one(si.type(n, 0), new int[] {-1, -1});
    }
    long a = attrLong(n, "axis", 1);
    int k = (int) Math.max(0, Math.min(x.length, a < 0 ? a + x.length : a)); // the op reports a bad axis
    long p = product(Arrays.copyOfRange(x, 0, k));
    long q = product(Arrays.copyOfRange(x, k, x.length));
    return one(si.type(n, 0), new int[] {(int) p, (int) q});
  }
}
