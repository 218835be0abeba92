package org.quantlens.engine.kernels;

/**
 * Pooling over any spatial rank in double precision: the path for 3-D and higher inputs, for
 * non-float32 types (converted to double, which is exact for every integer type MaxPool takes) and
 * for MaxPool's Indices output. Window semantics are those of {@link FloatPool}.
 */
public final class GenericPool {
  private GenericPool() {}

  /**
   * Max pooling over {@code planes} planes. When {@code indices} is not null it receives, per
   * output, the flat index into the whole input of the first maximum in window order: plane offset
   * plus the spatial index in row-major ({@code columnMajor} false) or column-major order.
   */
  public static void max(ConvGeometry g, int planes, double[] x, double[] y, long[] indices,
      boolean columnMajor, Parallel par) {
    int[] stride = spatialStrides(g.in, columnMajor);
    int[] rowMajor = spatialStrides(g.in, false);
    FloatPool.forPlanes(planes, g.inSize, par, p -> {
      int[] o = new int[g.rank];
      int[] k = new int[g.rank];
      int xOff = p * g.inSize;
      for (int q = 0; q < g.outSize; q++, Im2col.next(o, g.out)) {
        double best = Double.NEGATIVE_INFINITY;
        long bestAt = -1;
        java.util.Arrays.fill(k, 0);
        do {
          int at = 0;
          int atIdx = 0;
          boolean inside = true;
          for (int d = 0; d < g.rank && inside; d++) {
            int i = o[d] * g.strides[d] - g.padBegin[d] + k[d] * g.dilations[d];
            inside = i >= 0 && i < g.in[d];
            at += i * rowMajor[d];
            atIdx += i * stride[d];
          }
          if (inside) {
            double v = x[xOff + at];
            if (v > best || bestAt < 0 || Double.isNaN(v) && !Double.isNaN(best)) {
              best = v;
              bestAt = atIdx;
            }
          }
        } while (Im2col.next(k, g.kernel));
        y[p * g.outSize + q] = best;
        if (indices != null) {
          indices[p * g.outSize + q] = (long) p * g.inSize + Math.max(bestAt, 0);
        }
      }
    });
  }

  /** Average pooling; see {@link FloatPool#average} for the divisor. */
  public static void average(ConvGeometry g, int planes, boolean countIncludePad, double[] x,
      double[] y, Parallel par) {
    int[] rowMajor = spatialStrides(g.in, false);
    FloatPool.forPlanes(planes, g.inSize, par, p -> {
      int[] o = new int[g.rank];
      int[] k = new int[g.rank];
      int xOff = p * g.inSize;
      for (int q = 0; q < g.outSize; q++, Im2col.next(o, g.out)) {
        double sum = 0;
        long count = 0;
        long padded = 0;
        java.util.Arrays.fill(k, 0);
        do {
          int at = 0;
          boolean inside = true;
          boolean inPadded = true;
          for (int d = 0; d < g.rank; d++) {
            int i = o[d] * g.strides[d] - g.padBegin[d] + k[d] * g.dilations[d];
            inside &= i >= 0 && i < g.in[d];
            inPadded &= i >= -g.padBegin[d] && i < g.in[d] + g.padEnd[d];
            at += i * rowMajor[d];
          }
          if (inside) {
            sum += x[xOff + at];
            count++;
          }
          if (inPadded) {
            padded++;
          }
        } while (Im2col.next(k, g.kernel));
        y[p * g.outSize + q] = sum / (countIncludePad ? padded : count);
      }
    });
  }

  private static int[] spatialStrides(int[] dims, boolean columnMajor) {
    int[] s = new int[dims.length];
    int acc = 1;
    if (columnMajor) {
      for (int d = 0; d < dims.length; d++) {
        s[d] = acc;
        acc *= dims[d];
      }
    } else {
      for (int d = dims.length - 1; d >= 0; d--) {
        s[d] = acc;
        acc *= dims[d];
      }
    }
    return s;
  }
}
