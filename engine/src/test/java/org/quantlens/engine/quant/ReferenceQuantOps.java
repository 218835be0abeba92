package org.quantlens.engine.quant;

import java.util.Arrays;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.ops.OpFactory;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/**
 * Naive, obviously-correct versions of the ONNX quantized ops (written from the ONNX and ONNX
 * Runtime contrib-op specifications: requantization in double, then round half to even and
 * saturate), registered into the standard registry only for ops the engine does not have yet.
 * The int8 kernels land on their own branch; until then these let the quantization passes be
 * tested end to end, and once they land the same tests run on the real kernels.
 */
final class ReferenceQuantOps {
  private ReferenceQuantOps() {}

  private static boolean installed;

  static synchronized void installMissing() {
    if (installed) {
      return;
    }
    installed = true;
    OpRegistry r = OpRegistry.standard();
    add(r, "", "QuantizeLinear", 10, ReferenceQuantOps::quantizeLinear);
    add(r, "", "DequantizeLinear", 10, ReferenceQuantOps::dequantizeLinear);
    add(r, "", "QLinearConv", 10, ReferenceQuantOps::qlinearConv);
    add(r, "", "QLinearMatMul", 10, ReferenceQuantOps::qlinearMatMul);
    add(r, "com.microsoft", "QGemm", 1, ReferenceQuantOps::qgemm);
    add(r, "com.microsoft", "QLinearAdd", 1, ReferenceQuantOps::qlinearAdd);
    add(r, "com.microsoft", "QLinearGlobalAveragePool", 1, ReferenceQuantOps::qlinearGap);
    add(r, "", "DynamicQuantizeLinear", 11, ReferenceQuantOps::dynamicQuantizeLinear);
    add(r, "", "ConvInteger", 10, ReferenceQuantOps::convInteger);
    add(r, "com.microsoft", "DynamicQuantizeMatMul", 1, ReferenceQuantOps::dynamicQuantizeMatMul);
  }

  private static void add(OpRegistry r, String domain, String op, int since, OpFactory f) {
    if (!r.knows(domain, op)) {
      r.register(domain, op, since, f);
    }
  }

  static int qmin(DType t) {
    return t == DType.I8 ? -128 : t == DType.U8 ? 0 : Integer.MIN_VALUE;
  }

  static int qmax(DType t) {
    return t == DType.I8 ? 127 : t == DType.U8 ? 255 : Integer.MAX_VALUE;
  }

  static long sat(double v, DType t) {
    return (long) Math.max(qmin(t), Math.min(qmax(t), v));
  }

