package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.ConvGeometry;
import org.quantlens.engine.kernels.QuantScratch;
import org.quantlens.engine.kernels.Requantize;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.QuantParams;
import org.quantlens.engine.tensor.Tensor;

/**
 * com.microsoft QLinearGlobalAveragePool and QLinearAveragePool, NCHW or (channels_last) NHWC,
 * with ONNX Runtime's arithmetic. Global: integer sums per channel, requantized with
 * {@code (float) (sum - zx * S) * (x_scale / (y_scale * S))}. Windowed: dequantize to float32
 * ({@code x_scale * (x - zx)}), sum each window in row-major order, divide by the count (the
 * kernel size with count_include_pad, else the taps inside the input), then
 * {@code rint(avg / y_scale + y_zp)} saturated.
 */
final class QLinearPoolOps {
  private QLinearPoolOps() {}

  private static Tensor opt(Tensor[] in, int i) {
    return i >= 0 && i < in.length ? in[i] : null;
  }

  static Operator global(NodeContext ctx) {
    String where = ctx.node().describe();
    boolean last = ctx.attrInt("channels_last", 0) != 0;
    QuantArg.Input xArg = QuantArg.Input.of(ctx, 1, 2, DType.U8, false, "x_scale", 0);
    QuantArg.Input yArg = QuantArg.Input.of(ctx, 3, 4, DType.U8, false, "y_scale", 0);
    return (in, ex) -> {
      Tensor x = in[0];
      QLinearElementwiseOps.check8(x, "X", where);
      if (x.rank() < 3) {
        throw new ShapeMismatchException(where + ": X needs at least 3 dimensions, got " + Arrays.toString(x.shape()));
      }
      QuantArg qx = QLinearElementwiseOps.perTensor(xArg, in, where);
      QuantArg qy = QLinearElementwiseOps.perTensor(yArg, in, where);
      QLinearElementwiseOps.checkZp(opt(in, 2), qx.type, x.dtype(), "x_zero_point", where);
      QLinearElementwiseOps.checkZp(opt(in, 4), qy.type, x.dtype(), "y_zero_point", where);
      int r = x.rank();
      int n = x.dim(0);
      int c = last ? x.dim(r - 1) : x.dim(1);
      int s = x.size() / Math.max(1, n * c);
      int[] shape = new int[r];
      Arrays.fill(shape, 1);
      shape[0] = n;
      shape[last ? r - 1 : 1] = c;
      Tensor y = ex.allocate(x.dtype(), shape);
      float scale = qx.scale(0) / (qy.scale(0) * (float) s);
      int bias = -qx.zeroPoint(0) * s;
      int mask = x.dtype() == DType.U8 ? 0xff : -1;
      byte[] xb = x.bytes();
      byte[] yb = y.bytes();
      int qmin = QuantParams.qmin(x.dtype());
      int qmax = QuantParams.qmax(x.dtype());
      RequantizeCounting counting = RequantizeCounting.of(ex, FusedActivation.NONE, qy.scale(0), qy.zeroPoint(0), x.dtype());
      QuantParallel.forItems(ex, n, (long) c * s, img -> {
        int[] acc = QuantScratch.ints(QuantScratch.TASK_A, c);
        Arrays.fill(acc, 0, c, 0);
        int base = img * c * s;
        if (last) {
          for (int p = 0; p < s; p++) {
            for (int ch = 0; ch < c; ch++) {
              acc[ch] += xb[base + p * c + ch] & mask;
            }
          }
        } else {
          for (int ch = 0; ch < c; ch++) {
            int sum = 0;
            for (int p = base + ch * s, e = p + s; p < e; p++) {
              sum += xb[p] & mask;
            }
            acc[ch] = sum;
          }
        }
        Requantize.get().requantizeRow(acc, 0, c, bias, scale, qy.zeroPoint(0), qmin, qmax, yb, img * c);
        if (counting != null) {
          counting.row(acc, 0, c, bias, scale, qy.zeroPoint(0));
        }
      });
      return ex.result(y);
    };
  }

