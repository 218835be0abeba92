package org.quantlens.engine.graph;

import static org.quantlens.engine.graph.ShapeInference.*;

import java.util.Arrays;

/**
 * Shape rules of the data-movement ops: Transpose, Squeeze/Unsqueeze, Concat, Gather, Slice,
 * Split, Pad, Expand, Tile, DepthToSpace/SpaceToDepth.
 * Each rule reads what {@link ShapeInference} knows of a node's inputs.
 */
final class LayoutShapes {
  private LayoutShapes() {}

  static Info[] transpose(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    if (x == null) {
      return one(si.type(n, 0), null);
    }
    long[] perm = attrLongs(n, "perm");
    int[] out = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[perm == null ? x.length - 1 - i : (int) perm[i]];
    }
    return one(si.type(n, 0), out);
  }

  /** Axes of Squeeze/Unsqueeze: attribute before 13, input from 13 (null when unknown). */
  private static long[] axesArg(ShapeInference si, Node n) {
    if (si.g.opset("") < 13) {
      return attrLongs(n, "axes");
    }
    return n.input(1).isEmpty() ? null : si.fullData(n, 1);
  }

  static Info[] squeeze(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    long[] axes = axesArg(si, n);
    boolean given = si.g.opset("") < 13 ? axes != null : !n.input(1).isEmpty();
    if (x == null || given && axes == null) {
      return one(si.type(n, 0), null, null);
    }
    boolean[] drop = new boolean[x.length];
    if (axes == null) {
      for (int i = 0; i < x.length; i++) {
        if (x[i] < 0) {
          return one(si.type(n, 0), null); // might or might not be 1
        }
        drop[i] = x[i] == 1;
      }
    } else {
      for (long a : axes) {
        drop[norm(a, x.length)] = true;
      }
    }
    int[] out = ReduceNormShapes.reduced(x, drop, false);
    return one(si.type(n, 0), out, si.data(n, 0));
  }

  static Info[] unsqueeze(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    long[] axes = axesArg(si, n);
    if (x == null || axes == null) {
      return one(si.type(n, 0), null);
    }
    int rank = x.length + axes.length;
    boolean[] ins = new boolean[rank];
    for (long a : axes) {
      ins[norm(a, rank)] = true;
    }
    int[] out = new int[rank];
    for (int i = 0, j = 0; i < rank; i++) {
      out[i] = ins[i] ? 1 : x[j++];
    }
    long[] d = si.data(n, 0);
    return one(si.type(n, 0), out, out.length <= 1 ? d : null);
  }

  static Info[] concat(ShapeInference si, Node n) {
    int k = n.inputs().size();
    int[] first = si.shape(n, 0);
    if (first == null) {
      return one(si.type(n, 0), null);
    }
    int a = norm(attrLong(n, "axis", 1), first.length);
    int[] out = first.clone();
    boolean allData = first.length == 1;
    long total = 0;
    for (int i = 0; i < k; i++) {
      int[] s = si.shape(n, i);
      if (s == null || s.length != first.length) {
        int[] u = unknownDims(first.length);
        return one(si.type(n, 0), u);
      }
      for (int d = 0; d < s.length; d++) {
        if (d != a && out[d] < 0) {
          out[d] = s[d];
        }
      }
      total = total < 0 || s[a] < 0 ? -1 : total + s[a];
      allData &= si.data(n, i) != null;
    }
    out[a] = (int) total;
    long[] d = null;
    if (allData) {
      d = new long[0];
      for (int i = 0; i < k; i++) {
        long[] di = si.data(n, i);
        d = Arrays.copyOf(d, d.length + di.length);
        System.arraycopy(di, 0, d, d.length - di.length, di.length);
      }
    }
    return one(si.type(n, 0), out, d);
  }

  static Info[] gather(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    int[] q = si.shape(n, 1);
    if (x == null || q == null) {
      return one(si.type(n, 0), null);
    }
    int a = norm(attrLong(n, "axis", 0), x.length);
    int[] out = new int[x.length - 1 + q.length];
    System.arraycopy(x, 0, out, 0, a);
    System.arraycopy(q, 0, out, a, q.length);
    System.arraycopy(x, a + 1, out, a + q.length, x.length - a - 1);
    long[] d = si.data(n, 0);
    long[] idx = d != null && x.length == 1 ? si.fullData(n, 1) : null;
    long[] gd = null;
    if (idx != null) {
      gd = new long[idx.length];
      for (int i = 0; i < idx.length; i++) {
        long j = idx[i] < 0 ? idx[i] + d.length : idx[i];
        gd[i] = j >= 0 && j < d.length ? d[(int) j] : UNKNOWN;
      }
    }
    return one(si.type(n, 0), out, gd);
  }

  static Info[] slice(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    boolean attrs = si.g.opset("") < 10;
    long[] starts = attrs ? attrLongs(n, "starts") : si.fullData(n, 1);
    long[] ends = attrs ? attrLongs(n, "ends") : si.fullData(n, 2);
    long[] axes = attrs ? attrLongs(n, "axes") : n.input(3).isEmpty() ? null : si.fullData(n, 3);
    long[] steps = attrs || n.input(4).isEmpty() ? null : si.fullData(n, 4);
    boolean missing = starts == null || ends == null || !attrs && !n.input(3).isEmpty() && axes == null
        || !attrs && !n.input(4).isEmpty() && steps == null;
    if (x == null) {
      return one(si.type(n, 0), null);
    }
    if (missing) {
      return one(si.type(n, 0), unknownDims(x.length));
    }
    int[] out = x.clone();
    long[] ax = axes;
    if (ax == null) {
      ax = new long[starts.length];
      for (int i = 0; i < ax.length; i++) {
        ax[i] = i;
      }
    }
    int[][] plan = new int[x.length][];
    for (int i = 0; i < ax.length; i++) {
      int a = norm(ax[i], x.length);
      long dim = x[a];
      long st = steps == null ? 1 : steps[i];
      if (dim < 0 || st == 0) {
        out[a] = -1;
        continue;
      }
      long s = starts[i] < 0 ? starts[i] + dim : starts[i];
      long e = ends[i] < 0 ? ends[i] + dim : ends[i];
      long count;
      if (st > 0) {
        s = Math.max(0, Math.min(dim, s));
        e = Math.max(0, Math.min(dim, e));
        count = e > s ? (e - s + st - 1) / st : 0;
      } else {
        s = Math.max(0, Math.min(dim - 1, s));
        e = Math.max(-1, Math.min(dim - 1, e));
        count = s > e ? (s - e - st - 1) / -st : 0;
      }
      out[a] = (int) count;
      plan[a] = new int[] {(int) s, (int) Math.max(-Integer.MAX_VALUE, Math.min(Integer.MAX_VALUE, st))};
    }
    long[] d = si.data(n, 0);
    long[] sd = null;
    if (d != null && x.length == 1 && out[0] >= 0) {
      int s = plan[0] == null ? 0 : plan[0][0];
      int st = plan[0] == null ? 1 : plan[0][1];
      sd = new long[out[0]];
      for (int i = 0; i < sd.length; i++) {
        sd[i] = d[s + i * st];
      }
    }
    return one(si.type(n, 0), out, sd);
  }

  static Info[] split(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    int outs = n.outputs().size();
    Info[] r = new Info[outs];
    if (x == null) {
      Arrays.fill(r, new Info(si.type(n, 0), null));
      return r;
    }
    int a = norm(attrLong(n, "axis", 0), x.length);
    long[] spec = si.g.opset("") >= 13 || si.g.opset("") < 2 && !n.input(1).isEmpty()
        ? (n.input(1).isEmpty() ? null : si.fullData(n, 1)) : attrLongs(n, "split");
    boolean unknown = spec == null && (si.g.opset("") >= 13 && !n.input(1).isEmpty() || x[a] < 0);
    for (int k = 0; k < outs; k++) {
      int[] s = x.clone();
      if (unknown) {
        s[a] = -1;
      } else if (spec != null) {
        s[a] = (int) spec[k];
      } else {
        int part = (x[a] + outs - 1) / outs;
        s[a] = Math.max(0, Math.min(part, x[a] - part * k));
      }
      r[k] = new Info(si.type(n, 0), s);
    }
    return r;
  }

  static Info[] pad(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    boolean attrs = si.g.opset("") < 11;
    long[] pads = attrs ? attrLongs(n, si.g.opset("") < 2 ? "paddings" : "pads") : si.fullData(n, 1);
    long[] axes = attrs || n.input(3).isEmpty() ? null : si.fullData(n, 3);
    if (x == null) {
      return one(si.type(n, 0), null);
    }
    if (pads == null || !attrs && !n.input(3).isEmpty() && axes == null) {
      return one(si.type(n, 0), unknownDims(x.length));
    }
    int k = axes == null ? x.length : axes.length;
    int[] out = x.clone();
    for (int i = 0; i < k; i++) {
      int a = axes == null ? i : norm(axes[i], x.length);
      out[a] = x[a] < 0 ? -1 : (int) (x[a] + pads[i] + pads[i + k]);
    }
    return one(si.type(n, 0), out);
  }

  static Info[] expand(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    long[] d = si.data(n, 1);
    if (d == null) {
      return one(si.type(n, 0), null);
    }
    int[] target = ShapeOpShapes.toDims(d);
    if (x == null) {
      return one(si.type(n, 0), null);
    }
    // Unlike plain broadcasting, an unknown target entry may be 1 and keep x's dimension.
    int r = Math.max(x.length, target.length);
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      int dx = i < r - x.length ? 1 : x[i - (r - x.length)];
      int dt = i < r - target.length ? 1 : target[i - (r - target.length)];
      out[i] = dt == 1 ? dx : dx == 1 ? dt : dt < 0 ? (dx > 1 ? dx : -1) : dt;
    }
    return one(si.type(n, 0), out);
  }

  static Info[] tile(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    long[] reps = si.g.opset("") >= 6 ? si.fullData(n, 1) : null;
    if (x == null) {
      return one(si.type(n, 0), null);
    }
    if (reps == null || reps.length != x.length) {
      return one(si.type(n, 0), unknownDims(x.length));
    }
    int[] out = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] < 0 ? -1 : (int) (x[i] * reps[i]);
    }
    return one(si.type(n, 0), out);
  }

  static Info[] depthSpace(ShapeInference si, Node n) {
    int[] x = si.shape(n, 0);
    int b = (int) attrLong(n, "blocksize", 1);
    if (x == null || x.length != 4) {
      return one(si.type(n, 0), null);
    }
    boolean d2s = n.opType().equals("DepthToSpace");
    int c = x[1] < 0 ? -1 : d2s ? x[1] / (b * b) : x[1] * b * b;
    int h = x[2] < 0 ? -1 : d2s ? x[2] * b : x[2] / b;
    int w = x[3] < 0 ? -1 : d2s ? x[3] * b : x[3] / b;
    return one(si.type(n, 0), new int[] {x[0], c, h, w});
  }
}
