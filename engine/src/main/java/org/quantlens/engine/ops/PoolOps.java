package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.BytePool;
import org.quantlens.engine.kernels.ConvGeometry;
import org.quantlens.engine.kernels.FloatPool;
import org.quantlens.engine.kernels.GenericPool;
import org.quantlens.engine.kernels.PaddedPlane;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Pooling: MaxPool (opsets 1, 8 storage_order and Indices, 10 ceil_mode and dilations, 11, 12
 * int8/uint8), AveragePool (1, 7 count_include_pad, 10 ceil_mode, 11, 19 dilations),
 * GlobalAveragePool and GlobalMaxPool (1), over any spatial rank. Float32 1-D/2-D window pools run
 * the SIMD row kernels of {@link FloatPool}, and so do int8/uint8 1-D/2-D max pools (through exact
 * float copies); 3-D and up, other types and MaxPool's Indices output run {@link GenericPool} in
 * double precision (exact for the integer types).
 */
public final class PoolOps implements OpFamily {
  /** The op family, ready to register into any {@link OpRegistry}. */
  public PoolOps() {}

  @Override
  public void register(OpRegistry r) {
    for (int v : new int[] {1, 8, 10, 11, 12}) {
      r.register("MaxPool", v, PoolOps::maxPool);
    }
    for (int v : new int[] {1, 7, 10, 11, 19}) {
      r.register("AveragePool", v, PoolOps::averagePool);
    }
    r.register("GlobalAveragePool", 1, ctx -> global(ctx, false));
    r.register("GlobalMaxPool", 1, ctx -> global(ctx, true));
  }

  private static ConvOps.Window window(NodeContext ctx) {
    int[] kernel = ctx.attrInts("kernel_shape", null);
    if (kernel == null) {
      throw ctx.error("kernel_shape is required");
    }
    ConvOps.Window win = new ConvOps.Window(ctx, kernel, ctx.opset() >= 10 && ctx.attrInt("ceil_mode", 0) != 0);
    checkPadsInsideKernel(ctx, kernel);
    return win;
  }

  /**
   * A pad as large as the kernel's extent adds windows that see only padding; ONNX Runtime refuses
   * them too. Huge pads would otherwise make a tiny model compute a huge output (the fuzzer's hangs).
   */
  private static void checkPadsInsideKernel(NodeContext ctx, int[] kernel) {
    int[] pads = ctx.attrInts("pads", null);
    int[] dil = ctx.attrInts("dilations", null);
    if (pads == null || pads.length != 2 * kernel.length) {
      return;
    }
    for (int i = 0; i < pads.length; i++) {
      int d = i % kernel.length;
      long extent = (long) (kernel[d] - 1) * (dil != null && dil.length == kernel.length ? dil[d] : 1) + 1;
      if (pads[i] >= extent) {
        throw ctx.error("pads " + Arrays.toString(pads) + " must each be smaller than the kernel's extent ("
            + extent + " on axis " + d + "); a window wholly in the padding sees no input");
      }
    }
  }

  private static ConvGeometry geometry(NodeContext ctx, ConvOps.Window win, Tensor x) {
    if (x.rank() != win.kernel.length + 2) {
      throw new ShapeMismatchException(ctx.node().describe() + ": input of shape "
          + Arrays.toString(x.shape()) + " does not have 2 + " + win.kernel.length
          + " dimensions as kernel_shape " + Arrays.toString(win.kernel) + " implies");
    }
    return win.geometry(ctx, x, win.kernel);
  }

