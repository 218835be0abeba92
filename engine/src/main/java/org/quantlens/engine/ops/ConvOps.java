package org.quantlens.engine.ops;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.ResidualFusion;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.kernels.ConvGeometry;
import org.quantlens.engine.kernels.DirectConv;
import org.quantlens.engine.kernels.Epilogue;
import org.quantlens.engine.kernels.FloatConv;
import org.quantlens.engine.kernels.GenericConv;
import org.quantlens.engine.kernels.PackedMatrix;
import org.quantlens.engine.kernels.ResidualEpilogue;
import org.quantlens.engine.kernels.TapOffsets;
import org.quantlens.engine.kernels.Winograd;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Conv (opsets 1 and 11; later versions only widen types): N-D, groups (depthwise included),
 * strides, pads, dilations, auto_pad, kernel_shape inferred from W, optional bias, and an
 * activation fused by the graph passes ({@link FusedActivation}). Float32 runs the fast drivers of
 * {@link FloatConv} (depthwise kernel for one input channel per group in 1-D/2-D, GEMM over patch
 * panels gathered from padded planes in 1-D/2-D with constant weights, patch matrix and GEMM
 * otherwise), {@link Winograd} (3x3 stride-1 layers it suits) or {@link DirectConv} (single-group
 * 1-D/2-D convolutions it suits); float64 and float16 run {@link GenericConv} in double precision.
 * Also {@code com.quantlens.FusedConv} (X, W, B, Z), the residual fusion's {@code act(Conv(X, W,
 * B) + Z)} ({@link ResidualFusion}).
 */
public final class ConvOps implements OpFamily {
  @Override
  public void register(OpRegistry r) {
    r.register("Conv", 1, ConvOps::conv);
    r.register("Conv", 11, ConvOps::conv);
    r.register(OpRegistry.QUANTLENS_DOMAIN, ResidualFusion.OP, 1, ConvOps::conv);
  }

  /** Spatial attributes shared by Conv and the window pools. */
  static final class Window {
    final int[] kernel;
    final int[] strides;
    final int[] dilations;
    final int[] pads;
    final ConvGeometry.AutoPad autoPad;
    final boolean ceilMode;

    Window(NodeContext ctx, int[] kernel, boolean ceilMode) {
      this.kernel = kernel;
      this.strides = ctx.attrInts("strides", null);
      this.dilations = ctx.attrInts("dilations", null);
      this.pads = ctx.attrInts("pads", null);
      this.ceilMode = ceilMode;
      try {
        this.autoPad = ConvGeometry.AutoPad.parse(ctx.attrString("auto_pad", "NOTSET"));
      } catch (IllegalArgumentException e) {
        throw ctx.error(e.getMessage());
      }
      if (kernel != null) {
        int r = kernel.length;
        check(ctx, strides, r, "strides");
        check(ctx, dilations, r, "dilations");
        if (pads != null && pads.length != 2 * r) {
          throw ctx.error("pads " + Arrays.toString(pads) + " must have " + 2 * r + " values");
        }
      }
    }

    private static void check(NodeContext ctx, int[] v, int r, String what) {
      if (v != null && v.length != r) {
        throw ctx.error(what + " " + Arrays.toString(v) + " must have " + r
            + " values, as kernel_shape has");
      }
    }

    /** The geometry for input {@code x} (N, C, spatial...) with kernel {@code k}. */
    ConvGeometry geometry(NodeContext ctx, Tensor x, int[] k) {
      if (x.rank() < 3) {
        throw new ShapeMismatchException(ctx.node().describe() + ": input must be N x C x spatial"
            + " (rank >= 3), got shape " + Arrays.toString(x.shape()));
      }
      int[] in = Arrays.copyOfRange(x.shape(), 2, x.rank());
      try {
        return ConvGeometry.of(in, k, strides, dilations, pads, autoPad, ceilMode);
      } catch (ShapeMismatchException e) {
        throw new ShapeMismatchException(ctx.node().describe() + ": " + e.getMessage());
      }
    }

    /**
     * {@link Winograd#tile} of the input shape the graph declares: 0 where a side is unknown or
     * the shape does not suit.
     */
    int declaredTile(NodeContext ctx, int[] k) {
      Value info = ctx.inputInfo(0);
      int[] shape = info == null ? null : info.shape();
      if (shape == null || shape.length != k.length + 2) {
        return 0;
      }
      int[] in = Arrays.copyOfRange(shape, 2, shape.length);
      for (int d : in) {
        if (d <= 0) {
          return 0;
        }
      }
      try {
        return Winograd.tile(ConvGeometry.of(in, k, strides, dilations, pads, autoPad, ceilMode));
      } catch (ShapeMismatchException e) {
        return 0; // reported, with the node, when the input comes
      }
    }

