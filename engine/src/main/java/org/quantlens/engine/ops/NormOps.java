package org.quantlens.engine.ops;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.FloatPool;
import org.quantlens.engine.kernels.PoolKernels;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * BatchNormalization (opsets 1, 6, 7, 9, 14, 15). Inference computes
 * {@code y = (x - mean) / sqrt(var + epsilon) * scale + B} per channel (axis 1) as one affine map
 * {@code y = x * a + b}, with {@code a, b} folded once at load when the statistics are constants.
 * Opsets before 9 also know {@code spatial = 0}: statistics per element of a sample
 * ({@code [C, D1, ...]}). From opset 14, {@code training_mode = 1} normalises with the batch's own
 * mean and biased variance and outputs running statistics
 * {@code input * momentum + batch * (1 - momentum)}.
 */
public final class NormOps implements OpFamily {
  /** The op family, ready to register into any {@link OpRegistry}. */
  public NormOps() {}

  @Override
  public void register(OpRegistry r) {
    for (int v : new int[] {1, 6, 7, 9, 14, 15}) {
      r.register("BatchNormalization", v, NormOps::batchNorm);
    }
  }

  private static Operator batchNorm(NodeContext ctx) {
    double eps = ctx.attrFloat("epsilon", 1e-5f);
    double momentum = ctx.attrFloat("momentum", 0.9f);
    boolean spatial = ctx.opset() >= 9 || ctx.attrInt("spatial", 1) != 0;
    boolean training = ctx.opset() >= 14 && ctx.attrInt("training_mode", 0) != 0;
    if (training && !spatial) {
      throw ctx.error("training_mode with per-element statistics is not defined");
    }
    double[][] folded = null;
    if (!training && ctx.constant(1) != null && ctx.constant(2) != null && ctx.constant(3) != null
        && ctx.constant(4) != null) {
      for (int i = 2; i <= 4; i++) { // fold reads all four by scale's length
        if (ctx.constant(i).size() != ctx.constant(1).size()) {
          throw new ShapeMismatchException(ctx.node().describe() + ": scale, B, mean and var must hold "
              + "one value per channel each, got " + ctx.constant(1).size() + " and " + ctx.constant(i).size()
              + " (input " + i + ")");
        }
      }
      folded = fold(ConvOps.doubles(ctx.constant(1)), ConvOps.doubles(ctx.constant(2)),
          ConvOps.doubles(ctx.constant(3)), ConvOps.doubles(ctx.constant(4)), eps);
    }
    Affine constant = folded == null ? null : new Affine(folded[0], folded[1]);
    return (in, ec) -> {
      Tensor x = in[0];
      Layout lay = new Layout(ctx, x, spatial);
      for (int i = 1; i <= 4; i++) {
        Tensor t = i < in.length ? in[i] : null;
        if (t == null || t.size() != lay.statSize) {
          throw new ShapeMismatchException(ctx.node().describe() + ": input " + i
              + " must hold " + lay.statSize + " values for X of shape " + Arrays.toString(x.shape())
              + ", got " + (t == null ? "none" : Arrays.toString(t.shape())));
        }
      }
      if (training) {
        return trainingStep(ctx, lay, in, eps, momentum, ec);
      }
      Affine a = constant != null ? constant : new Affine(fold(ConvOps.doubles(in[1]),
          ConvOps.doubles(in[2]), ConvOps.doubles(in[3]), ConvOps.doubles(in[4]), eps));
      return ec.result(a.apply(x, lay, ec));
    };
  }

  /** How X splits into {@code n} samples of {@code c} channels of {@code inner} elements. */
  private static final class Layout {
    final int n;
    final int c;
    final int inner;
    /** Values per statistic: c (spatial) or c * inner (per element). */
    final int statSize;
    final boolean spatial;

    Layout(NodeContext ctx, Tensor x, boolean spatial) {
      if (x.rank() < 1) {
        throw new ShapeMismatchException(ctx.node().describe() + ": X must have a channel axis");
      }
      this.n = x.rank() >= 2 ? x.dim(0) : 1;
      this.c = x.rank() >= 2 ? x.dim(1) : x.dim(0);
      int rest = 1;
      for (int i = 2; i < x.rank(); i++) {
        rest *= x.dim(i);
      }
      this.inner = rest;
      this.spatial = spatial;
      this.statSize = spatial ? c : c * inner;
    }
  }