  private static int axisIndex(int i, int[] shape, int axis) {
    int inner = 1;
    for (int d = axis + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    return (i / inner) % shape[axis];
  }

  private static org.quantlens.engine.ops.Operator quantizeLinear(NodeContext c) {
    int axisAttr = c.attrInt("axis", 1);
    return (in, ctx) -> {
      Tensor x = in[0];
      Tensor s = in[1];
      Tensor z = in.length > 2 ? in[2] : null;
      DType t = z == null ? DType.U8 : z.dtype();
      Tensor y = Tensor.zeros(t, x.shape());
      int axis = axisAttr < 0 ? axisAttr + x.rank() : axisAttr;
      for (int i = 0; i < x.size(); i++) {
        int ch = s.size() == 1 ? 0 : axisIndex(i, x.shape(), axis);
        float q = (float) Math.rint((float) x.getDouble(i) / (float) s.getDouble(ch));
        y.setLong(i, sat((double) q + (z == null ? 0 : z.getLong(ch)), t));
      }
      return new Tensor[] {y};
    };
  }

  private static org.quantlens.engine.ops.Operator dequantizeLinear(NodeContext c) {
    int axisAttr = c.attrInt("axis", 1);
    return (in, ctx) -> {
      Tensor x = in[0];
      Tensor s = in[1];
      Tensor z = in.length > 2 ? in[2] : null;
      Tensor y = Tensor.zeros(DType.F32, x.shape());
      int axis = axisAttr < 0 ? axisAttr + x.rank() : axisAttr;
      for (int i = 0; i < x.size(); i++) {
        int ch = s.size() == 1 ? 0 : axisIndex(i, x.shape(), axis);
        y.floats()[i] = (float) (x.getLong(i) - (z == null ? 0 : z.getLong(ch))) * (float) s.getDouble(ch);
      }
      return new Tensor[] {y};
    };
  }

  /** Real value {@code v} (in units of the output scale) through the fused activation, rounded. */
  private static double activate(double acc, double multiplier, float ys, FusedActivation act) {
    double real = acc * multiplier * ys;
    switch (act.kind()) {
      case "":
        break;
      case "Relu":
        real = Math.max(real, 0);
        break;
      case "Clip":
        real = Math.min(Math.max(real, act.min()), act.max());
        break;
      default:
        throw new IllegalStateException("reference op has no " + act.kind());
    }
    return Math.rint(real / ys);
  }

  private static org.quantlens.engine.ops.Operator qlinearConv(NodeContext c) {
    int[] stridesA = c.attrInts("strides", null);
    int[] padsA = c.attrInts("pads", null);
    int[] dilA = c.attrInts("dilations", null);
    int group = c.attrInt("group", 1);
    FusedActivation act = FusedActivation.of(c);
    return (in, ctx) -> {
      Tensor x = in[0];
      Tensor w = in[3];
      Tensor b = in.length > 8 ? in[8] : null;
      float xs = (float) in[1].getDouble(0);
      long xz = in[2].getLong(0);
      float ys = (float) in[6].getDouble(0);
      long yz = in[7].getLong(0);
      DType yt = in[7].dtype();
      int n = x.dim(0);
      int ci = x.dim(1);
      int h = x.dim(2);
      int wd = x.dim(3);
      int m = w.dim(0);
      int kh = w.dim(2);
      int kw = w.dim(3);
      int[] st = stridesA == null ? new int[] {1, 1} : stridesA;
      int[] pd = padsA == null ? new int[4] : padsA;
      int[] dl = dilA == null ? new int[] {1, 1} : dilA;
      int oh = (h + pd[0] + pd[2] - (dl[0] * (kh - 1) + 1)) / st[0] + 1;
      int ow = (wd + pd[1] + pd[3] - (dl[1] * (kw - 1) + 1)) / st[1] + 1;
      Tensor y = Tensor.zeros(yt, n, m, oh, ow);
      int cpg = ci / group;
      int mpg = m / group;
      for (int b0 = 0; b0 < n; b0++) {
        for (int oc = 0; oc < m; oc++) {
          int grp = oc / mpg;
          long wz = in[5].getLong(in[5].size() == 1 ? 0 : oc);
          double mult = (double) xs * in[4].getDouble(in[4].size() == 1 ? 0 : oc) / ys;
          for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
              long acc = b == null ? 0 : b.getLong(oc);
              for (int icg = 0; icg < cpg; icg++) {
                int ic = grp * cpg + icg;
                for (int ky = 0; ky < kh; ky++) {
                  for (int kx = 0; kx < kw; kx++) {
                    int iy = oy * st[0] - pd[0] + ky * dl[0];
                    int ix = ox * st[1] - pd[1] + kx * dl[1];
                    long xv = iy < 0 || iy >= h || ix < 0 || ix >= wd ? xz
                        : x.getLong(((b0 * ci + ic) * h + iy) * wd + ix);
                    long wv = w.getLong(((oc * cpg + icg) * kh + ky) * kw + kx);
                    acc += (xv - xz) * (wv - wz);
                  }
                }
              }
              y.setLong(((b0 * m + oc) * oh + oy) * ow + ox, sat(activate(acc, mult, ys, act) + yz, yt));
            }
          }
        }
      }
      return new Tensor[] {y};
    };
  }

  /** {@code y[.., i, j] = requant(sum_k (a - az)(b - bz[j]))} for A [.., M, K], B [K, N]. */
  private static Tensor matmulRequant(Tensor a, double as, long az, Tensor bm, Tensor bs, Tensor bz,
      Tensor bias, double alpha, boolean transB, float ys, long yz, DType yt, FusedActivation act) {
    int k = a.dim(-1);
    int rows = a.size() / k;
    int cols = transB ? bm.dim(0) : bm.dim(1);
    int[] shape = a.shape();
    shape[shape.length - 1] = cols;
    Tensor y = Tensor.zeros(yt, shape);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        long bzj = bz == null ? 0 : bz.getLong(bz.size() == 1 ? 0 : j);
        long acc = bias == null ? 0 : bias.getLong(j);
        for (int p = 0; p < k; p++) {
          long bv = transB ? bm.getLong(j * k + p) : bm.getLong(p * cols + j);
          acc += (a.getLong(i * k + p) - az) * (bv - bzj);
        }
        double mult = alpha * as * bs.getDouble(bs.size() == 1 ? 0 : j) / ys;
        y.setLong(i * cols + j, sat(activate(acc, mult, ys, act) + yz, yt));
      }
    }
    return y;
  }

  private static org.quantlens.engine.ops.Operator qlinearMatMul(NodeContext c) {
    FusedActivation act = FusedActivation.of(c);
    return (in, ctx) -> new Tensor[] {matmulRequant(in[0], in[1].getDouble(0), in[2].getLong(0), in[3],
        in[4], in[5], null, 1.0, false, (float) in[6].getDouble(0), in[7].getLong(0), in[7].dtype(), act)};
  }

  private static org.quantlens.engine.ops.Operator qgemm(NodeContext c) {
    FusedActivation act = FusedActivation.of(c);
    float alpha = c.attrFloat("alpha", 1f);
    boolean transB = c.attrInt("transB", 0) != 0;
    if (c.attrInt("transA", 0) != 0) {
      throw c.error("reference QGemm has no transA");
    }
    return (in, ctx) -> new Tensor[] {matmulRequant(in[0], in[1].getDouble(0), in[2].getLong(0), in[3],
        in[4], in[5], in.length > 6 ? in[6] : null, alpha, transB, (float) in[7].getDouble(0),
        in[8].getLong(0), in[8].dtype(), act)};
  }

  private static org.quantlens.engine.ops.Operator qlinearAdd(NodeContext c) {
    FusedActivation act = FusedActivation.of(c);
    return (in, ctx) -> {
      Tensor a = in[0];
      Tensor b = in[3];
      int[] shape = Shapes.broadcast(a.shape(), b.shape());
      int[] sa = Shapes.broadcastStrides(a.shape(), shape);
      int[] sb = Shapes.broadcastStrides(b.shape(), shape);
      float ys = (float) in[6].getDouble(0);
      Tensor y = Tensor.zeros(in[7].dtype(), shape);
      int[] idx = new int[shape.length];
      for (int i = 0; i < y.size(); i++) {
        int ia = 0;
        int ib = 0;
        for (int d = 0, r = i; d < shape.length; d++) {
          int stride = Shapes.strides(shape)[d];
          idx[d] = r / stride;
          r %= stride;
          ia += idx[d] * sa[d];
          ib += idx[d] * sb[d];
        }
        double real = in[1].getDouble(0) * (a.getLong(ia) - in[2].getLong(0))
            + in[4].getDouble(0) * (b.getLong(ib) - in[5].getLong(0));
        y.setLong(i, sat(activate(real, 1.0 / ys, ys, act) + in[7].getLong(0), in[7].dtype()));
      }
      return new Tensor[] {y};
    };
  }

  private static org.quantlens.engine.ops.Operator qlinearGap(NodeContext c) {
    return (in, ctx) -> {
      Tensor x = in[0];
      int n = x.dim(0);
      int ch = x.dim(1);
      int plane = x.size() / (n * ch);
      int[] shape = x.shape();
      Arrays.fill(shape, 2, shape.length, 1);
      Tensor y = Tensor.zeros(in[4].dtype(), shape);
      double xs = in[1].getDouble(0);
      long xz = in[2].getLong(0);
      double ys = in[3].getDouble(0);
      for (int i = 0; i < n * ch; i++) {
        long sum = 0;
        for (int p = 0; p < plane; p++) {
          sum += x.getLong(i * plane + p) - xz;
        }
        y.setLong(i, sat(Math.rint(xs * sum / plane / ys) + in[4].getLong(0), in[4].dtype()));
      }
      return new Tensor[] {y};
    };
  }

  /** ONNX DynamicQuantizeLinear: uint8, range widened to include 0, zp rounded and saturated. */
  static Tensor[] dynamicQuantize(Tensor x) {
    double lo = 0;
    double hi = 0;
    for (int i = 0; i < x.size(); i++) {
      lo = Math.min(lo, x.getDouble(i));
      hi = Math.max(hi, x.getDouble(i));
    }
    float s = (float) ((hi - lo) / 255.0);
    long zp = s == 0 ? 0 : sat(Math.rint(0 - lo / s), DType.U8);
    Tensor y = Tensor.zeros(DType.U8, x.shape());
    for (int i = 0; i < x.size(); i++) {
      y.setLong(i, s == 0 ? zp : sat(Math.rint((float) x.getDouble(i) / s) + zp, DType.U8));
    }
    Tensor zt = Tensor.zeros(DType.U8);
    zt.setLong(0, zp);
    return new Tensor[] {y, Tensor.of(new float[] {s}), zt};
  }

  private static org.quantlens.engine.ops.Operator dynamicQuantizeLinear(NodeContext c) {
    return (in, ctx) -> dynamicQuantize(in[0]);
  }

  private static org.quantlens.engine.ops.Operator convInteger(NodeContext c) {
    org.quantlens.engine.ops.Operator q = qlinearConv(c);
    return (in, ctx) -> {
      // The same loops with unit scales and no requantization: int32 out.
      Tensor x = in[0];
      Tensor w = in[1];
      Tensor xz = in.length > 2 && in[2] != null ? in[2] : Tensor.zeros(x.dtype());
      Tensor wz = in.length > 3 && in[3] != null ? in[3] : Tensor.zeros(w.dtype());
      Tensor one = Tensor.of(new float[] {1f});
      Tensor yz = Tensor.wrap(DType.I32, new int[1]);
      return q.run(new Tensor[] {x, one, xz, w, one, wz, one, yz}, ctx);
    };
  }

  private static org.quantlens.engine.ops.Operator dynamicQuantizeMatMul(NodeContext c) {
    return (in, ctx) -> {
      Tensor[] aq = dynamicQuantize(in[0]);
      Tensor b = in[1];
      Tensor bs = in[2];
      Tensor bz = in.length > 3 ? in[3] : null;
      Tensor bias = in.length > 4 ? in[4] : null;
      int k = in[0].dim(-1);
      int rows = in[0].size() / k;
      int cols = b.dim(1);
      int[] shape = in[0].shape();
      shape[shape.length - 1] = cols;
      Tensor y = Tensor.zeros(DType.F32, shape);
      long az = aq[2].getLong(0);
      float as = aq[1].floats()[0];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          long bzj = bz == null ? 0 : bz.getLong(bz.size() == 1 ? 0 : j);
          long acc = 0;
          for (int p = 0; p < k; p++) {
            acc += (aq[0].getLong(i * k + p) - az) * (b.getLong(p * cols + j) - bzj);
          }
          y.floats()[i * cols + j] = (float) (acc * (double) as * bs.getDouble(bs.size() == 1 ? 0 : j)
              + (bias == null ? 0 : bias.getDouble(j)));
        }
      }
      return new Tensor[] {y};
    };
  }
}
