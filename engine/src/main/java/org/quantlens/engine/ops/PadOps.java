package org.quantlens.engine.ops;

import static org.quantlens.engine.ops.ShapeSupport.fail;
import static org.quantlens.engine.ops.ShapeSupport.longs;

import java.util.Arrays;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.kernels.Copy;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Pad: attributes ({@code paddings} at opset 1, {@code pads}/{@code value} from 2), inputs from 11
 * ({@code pads}, {@code constant_value}, and {@code axes} from 18). Modes constant, reflect, edge
 * and wrap; negative pads crop. Each output row is a constant fill, or a contiguous copy of the
 * input row's kept part with the padded ends read through an index map.
 */
final class PadOps {
  private PadOps() {}

  static void register(OpRegistry r) {
    r.register("Pad", 1, PadOps::pad);
    r.register("Pad", 2, PadOps::pad);
    r.register("Pad", 11, PadOps::pad);
    r.register("Pad", 18, PadOps::pad);
    r.register("Pad", 19, PadOps::pad);
  }

  private enum Mode { CONSTANT, REFLECT, EDGE, WRAP }

  private static Operator pad(NodeContext ctx) {
    Node node = ctx.node();
    Mode mode;
    switch (ctx.attrString("mode", "constant")) {
      case "constant": mode = Mode.CONSTANT; break;
      case "reflect": mode = Mode.REFLECT; break;
      case "edge": mode = Mode.EDGE; break;
      case "wrap": mode = Mode.WRAP; break;
      default: throw ctx.error("mode must be constant, reflect, edge or wrap, got '"
          + ctx.attrString("mode", "") + "'");
    }
    boolean attrs = ctx.opset() < 11;
    long[] aPads = attrs ? ctx.attrLongs(ctx.opset() < 2 ? "paddings" : "pads", null) : null;
    float aValue = ctx.attrFloat("value", 0f);
    if (attrs && aPads == null) {
      throw ctx.error("attribute 'pads' is required before opset 11");
    }
    return (in, ec) -> {
      Tensor x = in[0];
      long[] pads = attrs ? aPads : longs(node, in[1], "pads");
      long[] axes = !attrs && in.length > 3 && in[3] != null ? longs(node, in[3], "axes") : null;
      Tensor value = attrs ? Tensor.scalar(aValue) : in.length > 2 ? in[2] : null;
      Object fill = ShapeSupport.scalarArray(value, x.dtype());
      return ec.result(run(node, x, pads, axes, mode, fill));
    };
  }

  /** Begin and end pads per dimension, {@code {begin[], end[]}}. */
  static long[][] perDim(Node node, int rank, long[] pads, long[] axes) {
    int[] ax;
    if (axes == null) {
      ax = new int[rank];
      for (int i = 0; i < rank; i++) {
        ax[i] = i;
      }
    } else {
      ax = ShapeSupport.axes(node, axes, rank, "Pad");
    }
    if (pads.length != 2 * ax.length) {
      throw fail(node, "pads has " + pads.length + " values, expected " + 2 * ax.length);
    }
    long[] begin = new long[rank];
    long[] end = new long[rank];
    for (int i = 0; i < ax.length; i++) {
      begin[ax[i]] = pads[i];
      end[ax[i]] = pads[i + ax.length];
    }
    return new long[][] {begin, end};
  }

  private static Tensor run(Node node, Tensor x, long[] pads, long[] axes, Mode mode, Object fill) {
    int[] s = x.shape();
    int r = s.length;
    long[][] be = perDim(node, r, pads, axes);
    int[] outShape = new int[r];
    int[][] maps = new int[r][];
    int[] begin = new int[r];
    for (int d = 0; d < r; d++) {
      long o = s[d] + be[0][d] + be[1][d];
      if (o < 0 || o > Integer.MAX_VALUE) {
        throw fail(node, "pads " + Arrays.toString(pads) + " give dimension " + d + " size " + o);
      }
      if (mode != Mode.CONSTANT && s[d] == 0 && o > 0) {
        throw fail(node, "cannot pad an empty dimension in " + mode.name().toLowerCase() + " mode");
      }
      outShape[d] = (int) o;
      begin[d] = (int) be[0][d];
      maps[d] = map(s[d], begin[d], outShape[d], mode);
    }
    Tensor out = Tensor.zeros(x.dtype(), outShape);
    if (out.size() == 0) {
      return out;
    }
    if (r == 0) {
      System.arraycopy(x.data(), 0, out.data(), 0, 1);
      return out;
    }
    int[] xs = Shapes.strides(s);
    int n = s[r - 1];
    int on = outShape[r - 1];
    int[] inner = maps[r - 1];
    int b = begin[r - 1];
    int lo = Math.max(0, b);
    int hi = Math.max(lo, Math.min(on, b + n));
    int rows = out.size() / on;
    int[] pos = new int[r - 1];
    Object src = x.data();
    Object dst = out.data();
    for (int row = 0, d0 = 0; row < rows; row++, d0 += on) {
      int off = 0;
      boolean blank = false;
      for (int d = 0; d < r - 1; d++) {
        int m = maps[d][pos[d]];
        blank |= m < 0;
        off += m * xs[d];
      }
      if (blank) {
        Copy.fill(dst, d0, d0 + on, fill);
      } else {
        System.arraycopy(src, off + lo - b, dst, d0 + lo, hi - lo);
        if (mode == Mode.CONSTANT) {
          Copy.fill(dst, d0, d0 + lo, fill);
          Copy.fill(dst, d0 + hi, d0 + on, fill);
        } else {
          Copy.gather(src, off, inner, 0, dst, d0, lo);
          Copy.gather(src, off, inner, hi, dst, d0 + hi, on - hi);
        }
      }
      for (int d = r - 2; d >= 0 && ++pos[d] == outShape[d]; d--) {
        pos[d] = 0;
      }
    }
    return out;
  }

  /** For each output coordinate of one dimension, the input coordinate it reads (-1: constant). */
  private static int[] map(int n, int begin, int out, Mode mode) {
    int[] m = new int[out];
    for (int o = 0; o < out; o++) {
      long i = (long) o - begin;
      if (i >= 0 && i < n) {
        m[o] = (int) i;
        continue;
      }
      switch (mode) {
        case CONSTANT:
          m[o] = -1;
          break;
        case EDGE:
          m[o] = i < 0 ? 0 : n - 1;
          break;
        case WRAP:
          m[o] = (int) Math.floorMod(i, (long) n);
          break;
        default: { // REFLECT: mirror without repeating the edge, period 2(n-1)
          if (n == 1) {
            m[o] = 0;
            break;
          }
          long p = 2L * (n - 1);
          long k = Math.floorMod(i, p);
          m[o] = (int) (k < n ? k : p - k);
        }
      }
    }
    return m;
  }
}
