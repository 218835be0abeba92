package org.quantlens.engine.train.grad;

import java.util.Arrays;
import org.quantlens.engine.tensor.Shapes;

/**
 * Gradients through numpy broadcasting: an operand broadcast to the output shape receives the sum
 * of the output gradient over the dimensions it was broadcast along. Walks the output in C order
 * one row (last dimension) at a time, so every destination element sums its terms in a fixed order.
 */
public final class BroadcastGrad {
  /** {@code dst += dy}. */
  public static final int ADD = 0;
  /** {@code dst -= dy}. */
  public static final int SUB = 1;
  /** {@code dst += dy * u}. */
  public static final int MUL = 2;
  /** {@code dst += dy / u}. */
  public static final int DIV = 3;
  /** {@code dst -= dy * y / u} (the divisor's gradient of {@code y = a / u}; y has the output shape). */
  public static final int DIV_DIVISOR = 4;

  private BroadcastGrad() {}

  /**
   * Adds the contribution of {@code dy} (shape {@code out}) to {@code dst} (shape {@code dstShape},
   * broadcastable to {@code out}) under {@code mode}; {@code u} (shape {@code uShape}) is the other
   * operand for MUL, DIV and DIV_DIVISOR, {@code y} the forward output for DIV_DIVISOR.
   */
  public static void accumulate(int mode, float[] dy, int[] out, float[] dst, int[] dstShape,
      float[] u, int[] uShape, float[] y) {
    int size = Shapes.size(out);
    if (size == 0) {
      return;
    }
    int rank = out.length;
    int[] sd = Shapes.broadcastStrides(dstShape, out);
    int[] su = u == null ? new int[rank] : Shapes.broadcastStrides(uShape, out);
    if (rank == 0) {
      row(mode, dy, 0, dst, 0, 0, u, 0, 0, y, 1);
      return;
    }
    int len = out[rank - 1];
    int sdl = sd[rank - 1];
    int sul = su[rank - 1];
    int[] idx = new int[rank];
    int offD = 0;
    int offU = 0;
    for (int base = 0; base < size; base += len) {
      row(mode, dy, base, dst, offD, sdl, u, offU, sul, y, len);
      // Advance the odometer over all but the last dimension.
      for (int d = rank - 2; d >= 0; d--) {
        if (++idx[d] < out[d]) {
          offD += sd[d];
          offU += su[d];
          break;
        }
        offD -= sd[d] * (out[d] - 1);
        offU -= su[d] * (out[d] - 1);
        idx[d] = 0;
      }
    }
  }

  private static void row(int mode, float[] dy, int o, float[] dst, int d, int sd, float[] u,
      int iu, int su, float[] y, int len) {
    switch (mode) {
      case ADD:
        if (sd == 0) {
          float s = 0;
          for (int j = 0; j < len; j++) {
            s += dy[o + j];
          }
          dst[d] += s;
        } else {
          for (int j = 0; j < len; j++) {
            dst[d + j * sd] += dy[o + j];
          }
        }
        break;
      case SUB:
        if (sd == 0) {
          float s = 0;
          for (int j = 0; j < len; j++) {
            s += dy[o + j];
          }
          dst[d] -= s;
        } else {
          for (int j = 0; j < len; j++) {
            dst[d + j * sd] -= dy[o + j];
          }
        }
        break;
      case MUL:
        for (int j = 0; j < len; j++) {
          dst[d + j * sd] += dy[o + j] * u[iu + j * su];
        }
        break;
      case DIV:
        for (int j = 0; j < len; j++) {
          dst[d + j * sd] += dy[o + j] / u[iu + j * su];
        }
        break;
      case DIV_DIVISOR:
        for (int j = 0; j < len; j++) {
          dst[d + j * sd] -= dy[o + j] * y[o + j] / u[iu + j * su];
        }
        break;
      default:
        throw new IllegalArgumentException("mode " + mode);
    }
  }

  /** {@code dst += src} where {@code dst}'s shape broadcasts to {@code src}'s (a sum over broadcast dims). */
  public static void reduceInto(float[] src, int[] srcShape, float[] dst, int[] dstShape) {
    if (Arrays.equals(srcShape, dstShape)) {
      int n = Shapes.size(srcShape);
      for (int i = 0; i < n; i++) {
        dst[i] += src[i];
      }
      return;
    }
    accumulate(ADD, src, srcShape, dst, dstShape, null, null, null);
  }

  /**
   * {@code dst += expand(src)}: the adjoint of a reduction, where {@code src}'s shape (the
   * reduced one with kept dimensions) broadcasts to {@code dstShape}; scaled by {@code scale}.
   */
  public static void expandInto(float[] src, int[] srcShape, float[] dst, int[] dstShape,
      float scale) {
    int size = Shapes.size(dstShape);
    int rank = dstShape.length;
    int[] ss = Shapes.broadcastStrides(srcShape, dstShape);
    int[] idx = new int[rank];
    int off = 0;
    for (int i = 0; i < size; i++) {
      dst[i] += src[off] * scale;
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < dstShape[d]) {
          off += ss[d];
          break;
        }
        off -= ss[d] * (dstShape[d] - 1);
        idx[d] = 0;
      }
    }
  }
}
