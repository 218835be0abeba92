package org.quantlens.engine.kernels;

/**
 * The vector loops of {@link Winograd}: one band of tile rows of one image, from input planes to
 * finished output planes. There is only a SIMD implementation: with the scalar kernels every
 * convolution stays on the direct or GEMM path, the reference the transforms are tested against.
 */
public interface WinogradKernels {
  /** The SIMD implementation, or null when the scalar kernels are in use or on JDK 17. */
  static WinogradKernels get() {
    return Selected.INSTANCE;
  }

  /** Tiles one vector holds: a row of tiles must be a whole number of vectors. */
  int lanes();

  /**
   * Output rows {@code [2 * ty0, 2 * ty1)} of output channels {@code [m0, m1)} of one image,
   * before any epilogue but the clamp: {@code y[yOff + m * h * w + oy * w + ox] = clamp(bias[m] +
   * conv, lo, hi)} for a 3x3 kernel, stride 1, one pixel of zero padding on every side.
   *
   * @param x the image's {@code channels} planes of {@code h x w} from {@code xOff}
   * @param u weights from {@link Winograd#packWeights} for all {@code outChannels}
   * @param m0 a multiple of 4
   * @param bias {@code outChannels} values, or null for zero
   * @param ty0 first tile row
   * @param step tile rows transformed and multiplied at a time: they hold whole panels of two
   *     vectors of tiles, as {@code ty1 - ty0} does
   */
  void band(float[] x, int xOff, int channels, int h, int w, float[] u, int outChannels, int m0,
      int m1, float[] bias, float lo, float hi, float[] y, int yOff, int ty0, int ty1, int step);

  /**
   * Holds the selected implementation (chosen on first use). None on JDK 17: its C2 left the
   * vectors of a 16-channel 32x32 layer boxed (442 KB allocated per call, 0.24x the direct
   * kernel), where JDK 25 runs it at 1.3x.
   */
  final class Selected {
    static final WinogradKernels INSTANCE = Runtime.version().feature() <= 17 ? null
        : Kernels.select(WinogradKernels.class, "SimdWinograd", null);

    private Selected() {}
  }
}
