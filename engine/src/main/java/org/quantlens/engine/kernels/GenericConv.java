package org.quantlens.engine.kernels;

/**
 * Direct convolution over any spatial rank in double precision: the path for element types other
 * than float32 (float64, float16), and a readable statement of the semantics the fast float32
 * drivers in {@link FloatConv} implement.
 */
public final class GenericConv {
  private GenericConv() {}

  /**
   * {@code y[n, m, o] = bias[m] + sum_{c in group of m, k} x[n, c, o * s - pb + k * d] * w[m, c, k]},
   * padding reading as zero.
   *
   * @param bias {@code outChannels} values, or null
   */
  public static void conv(ConvGeometry g, int batch, int channels, int group, int outChannels,
      double[] x, double[] w, double[] bias, double[] y, Parallel par) {
    int cg = channels / group;
    int mg = outChannels / group;
    int[] inStride = new int[g.rank];
    for (int d = g.rank - 1, acc = 1; d >= 0; acc *= g.in[d], d--) {
      inStride[d] = acc;
    }
    par.forRange(batch * outChannels, t -> {
      int m = t % outChannels;
      int n = t / outChannels;
      int c0 = (m / mg) * cg;
      int[] o = new int[g.rank];
      int[] k = new int[g.rank];
      for (int q = 0; q < g.outSize; q++, Im2col.next(o, g.out)) {
        double acc = bias == null ? 0 : bias[m];
        java.util.Arrays.fill(k, 0);
        for (int kp = 0; kp < g.kernelSize; kp++, Im2col.next(k, g.kernel)) {
          int at = 0;
          boolean inside = true;
          for (int d = 0; d < g.rank && inside; d++) {
            int i = o[d] * g.strides[d] - g.padBegin[d] + k[d] * g.dilations[d];
            inside = i >= 0 && i < g.in[d];
            at += i * inStride[d];
          }
          if (!inside) {
            continue;
          }
          for (int c = 0; c < cg; c++) {
            acc += x[(n * channels + c0 + c) * g.inSize + at]
                * w[(m * cg + c) * g.kernelSize + kp];
          }
        }
        y[t * g.outSize + q] = acc;
      }
    });
  }
}