  /** {@code a = scale / sqrt(var + eps)}, {@code b = B - mean * a}, in double. */
  private static double[][] fold(double[] scale, double[] bias, double[] mean, double[] var,
      double eps) {
    double[] a = new double[scale.length];
    double[] b = new double[scale.length];
    for (int i = 0; i < a.length; i++) {
      a[i] = scale[i] / Math.sqrt(var[i] + eps);
      b[i] = bias[i] - mean[i] * a[i];
    }
    return new double[][] {a, b};
  }

  /** A folded per-channel (or per-element) affine map, kept in float and double. */
  private static final class Affine {
    final float[] af;
    final float[] bf;
    final double[] ad;
    final double[] bd;

    Affine(double[][] ab) {
      this(ab[0], ab[1]);
    }

    Affine(double[] a, double[] b) {
      this.ad = a;
      this.bd = b;
      this.af = new float[a.length];
      this.bf = new float[b.length];
      for (int i = 0; i < a.length; i++) {
        af[i] = (float) a[i];
        bf[i] = (float) b[i];
      }
    }

    Tensor apply(Tensor x, Layout lay, ExecContext ec) {
      int planes = lay.n * lay.c;
      int inner = lay.inner;
      if (x.dtype() == DType.F32) {
        float[] xs = x.floats();
        Tensor y = ec.allocate(DType.F32, x);
        float[] ys = y.floats();
        PoolKernels kern = PoolKernels.get();
        FloatPool.forPlanes(planes, inner, ec, p -> {
          int ch = p % lay.c;
          int off = p * inner;
          if (lay.spatial) {
            kern.affine(xs, off, af[ch], bf[ch], ys, off, inner);
          } else {
            for (int i = 0; i < inner; i++) {
              ys[off + i] = xs[off + i] * af[ch * inner + i] + bf[ch * inner + i];
            }
          }
        });
        return y;
      }
      double[] v = ConvOps.doubles(x);
      for (int p = 0; p < planes; p++) {
        int ch = p % lay.c;
        for (int i = 0; i < inner; i++) {
          int s = lay.spatial ? ch : ch * inner + i;
          v[p * inner + i] = v[p * inner + i] * ad[s] + bd[s];
        }
      }
      return ConvOps.fromDoubles(x.dtype(), v, x.shape(), FusedActivation.NONE);
    }
  }

  /** Normalises with batch statistics and returns Y, running_mean, running_var. */
  private static Tensor[] trainingStep(NodeContext ctx, Layout lay, Tensor[] in, double eps,
      double momentum, ExecContext ec) {
    Tensor x = in[0];
    double[] mean = new double[lay.c];
    double[] var = new double[lay.c];
    double count = (double) lay.n * lay.inner;
    boolean f32 = x.dtype() == DType.F32;
    float[] xf = f32 ? x.floats() : null;
    double[] xd = f32 ? null : ConvOps.doubles(x);
    ec.forRange(lay.c, ch -> {
      double s = 0;
      for (int b = 0; b < lay.n; b++) {
        int off = (b * lay.c + ch) * lay.inner;
        for (int i = off; i < off + lay.inner; i++) {
          s += f32 ? xf[i] : xd[i];
        }
      }
      double m = s / count;
      double q = 0;
      for (int b = 0; b < lay.n; b++) {
        int off = (b * lay.c + ch) * lay.inner;
        for (int i = off; i < off + lay.inner; i++) {
          double d = (f32 ? xf[i] : xd[i]) - m;
          q += d * d;
        }
      }
      mean[ch] = m;
      var[ch] = q / count;
    });
    Affine a = new Affine(fold(ConvOps.doubles(in[1]), ConvOps.doubles(in[2]), mean, var, eps));
    double[] runMean = ConvOps.doubles(in[3]);
    double[] runVar = ConvOps.doubles(in[4]);
    for (int ch = 0; ch < lay.c; ch++) {
      runMean[ch] = runMean[ch] * momentum + mean[ch] * (1 - momentum);
      runVar[ch] = runVar[ch] * momentum + var[ch] * (1 - momentum);
    }
    return new Tensor[] {
      a.apply(x, lay, ec),
      ctx.hasOutput(1) ? ConvOps.fromDoubles(in[3].dtype(), runMean, in[3].shape(), FusedActivation.NONE) : null,
      ctx.hasOutput(2) ? ConvOps.fromDoubles(in[4].dtype(), runVar, in[4].shape(), FusedActivation.NONE) : null,
    };
  }
}
