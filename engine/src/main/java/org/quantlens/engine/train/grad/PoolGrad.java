package org.quantlens.engine.train.grad;

import org.quantlens.engine.kernels.ConvGeometry;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.tensor.Tensor;

/**
 * MaxPool routes each output gradient to the first maximum of its window (recomputed from the
 * input); AveragePool spreads it evenly over the window's counted positions (padding counted only
 * with {@code count_include_pad}); the global pools do the same over whole planes. Parallel over
 * (sample, channel) planes, which own disjoint parts of the input gradient.
 */
final class PoolGrad {
  private PoolGrad() {}

  static void register(GradRegistry r) {
    r.register("MaxPool", g -> window(g, true));
    r.register("AveragePool", g -> window(g, false));
    r.register("GlobalAveragePool", g -> global(g, false));
    r.register("GlobalMaxPool", g -> global(g, true));
  }

  private static void window(GradContext g, boolean max) {
    if (!g.needsGrad(0)) {
      return;
    }
    Tensor x = g.input(0);
    int opset = g.node().opset();
    boolean ceil = opset >= 10 && g.node().attrInt("ceil_mode", 0) != 0;
    ConvGeometry geo = ConvGrad.geometry(g.node(), x.shape(), g.node().attrInts("kernel_shape", null),
        ceil);
    int planes = x.dim(0) * x.dim(1);
    float[] xs = x.floats();
    float[] dy = g.outputGrad(0);
    // A fresh gradient is zeroed plane by plane inside the tasks, while the plane is in cache.
    boolean fresh = g.canOverwrite(0);
    float[] dx = fresh ? g.overwriteGrad(0) : g.inputGrad(0);
    int inSize = geo.inSize;
    ExecContext ec = g.exec();
    if (max) {
      ec.forRange(planes, pl -> {
        if (fresh) {
          java.util.Arrays.fill(dx, pl * inSize, (pl + 1) * inSize, 0f);
        }
        if (geo.rank == 2) {
          maxPlane2d(geo, xs, dy, dx, pl);
        } else {
          maxPlane(geo, xs, dy, dx, pl);
        }
      });
      return;
    }
    boolean includePad = opset >= 7 && g.node().attrInt("count_include_pad", 0) != 0;
    int r = geo.rank;
    int[][] counts = new int[r][];
    for (int d = 0; d < r; d++) {
      counts[d] = includePad ? geo.tapsInside(d, -geo.padBegin[d], geo.in[d] + geo.padEnd[d])
          : geo.tapsInside(d, 0, geo.in[d]);
    }
    ec.forRange(planes, pl -> {
      if (fresh) {
        java.util.Arrays.fill(dx, pl * inSize, (pl + 1) * inSize, 0f);
      }
      averagePlane(geo, counts, dy, dx, pl);
    });
  }

  /** The 2-D case with the window clipped to the input once per row and column. */
  private static void maxPlane2d(ConvGeometry geo, float[] x, float[] dy, float[] dx, int plane) {
    int h = geo.in[0];
    int w = geo.in[1];
    int oh = geo.out[0];
    int ow = geo.out[1];
    int kh = geo.kernel[0];
    int kw = geo.kernel[1];
    int dh = geo.dilations[0];
    int dw = geo.dilations[1];
    int xOff = plane * geo.inSize;
    int yOff = plane * geo.outSize;
    for (int oy = 0; oy < oh; oy++) {
      int y0 = oy * geo.strides[0] - geo.padBegin[0];
      int ky0 = y0 >= 0 ? 0 : (-y0 + dh - 1) / dh;
      int ky1 = Math.min(kh, (h - y0 + dh - 1) / dh);
      for (int ox = 0; ox < ow; ox++) {
        int x0 = ox * geo.strides[1] - geo.padBegin[1];
        int kx0 = x0 >= 0 ? 0 : (-x0 + dw - 1) / dw;
        int kx1 = Math.min(kw, (w - x0 + dw - 1) / dw);
        int best = -1;
        float bv = 0;
        for (int ky = ky0; ky < ky1; ky++) {
          int row = xOff + (y0 + ky * dh) * w + x0;
          for (int kx = kx0; kx < kx1; kx++) {
            int i = row + kx * dw;
            float v = x[i];
            if (best < 0 || v > bv) {
              best = i;
              bv = v;
            }
          }
        }
        if (best >= 0) {
          dx[best] += dy[yOff + oy * ow + ox];
        }
      }
    }
  }

  private static void maxPlane(ConvGeometry geo, float[] x, float[] dy, float[] dx, int plane) {
    int r = geo.rank;
    int xOff = plane * geo.inSize;
    int yOff = plane * geo.outSize;
    int[] o = new int[r];
    int[] k = new int[r];
    for (int p = 0; p < geo.outSize; p++) {
      java.util.Arrays.fill(k, 0);
      int best = -1;
      float bv = 0;
      for (int kp = 0; kp < geo.kernelSize; kp++) {
        int src = tap(geo, o, k);
        if (src >= 0) {
          float v = x[xOff + src];
          if (best < 0 || v > bv) {
            best = src;
            bv = v;
          }
        }
        next(k, geo.kernel);
      }
      if (best >= 0) {
        dx[xOff + best] += dy[yOff + p];
      }
      next(o, geo.out);
    }
  }

  private static void averagePlane(ConvGeometry geo, int[][] counts, float[] dy, float[] dx,
      int plane) {
    int r = geo.rank;
    int xOff = plane * geo.inSize;
    int yOff = plane * geo.outSize;
    int[] o = new int[r];
    int[] k = new int[r];
    for (int p = 0; p < geo.outSize; p++) {
      int count = 1;
      for (int d = 0; d < r; d++) {
        count *= counts[d][o[d]];
      }
      float share = count == 0 ? 0f : dy[yOff + p] / count;
      java.util.Arrays.fill(k, 0);
      for (int kp = 0; kp < geo.kernelSize; kp++) {
        int src = tap(geo, o, k);
        if (src >= 0) {
          dx[xOff + src] += share;
        }
        next(k, geo.kernel);
      }
      next(o, geo.out);
    }
  }

  /** Flat input index of kernel tap {@code k} of output position {@code o}, or -1 in padding. */
  private static int tap(ConvGeometry geo, int[] o, int[] k) {
    int idx = 0;
    for (int d = 0; d < geo.rank; d++) {
      int i = o[d] * geo.strides[d] - geo.padBegin[d] + k[d] * geo.dilations[d];
      if (i < 0 || i >= geo.in[d]) {
        return -1;
      }
      idx = idx * geo.in[d] + i;
    }
    return idx;
  }

  private static void next(int[] idx, int[] dims) {
    for (int d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) {
        return;
      }
      idx[d] = 0;
    }
  }

  private static void global(GradContext g, boolean max) {
    if (!g.needsGrad(0)) {
      return;
    }
    Tensor x = g.input(0);
    int planes = x.dim(0) * x.dim(1);
    int size = planes == 0 ? 0 : x.size() / planes;
    float[] xs = x.floats();
    float[] dy = g.outputGrad(0);
    float[] dx = g.inputGrad(0);
    g.exec().forRange(planes, pl -> {
      int off = pl * size;
      if (max) {
        int best = off;
        for (int i = off + 1; i < off + size; i++) {
          if (xs[i] > xs[best]) {
            best = i;
          }
        }
        if (size > 0) {
          dx[best] += dy[pl];
        }
      } else {
        float share = dy[pl] / size;
        for (int i = off; i < off + size; i++) {
          dx[i] += share;
        }
      }
    });
  }
}
