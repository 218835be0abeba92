package org.quantlens.engine.ops;

import static org.quantlens.engine.ops.ShapeSupport.fail;

import java.util.Arrays;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.kernels.Copy;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/** Transpose, DepthToSpace and SpaceToDepth: each is one strided copy of its input. */
final class TransposeOps {
  private TransposeOps() {}

  static void register(OpRegistry r) {
    r.register("Transpose", 1, TransposeOps::transpose);
    r.register("DepthToSpace", 1, ctx -> depthToSpace(ctx, false));
    r.register("DepthToSpace", 11, ctx -> depthToSpace(ctx, true));
    r.register("SpaceToDepth", 1, TransposeOps::spaceToDepth);
  }

  private static Operator transpose(NodeContext ctx) {
    Node node = ctx.node();
    int[] perm = ctx.attrInts("perm", null);
    // {output shape, the copy's coalesced view (Copy.coalesce)} of the last input shape: no
    // shape arrays per call
    ShapeKeyed<Object[]> plans = new ShapeKeyed<>();
    return (in, ec) -> {
      Tensor x = in[0];
      Object[] plan = plans.get(x);
      if (plan == null) {
        int[] p = perm == null ? reversed(x.rank()) : perm;
        checkPerm(node, p, x.rank());
        int[][] permuted = permutation(x.shape(), p);
        plan = plans.put(x, new Object[] {permuted[0], Copy.coalesce(permuted[0], permuted[1])});
      }
      Tensor out = ec.allocate(x.dtype(), (int[]) plan[0]);
      Copy.strided(ec, x.data(), 0, (int[][]) plan[1], out.data(), 0);
      return ec.result(out);
    };
  }

  /** {output shape, source strides} of permuting the axes of {@code shape} by {@code perm}. */
  private static int[][] permutation(int[] shape, int[] perm) {
    int[] strides = Shapes.strides(shape);
    int[] outShape = new int[perm.length];
    int[] srcStrides = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      outShape[i] = shape[perm[i]];
      srcStrides[i] = strides[perm[i]];
    }
    return new int[][] {outShape, srcStrides};
  }

  static int[] reversed(int rank) {
    int[] p = new int[rank];
    for (int i = 0; i < rank; i++) {
      p[i] = rank - 1 - i;
    }
    return p;
  }

  static void checkPerm(Node node, int[] perm, int rank) {
    boolean[] seen = new boolean[rank];
    boolean ok = perm.length == rank;
    for (int i = 0; ok && i < perm.length; i++) {
      ok = perm[i] >= 0 && perm[i] < rank && !seen[perm[i]];
      if (ok) {
        seen[perm[i]] = true;
      }
    }
    if (!ok) {
      throw fail(node, "perm " + Arrays.toString(perm) + " is no permutation of rank " + rank);
    }
  }

  /**
   * Views {@code x}'s data as {@code shape} (same element count), permutes the axes by
   * {@code perm} and copies: output axis i is view axis perm[i].
   */
  static Tensor permute(ExecContext ec, Tensor x, int[] shape, int[] perm) {
    int[][] plan = permutation(shape, perm);
    Tensor out = ec.allocate(x.dtype(), plan[0]);
    Copy.strided(ec, x.data(), 0, plan[0], plan[1], out.data(), 0);
    return out;
  }

  private static int[] nchw(Node node, Tensor x) {
    if (x.rank() != 4) {
      throw fail(node, "expected a 4-D NCHW input, got shape " + Arrays.toString(x.shape()));
    }
    return x.shape();
  }

  /** Largest block whose square fits an int: b * b must not overflow (the fuzzer found it did). */
  private static final int MAX_BLOCK = 46340;

  private static Operator depthToSpace(NodeContext ctx, boolean modes) {
    Node node = ctx.node();
    int b = ctx.attrInt("blocksize", 0);
    String mode = modes ? ctx.attrString("mode", "DCR") : "DCR";
    if (b < 1 || b > MAX_BLOCK) {
      throw ctx.error("blocksize must be in 1.." + MAX_BLOCK + ", got " + b);
    }
    if (!mode.equals("DCR") && !mode.equals("CRD")) {
      throw ctx.error("mode must be DCR or CRD, got " + mode);
    }
    boolean dcr = mode.equals("DCR");
    return (in, ec) -> {
      int[] s = nchw(node, in[0]);
      if (s[1] % (b * b) != 0) {
        throw fail(node, "channels " + s[1] + " are not divisible by blocksize^2 = " + b * b);
      }
      int c = s[1] / (b * b);
      Tensor y = dcr
          ? permute(ec, in[0], new int[] {s[0], b, b, c, s[2], s[3]}, new int[] {0, 3, 4, 1, 5, 2})
          : permute(ec, in[0], new int[] {s[0], c, b, b, s[2], s[3]}, new int[] {0, 1, 4, 2, 5, 3});
      return ec.result(y.reshape(s[0], c, s[2] * b, s[3] * b));
    };
  }

  private static Operator spaceToDepth(NodeContext ctx) {
    Node node = ctx.node();
    int b = ctx.attrInt("blocksize", 0);
    if (b < 1 || b > MAX_BLOCK) {
      throw ctx.error("blocksize must be in 1.." + MAX_BLOCK + ", got " + b);
    }
    return (in, ec) -> {
      int[] s = nchw(node, in[0]);
      if (s[2] % b != 0 || s[3] % b != 0) {
        throw fail(node, "spatial size " + s[2] + "x" + s[3] + " is not divisible by " + b);
      }
      int h = s[2] / b;
      int w = s[3] / b;
      Tensor y = permute(ec, in[0], new int[] {s[0], s[1], h, b, w, b}, new int[] {0, 3, 5, 1, 2, 4});
      return ec.result(y.reshape(s[0], s[1] * b * b, h, w));
    };
  }
}