    /** A geometry and the output shape it gives (never modified: cached per input shape). */
    static final class Shaped {
      final ConvGeometry geometry;
      final int[] outShape;

      Shaped(ConvGeometry geometry, int[] outShape) {
        this.geometry = geometry;
        this.outShape = outShape;
      }
    }

    /** {@code [N, C, out...]}. */
    static int[] outShape(int n, int c, ConvGeometry g) {
      int[] s = new int[2 + g.rank];
      s[0] = n;
      s[1] = c;
      System.arraycopy(g.out, 0, s, 2, g.rank);
      return s;
    }
  }

  /** The epilogue running a fused activation: clamps inside the kernels, others after. */
  static Epilogue epilogue(FusedActivation act) {
    switch (act.kind()) {
      case "":
        return Epilogue.NONE;
      case "Relu":
        return new Epilogue(0f, Float.POSITIVE_INFINITY, null);
      case "Clip":
        return new Epilogue(act.min(), act.max(), null);
      default:
        return new Epilogue(Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, act::apply);
    }
  }

  private static Operator conv(NodeContext ctx) {
    int[] kernelAttr = ctx.attrInts("kernel_shape", null);
    int group = ctx.attrInt("group", 1);
    if (group < 1) {
      throw ctx.error("group must be positive, got " + group);
    }
    Tensor wConst = ctx.constant(1);
    int[] kernel = kernelAttr;
    if (wConst != null) {
      if (wConst.rank() < 3) {
        throw ctx.error("weights W must be M x C/group x k1 x ..., got shape "
            + Arrays.toString(wConst.shape()));
      }
      int[] wk = Arrays.copyOfRange(wConst.shape(), 2, wConst.rank());
      if (kernel != null && !Arrays.equals(kernel, wk)) {
        throw ctx.error("kernel_shape " + Arrays.toString(kernel) + " disagrees with W's shape "
            + Arrays.toString(wConst.shape()));
      }
      kernel = wk;
      if (wConst.dim(0) % group != 0) {
        throw ctx.error("W has " + wConst.dim(0) + " output channels, not divisible by group " + group);
      }
    }
    Window win = new Window(ctx, kernel, false);
    FusedActivation act = FusedActivation.of(ctx);
    Epilogue ep = epilogue(act);
    // com.quantlens.FusedConv: Conv then + Z (input 3), then the activation
    boolean residual = ctx.node().domain().equals(OpRegistry.QUANTLENS_DOMAIN);
    Epilogue.RowFunction then = residual && !act.isNone() ? act::apply : null;
    // Constant float weights are packed once for the direct kernel or the GEMM (one A operand
    // per group), never both; the depthwise kernel reads ONNX's [C * mult, 1, kh, kw] as it is.
    float[] wPacked = wConst != null && wConst.dtype() == DType.F32 ? wConst.toFloats() : null;
    boolean depthwiseWeights = wConst != null && wConst.dim(1) == 1 && group > 1 && wConst.rank() <= 4;
    // -Dquantlens.conv.direct=false (read when a session is built) keeps every conv on GEMM,
    // for A/B timing of the two paths in one JVM.
    boolean directAllowed = Boolean.parseBoolean(System.getProperty("quantlens.conv.direct", "true"));
    // likewise -Dquantlens.conv.patches=false keeps the patch-matrix GEMM path
    boolean patchesAllowed = Boolean.parseBoolean(System.getProperty("quantlens.conv.patches",
        "true"));
    // likewise -Dquantlens.conv.winograd=false keeps 3x3 layers off the Winograd path
    boolean winogradAllowed = Boolean.parseBoolean(System.getProperty("quantlens.conv.winograd",
        "true"));
    // and -Dquantlens.conv.winograd4=false keeps them on 2x2 output tiles
    boolean tile4Allowed = Boolean.parseBoolean(System.getProperty("quantlens.conv.winograd4",
        "true"));
    // Winograd's transformed kernels are held beside the direct kernel's copy, which serves
    // input shapes the transforms do not take (odd sides, narrow rows), for one output tile: 4x4
    // where the declared input shape takes it, else 2x2 (also when the shape is unknown)
    int wTile = !winogradAllowed || wPacked == null || !Winograd.suits(kernel, win.strides,
        win.dilations, group, wConst.dim(1)) ? 0
        : tile4Allowed && win.declaredTile(ctx, kernel) == 4 ? 4 : 2;
    float[] wWinograd = wTile == 0 ? null
        : Winograd.packWeights(wPacked, wConst.dim(0), wConst.dim(1), wTile);
    boolean directWeights = directAllowed && wPacked != null && DirectConv.suits(kernel, win.strides,
        win.dilations, group, wConst.dim(1), wConst.dim(0));
    float[] wDirect = directWeights ? DirectConv.packWeights(wPacked, wConst.dim(0),
        wConst.dim(1), wConst.size() / wConst.dim(0) / wConst.dim(1)) : null;
    PackedMatrix[] wGemm = wPacked == null || depthwiseWeights || directWeights ? null
        : FloatConv.packWeights(wPacked, wConst.dim(0), group, wConst.size() / wConst.dim(0));
    // The direct kernel's read offsets for the last input shape (immutable, so a race between
    // concurrent runs only costs a recomputation).
    AtomicReference<TapOffsets> layout = new AtomicReference<>();
    AtomicReference<TapOffsets> patches = new AtomicReference<>(); // likewise, for the GEMM
    // Where the weights were packed, every float path reads the packed copy (depthwise packs
    // nothing): the session then frees the constant, and W comes as null.
    boolean ownsW = wDirect != null || wGemm != null;
    if (ownsW) {
      ctx.ownsCopyOf(1);
    }
    Tensor wKept = ownsW ? null : wConst;
    float[] wFlat = ownsW ? null : wPacked;
    int[] wShape = wConst == null ? null : wConst.shape();
    Tensor bConst = ctx.constant(2);
    float[] bPacked = bConst != null && bConst.dtype() == DType.F32 ? bConst.toFloats() : null;
    ShapeKeyed<Window.Shaped> shapes = new ShapeKeyed<>();
    return (in, ec) -> {
      Tensor x = in[0];
      Tensor w = in[1];
      Tensor b = in.length > 2 ? in[2] : null;
      Tensor z = residual ? in[3] : null;
      boolean constW = w == null || w == wKept;
      int[] ws = constW ? wShape : w.shape();
      DType wType = w == null ? DType.F32 : w.dtype();
      checkShapes(ctx, x, wType, ws, b, group, kernelAttr);
      // with the constant weights, the geometry of the last input shape is reused as it is
      Window.Shaped shaped = constW ? shapes.get(x) : null;
      if (shaped == null) {
        int[] k = Arrays.copyOfRange(ws, 2, ws.length);
        ConvGeometry geo = win.geometry(ctx, x, k);
        shaped = new Window.Shaped(geo, Window.outShape(x.dim(0), ws[0], geo));
        if (constW) {
          shapes.put(x, shaped);
        }
      }
      ConvGeometry g = shaped.geometry;
      int[] k = g.kernel;
      int n = x.dim(0);
      int c = x.dim(1);
      int m = ws[0];
      int[] outShape = shaped.outShape;
      if (x.dtype() == DType.F32 && wType == DType.F32 && (b == null || b.dtype() == DType.F32)) {
        float[] wf = !constW ? w.toFloats() : wFlat; // null only where the packed copy is read
        float[] bf = b == null ? null : bPacked != null && b == bConst ? bPacked : b.toFloats();
        Tensor y = ec.allocateUninitialized(DType.F32, outShape); // every path writes all of y
        // Z of the output's shape is added row by row in the kernels' epilogue; one that
        // broadcasts is added afterwards, as the Add would have
        boolean fuse = z != null && z.dtype() == DType.F32 && z.hasShape(outShape);
        ResidualEpilogue rz = fuse ? ResidualEpilogue.take(z.floats(), then) : null;
        Epilogue e = z == null ? ep : fuse ? rz.epilogue() : Epilogue.NONE;
        try {
          if (group == c && group > 1 && g.rank <= 2) {
            FloatConv.depthwise(g, n, c, m / c, x.floats(), wf, bf, e, y.floats(), ec);
          } else if (constW && wWinograd != null && Winograd.suits(g, wTile)) {
            Winograd.run(g, wTile, n, c, m, x.floats(), wWinograd, bf, e, y.floats(), ec);
          } else if (directAllowed
              && DirectConv.suits(k, win.strides, win.dilations, group, c, m)) {
            layout.set(DirectConv.run(g, n, c, m, x.floats(), wf, constW ? wDirect : null, bf,
                e, y.floats(), ec, layout.get()));
          } else if (patchesAllowed && FloatConv.patchesSuit(g, constW ? wGemm : null)) {
            patches.set(FloatConv.patches(g, n, c, group, m, x.floats(), wGemm, bf, e,
                y.floats(), ec, patches.get()));
          } else {
            FloatConv.gemm(g, n, c, group, m, x.floats(), wf, constW ? wGemm : null, bf, e,
                y.floats(), ec);
          }
        } finally {
          if (rz != null) {
            rz.release();
          }
        }
        return ec.result(z == null || fuse ? y : addAfter(ctx, y, z, act, ec));
      }
      if (z == null) {
        return ec.result(generic(g, x, w, b, group, outShape, act, ec));
      }
      Tensor y = generic(g, x, w, b, group, outShape, FusedActivation.NONE, ec);
      return ec.result(addAfter(ctx, y, z, act, ec));
    };
  }

