package org.quantlens.engine.graph;

import static org.quantlens.engine.graph.ShapeInference.*;

import java.util.Arrays;
import org.quantlens.engine.tensor.DType;

/**
 * Shape rules of reductions, ArgMax/ArgMin, normalisation and the recurrent layers.
 * Each rule reads what {@link ShapeInference} knows of a node's inputs.
 */
final class ReduceNormShapes {
  private ReduceNormShapes() {}

  static Info[] reduce(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    boolean keep = attrLong(n, "keepdims", 1) != 0;
    boolean axesInput = si.g.opset("") >= (n.opType().equals("ReduceSum") ? 13 : 18);
    long[] axes = axesInput ? (n.input(1).isEmpty() ? new long[0] : si.fullData(n, 1)) : attrLongs(n, "axes");
    boolean unknownAxes = axesInput && !n.input(1).isEmpty() && axes == null;
    if (x == null) {
      return one(si.type(n, 0), null);
    }
    if (unknownAxes) {
      return one(si.type(n, 0), keep ? unknownDims(x.length) : null);
    }
    if (axes == null || axes.length == 0) {
      if (axesInput && attrLong(n, "noop_with_empty_axes", 0) != 0) {
        return one(si.type(n, 0), x);
      }
      axes = new long[x.length];
      for (int i = 0; i < x.length; i++) {
        axes[i] = i;
      }
    }
    boolean[] red = new boolean[x.length];
    for (long a : axes) {
      red[norm(a, x.length)] = true;
    }
    return one(si.type(n, 0), reduced(x, red, keep));
  }

  static int[] reduced(int[] x, boolean[] red, boolean keep) {
    int[] out = new int[x.length];
    int k = 0;
    for (int i = 0; i < x.length; i++) {
      if (!red[i]) {
        out[k++] = x[i];
      } else if (keep) {
        out[k++] = 1;
      }
    }
    return Arrays.copyOf(out, k);
  }

  static Info[] argReduce(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    if (x == null) {
      return one(DType.I64, null);
    }
    boolean[] red = new boolean[x.length];
    red[norm(attrLong(n, "axis", 0), x.length)] = true;
    return one(DType.I64, reduced(x, red, attrLong(n, "keepdims", 1) != 0));
  }

  static Info[] batchNorm(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    int[] c = new int[] {x == null || x.length < 2 ? -1 : x[1]};
    DType t = si.type(n, 0);
    return new Info[] {new Info(t, x), new Info(t, c), new Info(t, c), new Info(t, c), new Info(t, c)};
  }

  static Info[] layerNorm(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    if (x == null) {
      return one(si.type(n, 0), null);
    }
    int axis = norm(attrLong(n, "axis", -1), x.length);
    int[] stat = x.clone();
    for (int i = axis; i < stat.length; i++) {
      stat[i] = 1;
    }
    return new Info[] {new Info(si.type(n, 0), x), new Info(DType.F32, stat), new Info(DType.F32, stat)};
  }

  static Info[] recurrent(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    DType t = si.type(n, 0);
    long hidden = attrLong(n, "hidden_size", -1);
    int dirs = attrString(n, "direction", "forward").equals("bidirectional") ? 2 : 1;
    if (x == null || x.length != 3) {
      return new Info[] {new Info(t, null), new Info(t, null), new Info(t, null)};
    }
    int h = (int) hidden;
    boolean batchFirst = attrLong(n, "layout", 0) != 0;
    int seq = batchFirst ? x[1] : x[0];
    int batch = batchFirst ? x[0] : x[1];
    int[] y = batchFirst ? new int[] {batch, seq, dirs, h} : new int[] {seq, dirs, batch, h};
    int[] yh = batchFirst ? new int[] {batch, dirs, h} : new int[] {dirs, batch, h};
    return new Info[] {new Info(t, y), new Info(t, yh), new Info(t, yh)};
  }
}
