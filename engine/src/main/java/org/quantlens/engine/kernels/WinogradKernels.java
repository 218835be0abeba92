package org.quantlens.engine.kernels;

/**
 * The vector loops of {@link Winograd} for one output tile size (F(2x2, 3x3) or F(4x4, 3x3)): one
 * band of tile rows of one image, from input planes to finished output planes. There are only
 * SIMD implementations: with the scalar kernels every convolution stays on the direct or GEMM
 * path, the reference the transforms are tested against.
 */
public interface WinogradKernels {
  /**
   * The SIMD implementation for output tiles of {@code tile x tile} (2 or 4), or null when the
   * scalar kernels are in use or on JDK 17.
   */
  static WinogradKernels get(int tile) {
    return tile == 4 ? Selected.F4 : tile == 2 ? Selected.F2 : null;
  }

  /** Tiles one vector holds: a row of tiles must be a whole number of vectors. */
  int lanes();

  /** Output rows and columns of a tile (2 or 4); an input tile has two more. */
  int tile();

  /**
   * Output rows {@code [tile * ty0, tile * ty1)} of output channels {@code [m0, m1)} of one image,
   * before any epilogue but the clamp: {@code y[yOff + m * h * w + oy * w + ox] = clamp(bias[m] +
   * conv, lo, hi)} for a 3x3 kernel, stride 1, one pixel of zero padding on every side.
   *
   * @param x the image's {@code channels} planes of {@code h x w} from {@code xOff}
   * @param u weights from {@link Winograd#packWeights} for this tile, all {@code outChannels}
   * @param m0 a multiple of 4
   * @param bias {@code outChannels} values, or null for zero
   * @param ty0 first tile row
   * @param step tile rows transformed and multiplied at a time: they hold whole panels of two
   *     vectors of tiles, as {@code ty1 - ty0} does
   */
  void band(float[] x, int xOff, int channels, int h, int w, float[] u, int outChannels, int m0,
      int m1, float[] bias, float lo, float hi, float[] y, int yOff, int ty0, int ty1, int step);

  /**
   * Floats of a band's whole transformed input, {@code rows} rows of {@code w / tile()} tiles
   * each: the array {@link #transformInputs} fills and {@link #multiplyOutputs} reads.
   */
  int inputFloats(int channels, int w, int rows);

  /**
   * The first half of {@link #band} for a band that several tasks share, each taking a group
   * of its output channels: input channels {@code [c0, c1)} of tile rows {@code [ty0, ty1)},
   * transformed into {@code v}. Tasks with disjoint channel ranges may fill one {@code v} at
   * once; every channel must be done before {@link #multiplyOutputs} reads it.
   */
  void transformInputs(float[] x, int xOff, int channels, int h, int w, int c0, int c1, int ty0,
      int ty1, float[] v);

  /**
   * The second half: output channels {@code [m0, m1)} of the band, as {@link #band} computes
   * them, from the transformed input {@link #transformInputs} left in {@code v}.
   */
  void multiplyOutputs(float[] v, int channels, int h, int w, float[] u, int outChannels, int m0,
      int m1, float[] bias, float lo, float hi, float[] y, int yOff, int ty0, int ty1);

  /**
   * Holds the selected implementations (chosen on first use). None on JDK 17: its C2 left the
   * vectors of a 16-channel 32x32 layer boxed (442 KB allocated per call, 0.24x the direct
   * kernel), where JDK 25 runs it at 1.3x.
   */
  final class Selected {
    static final WinogradKernels F2 = Runtime.version().feature() <= 17 ? null
        : Kernels.select(WinogradKernels.class, "SimdWinograd", null);
    static final WinogradKernels F4 = F2 == null ? null
        : Kernels.select(WinogradKernels.class, "SimdWinograd4", null);

    private Selected() {}
  }
}