  /**
   * {@code act(y + z)} for a residual z that does not have y's shape: the Add and the activation
   * the fusion pass folded into the conv, run as they were. Hands y back to the session.
   */
  private static Tensor addAfter(NodeContext ctx, Tensor y, Tensor z, FusedActivation act,
      ExecContext ec) {
    Tensor sum = ElementwiseBinary.apply(ElementwiseBinary.ADD, y, z, ec, ctx.node().describe());
    ec.release(y);
    if (act.isNone()) {
      return sum;
    }
    if (sum.dtype() == DType.F32) {
      act.apply(sum.floats(), 0, sum.size());
      return sum;
    }
    return fromDoubles(sum.dtype(), doubles(sum), sum.shape(), act);
  }

  private static void checkShapes(NodeContext ctx, Tensor x, DType wType, int[] ws, Tensor b,
      int group, int[] kernelAttr) {
    if (x.rank() < 3 || ws.length != x.rank()) {
      throw new ShapeMismatchException(ctx.node().describe() + ": X must be N x C x spatial and W"
          + " M x C/group x kernel of the same rank, got X " + Arrays.toString(x.shape()) + ", W "
          + Arrays.toString(ws));
    }
    if (x.dtype() != wType) {
      throw new ShapeMismatchException(ctx.node().describe() + ": X is " + x.dtype() + " but W is "
          + wType);
    }
    if (x.dim(1) != ws[1] * group || ws[0] % group != 0) {
      throw new ShapeMismatchException(ctx.node().describe() + ": X has " + x.dim(1)
          + " channels and W " + Arrays.toString(ws) + " with group " + group
          + "; expected C = W[1] * group and W[0] divisible by group");
    }
    if (kernelAttr != null && !kernelMatches(kernelAttr, ws)) {
      throw new ShapeMismatchException(ctx.node().describe() + ": kernel_shape "
          + Arrays.toString(kernelAttr) + " disagrees with W's shape " + Arrays.toString(ws));
    }
    if (b != null && (b.rank() != 1 || b.dim(0) != ws[0])) {
      throw new ShapeMismatchException(ctx.node().describe() + ": bias B must have shape ["
          + ws[0] + "], got " + Arrays.toString(b.shape()));
    }
  }