  private static Operator maxPool(NodeContext ctx) {
    ConvOps.Window win = window(ctx);
    int storageOrder = ctx.opset() >= 8 ? ctx.attrInt("storage_order", 0) : 0;
    if (storageOrder != 0 && storageOrder != 1) {
      throw ctx.error("storage_order must be 0 (row major) or 1 (column major), got " + storageOrder);
    }
    boolean wantIndices = ctx.hasOutput(1);
    ShapeKeyed<Object[]> shapes = new ShapeKeyed<>(); // {Shaped, PaddedPlane or null}
    return (in, ec) -> {
      Tensor x = in[0];
      Object[] cached = shapes.get(x);
      if (cached == null) {
        ConvGeometry geo = geometry(ctx, win, x);
        cached = shapes.put(x, new Object[] {
            new ConvOps.Window.Shaped(geo, ConvOps.Window.outShape(x.dim(0), x.dim(1), geo)),
            geo.rank <= 2 ? new PaddedPlane(geo) : null});
      }
      ConvOps.Window.Shaped shaped = (ConvOps.Window.Shaped) cached[0];
      ConvGeometry g = shaped.geometry;
      int planes = x.dim(0) * x.dim(1);
      int[] outShape = shaped.outShape;
      if (x.dtype() == DType.F32 && !wantIndices && g.rank <= 2) {
        Tensor y = ec.allocateUninitialized(DType.F32, outShape); // every window written
        FloatPool.max(g, (PaddedPlane) cached[1], planes, x.floats(), y.floats(), ec);
        return ec.result(y);
      }
      boolean bytes = x.dtype() == DType.U8 || x.dtype() == DType.I8;
      if (bytes && !wantIndices && g.rank <= 2) {
        return ec.result(maxPoolBytes(g, planes, x, outShape, ec));
      }
      double[] y = new double[Shapes.size(outShape)];
      long[] idx = wantIndices ? new long[y.length] : null;
      GenericPool.max(g, planes, ConvOps.doubles(x), y, idx, storageOrder == 1, ec);
      Tensor yt = ConvOps.fromDoubles(x.dtype(), y, outShape, FusedActivation.NONE);
      return new Tensor[] {yt, idx == null ? null : Tensor.of(idx, outShape)};
    };
  }

  /** int8/uint8 max pooling in the byte domain (widening to float and back cost more than the pool). */
  private static Tensor maxPoolBytes(ConvGeometry g, int planes, Tensor x, int[] outShape,
      ExecContext ec) {
    Tensor y = ec.allocateUninitialized(x.dtype(), outShape); // every window written
    BytePool.max(g, planes, x.bytes(), x.dtype() == DType.U8, y.bytes(), ec);
    return y;
  }

  private static Operator averagePool(NodeContext ctx) {
    ConvOps.Window win = window(ctx);
    boolean includePad = ctx.opset() >= 7 && ctx.attrInt("count_include_pad", 0) != 0;
    return (in, ec) -> {
      Tensor x = in[0];
      ConvGeometry g = geometry(ctx, win, x);
      int planes = x.dim(0) * x.dim(1);
      int[] outShape = ConvOps.Window.outShape(x.dim(0), x.dim(1), g);
      if (x.dtype() == DType.F32 && g.rank <= 2) {
        Tensor y = ec.allocateUninitialized(DType.F32, outShape); // every window written
        FloatPool.average(g, planes, includePad, x.floats(), y.floats(), ec);
        return ec.result(y);
      }
      double[] y = new double[Shapes.size(outShape)];
      GenericPool.average(g, planes, includePad, ConvOps.doubles(x), y, ec);
      return ec.result(ConvOps.fromDoubles(x.dtype(), y, outShape, FusedActivation.NONE));
    };
  }

  private static Operator global(NodeContext ctx, boolean max) {
    return (in, ec) -> {
      Tensor x = in[0];
      if (x.rank() < 2) {
        throw new ShapeMismatchException(ctx.node().describe() + ": input must be N x C x ..."
            + " (rank >= 2), got shape " + Arrays.toString(x.shape()));
      }
      int[] outShape = x.shape();
      Arrays.fill(outShape, 2, outShape.length, 1);
      int planes = x.dim(0) * x.dim(1);
      int size = planes == 0 ? 0 : x.size() / planes;
      if (x.dtype() == DType.F32) {
        Tensor y = ec.allocateUninitialized(DType.F32, outShape); // every plane written
        if (max) {
          FloatPool.globalMax(planes, size, x.floats(), y.floats(), ec);
        } else {
          FloatPool.globalAverage(planes, size, x.floats(), y.floats(), ec);
        }
        return ec.result(y);
      }
      double[] v = ConvOps.doubles(x);
      double[] y = new double[planes];
      FloatPool.forPlanes(planes, size, ec, p -> {
        double acc = max ? Double.NEGATIVE_INFINITY : 0;
        for (int i = p * size; i < (p + 1) * size; i++) {
          acc = max ? Math.max(acc, v[i]) : acc + v[i];
        }
        y[p] = max ? acc : acc / size;
      });
      return ec.result(ConvOps.fromDoubles(x.dtype(), y, outShape, FusedActivation.NONE));
    };
  }
}