  static Operator average(NodeContext ctx) {
    String where = ctx.node().describe();
    boolean last = ctx.attrInt("channels_last", 0) != 0;
    boolean includePad = ctx.attrInt("count_include_pad", 0) != 0;
    boolean ceil = ctx.attrInt("ceil_mode", 0) != 0;
    int[] kernel = ctx.attrInts("kernel_shape", null);
    if (kernel == null) {
      throw ctx.error("attribute kernel_shape is required");
    }
    int[] strides = ctx.attrInts("strides", null);
    int[] pads = ctx.attrInts("pads", null);
    ConvGeometry.AutoPad autoPad;
    try {
      autoPad = ConvGeometry.AutoPad.parse(ctx.attrString("auto_pad", "NOTSET"));
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
    QuantArg.Input xArg = QuantArg.Input.of(ctx, 1, 2, DType.U8, false, "x_scale", 0);
    QuantArg.Input yArg = QuantArg.Input.of(ctx, 3, 4, DType.U8, false, "y_scale", 0);
    return (in, ex) -> {
      Tensor x = in[0];
      QLinearElementwiseOps.check8(x, "X", where);
      int r = x.rank() - 2;
      if (r != kernel.length) {
        throw new ShapeMismatchException(where + ": X " + Arrays.toString(x.shape()) + " does not match kernel_shape "
            + Arrays.toString(kernel));
      }
      QuantArg qx = QLinearElementwiseOps.perTensor(xArg, in, where);
      QuantArg qy = QLinearElementwiseOps.perTensor(yArg, in, where);
      QLinearElementwiseOps.checkZp(opt(in, 2), qx.type, x.dtype(), "x_zero_point", where);
      QLinearElementwiseOps.checkZp(opt(in, 4), qy.type, x.dtype(), "y_zero_point", where);
      int n = x.dim(0);
      int c = last ? x.dim(r + 1) : x.dim(1);
      int[] spatial = last ? Arrays.copyOfRange(x.shape(), 1, r + 1) : Arrays.copyOfRange(x.shape(), 2, r + 2);
      ConvGeometry g;
      try {
        g = ConvGeometry.of(spatial, kernel, strides, null, pads, autoPad, ceil);
      } catch (ShapeMismatchException e) {
        throw new ShapeMismatchException(where + ": " + e.getMessage());
      }
      int[] shape = new int[r + 2];
      shape[0] = n;
      shape[last ? r + 1 : 1] = c;
      System.arraycopy(g.out, 0, shape, last ? 1 : 2, r);
      Tensor y = ex.allocate(x.dtype(), shape);
      float[] dq = QLinearElementwiseOps.dequantTable(qx.scale(0), qx.zeroPoint(0), x.dtype() == DType.U8);
      float ys = qy.scale(0);
      float yz = qy.zeroPoint(0);
      int qmin = QuantParams.qmin(x.dtype());
      int qmax = QuantParams.qmax(x.dtype());
      byte[] xb = x.bytes();
      byte[] yb = y.bytes();
      int inS = g.inSize;
      int outS = g.outSize;
      SaturationCounter sat = ex.saturation();
      QuantParallel.forRuns(ex, n * c, outS, (plane, from, to) -> {
        long low = 0;
        long high = 0;
        int img = plane / c;
        int ch = plane % c;
        int xBase = last ? img * inS * c + ch : plane * inS;
        int xStep = last ? c : 1;
        int yBase = last ? img * outS * c + ch : plane * outS;
        int[] o = new int[r];
        int[] lo = new int[r];
        int[] hi = new int[r];
        int[] t = new int[r];
        int rem = from;
        for (int d = r - 1; d >= 0; d--) {
          o[d] = rem % g.out[d];
          rem /= g.out[d];
        }
        for (int op = from; op < to; op++) {
          int count = 1;
          boolean empty = false;
          for (int d = 0; d < r; d++) {
            int st = o[d] * g.strides[d] - g.padBegin[d];
            hi[d] = Math.min(st + g.kernel[d], g.in[d]);
            lo[d] = Math.max(st, 0);
            count *= Math.max(0, hi[d] - lo[d]);
            empty |= hi[d] <= lo[d];
          }
          float sum = 0;
          if (!empty) {
            System.arraycopy(lo, 0, t, 0, r);
            while (true) {
              int idx = 0;
              for (int d = 0; d < r; d++) {
                idx = idx * g.in[d] + t[d];
              }
              sum += dq[xb[xBase + idx * xStep] & 0xff];
              int d = r - 1;
              while (d >= 0 && ++t[d] >= hi[d]) {
                t[d] = lo[d];
                d--;
              }
              if (d < 0) {
                break;
              }
            }
          }
          float avg = sum / (float) (includePad ? g.kernelSize : count);
          float v = avg / ys + yz;
          int q = v != v ? qy.zeroPoint(0) : (int) Math.max(qmin, Math.min(qmax, Math.rint(v)));
          yb[yBase + op * (last ? c : 1)] = (byte) q;
          if (sat != null) {
            double rv = Math.rint(v);
            low += rv < qmin ? 1 : 0;
            high += rv > qmax ? 1 : 0;
          }
          for (int d = r - 1; d >= 0; d--) {
            if (++o[d] < g.out[d]) {
              break;
            }
            o[d] = 0;
          }
        }
        if (sat != null) {
          sat.add(low, high, 0, to - from);
        }
      });
      return ex.result(y);
    };
  }
}