  /** Whether W's spatial dimensions are {@code kernel}. */
  private static boolean kernelMatches(int[] kernel, int[] ws) {
    if (kernel.length != ws.length - 2) {
      return false;
    }
    for (int i = 0; i < kernel.length; i++) {
      if (kernel[i] != ws[2 + i]) {
        return false;
      }
    }
    return true;
  }

  private static Tensor generic(ConvGeometry g, Tensor x, Tensor w, Tensor b, int group,
      int[] outShape, FusedActivation act, ExecContext ec) {
    double[] y = new double[org.quantlens.engine.tensor.Shapes.size(outShape)];
    GenericConv.conv(g, x.dim(0), x.dim(1), group, w.dim(0), doubles(x), doubles(w),
        b == null ? null : doubles(b), y, ec);
    return fromDoubles(x.dtype(), y, outShape, act);
  }

  /** The tensor's values as doubles (a copy). */
  static double[] doubles(Tensor t) {
    if (t.dtype() == DType.F64) {
      return Arrays.copyOf(t.doubles(), t.size());
    }
    double[] d = new double[t.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = t.getDouble(i);
    }
    return d;
  }

  /**
   * A {@code type} tensor holding {@code v}, after {@code act} (applied in float32; fusion only
   * folds activations into float graphs).
   */
  static Tensor fromDoubles(DType type, double[] v, int[] shape, FusedActivation act) {
    if (!act.isNone()) {
      float[] f = new float[v.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) v[i];
      }
      act.apply(f, 0, f.length);
      for (int i = 0; i < f.length; i++) {
        v[i] = f[i];
      }
    }
    if (type == DType.F64) {
      return Tensor.of(v, shape);
    }
    Tensor t = Tensor.zeros(type, shape);
    for (int i = 0; i < v.length; i++) {
      t.setDouble(i, v[i]);
    }
    return t;
  }
}
