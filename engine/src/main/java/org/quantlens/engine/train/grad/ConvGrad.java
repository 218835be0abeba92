package org.quantlens.engine.train.grad;

import java.util.Arrays;
import org.quantlens.engine.kernels.ConvGeometry;
import org.quantlens.engine.kernels.Gemm;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.tensor.Tensor;

/**
 * Conv (any spatial rank, groups, strides, pads, dilations, auto_pad). Samples are processed in
 * chunks whose patch matrices sit side by side ({@code K x S*P}, K = channels per group times
 * kernel size, P output positions), so each group needs two GEMMs per chunk:
 * {@code dW_g^T += col_g * dY_g^T} and {@code dcol_g = W_g^T * dY_g}, then col2im adds dcol onto
 * dX.
 * The chunk size depends on the shapes only, so results do not depend on the thread count.
 */
final class ConvGrad {
  /** Floats a chunk's patch matrix may hold (16 MB). */
  private static final int CHUNK_FLOATS = 1 << 22;
  private static final int COL = 0;
  private static final int DY = 1;
  private static final int DCOL = 2;
  private static final int TRANSPOSED = 3;

  private ConvGrad() {}

  static void register(GradRegistry r) {
    r.register("Conv", ConvGrad::conv);
  }

  /** The geometry the forward op used for input {@code x} and weights {@code w}. */
  static ConvGeometry geometry(NodeContext ctx, int[] xShape, int[] kernel, boolean ceilMode) {
    int[] in = Arrays.copyOfRange(xShape, 2, xShape.length);
    return ConvGeometry.of(in, kernel, ctx.attrInts("strides", null),
        ctx.attrInts("dilations", null), ctx.attrInts("pads", null),
        ConvGeometry.AutoPad.parse(ctx.attrString("auto_pad", "NOTSET")), ceilMode);
  }

  private static void conv(GradContext g) {
    Tensor x = g.input(0);
    Tensor w = g.input(1);
    int group = g.node().attrInt("group", 1);
    int[] ws = w.shape();
    ConvGeometry geo = geometry(g.node(), x.shape(), Arrays.copyOfRange(ws, 2, ws.length), false);
    int n = x.dim(0);
    int c = x.dim(1);
    int m = ws[0];
    int p = geo.outSize;
    int ks = geo.kernelSize;
    int cg = c / group;
    int mg = m / group;
    int kg = cg * ks;
    float[] dy = g.outputGrad(0);
    ExecContext ec = g.exec();
    if (g.input(2) != null && g.needsGrad(2)) {
      biasGrad(dy, n, m, p, g.inputGrad(2), ec);
    }
    boolean needW = g.needsGrad(1);
    boolean needX = g.needsGrad(0);
    if (!needW && !needX) {
      return;
    }
    int chunk = Math.max(1, Math.min(n, CHUNK_FLOATS / Math.max(1, c * ks * p)));
    float[] xs = x.floats();
    float[] wv = w.floats();
    float[] dw = needW ? g.inputGrad(1) : null;
    float[] dx = needX ? g.inputGrad(0) : null;
    int inSize = geo.inSize;
    for (int n0 = 0; n0 < n; n0 += chunk) {
      int s = Math.min(chunk, n - n0);
      int ld = s * p;
      // dY of the chunk as [m x s*p]: sample j's positions in columns [j*p, (j+1)*p).
      float[] dyt = g.scratch(DY, m * ld);
      int first = n0;
      ec.forRange(m, oc -> {
        for (int j = 0; j < s; j++) {
          System.arraycopy(dy, ((first + j) * m + oc) * p, dyt, oc * ld + j * p, p);
        }
      });
      if (needW) {
        float[] col = g.scratch(COL, c * ks * ld);
        ec.forRange(s * c, t -> {
          int j = t / c;
          int ch = t % c;
          Patches.im2col(geo, xs, ((first + j) * c + ch) * inSize, col, ch * ks * ld + j * p, ld);
        });
        // dW_g^T [kg x mg] = col_g * dY_g^T: the long patch matrix is read in place as the left
        // operand and only the short dY is packed (measured faster than dY_g * col_g^T).
        float[] t = g.scratch(TRANSPOSED, kg * mg);
        for (int gi = 0; gi < group; gi++) {
          Gemm.sgemm(ec, false, true, kg, mg, ld, 1f, col, gi * kg * ld, ld, dyt, gi * mg * ld, ld,
              0f, t, 0, mg);
          int base = gi * mg * kg;
          for (int r = 0; r < kg; r++) {
            for (int q = 0; q < mg; q++) {
              dw[base + q * kg + r] += t[r * mg + q];
            }
          }
        }
      }
      if (needX) {
        float[] dcol = g.scratch(DCOL, c * ks * ld);
        for (int gi = 0; gi < group; gi++) {
          Gemm.sgemm(ec, true, false, kg, ld, mg, 1f, wv, gi * mg * kg, kg, dyt, gi * mg * ld, ld,
              0f, dcol, gi * kg * ld, ld);
        }
        ec.forRange(s * c, t -> {
          int j = t / c;
          int ch = t % c;
          Patches.col2im(geo, dcol, ch * ks * ld + j * p, ld, dx, ((first + j) * c + ch) * inSize);
        });
      }
    }
  }

  /** {@code dB[oc] += sum over samples and positions of dY}, per channel in a fixed order. */
  private static void biasGrad(float[] dy, int n, int m, int p, float[] db, ExecContext ec) {
    ec.forRange(m, oc -> {
      double s = 0;
      for (int j = 0; j < n; j++) {
        int off = (j * m + oc) * p;
        float part = 0;
        for (int i = 0; i < p; i++) {
          part += dy[off + i];
        }
        s += part;
      }
      db[oc] += (float) s;
    });
  }
}
