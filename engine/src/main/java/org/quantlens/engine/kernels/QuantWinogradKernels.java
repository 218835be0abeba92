package org.quantlens.engine.kernels;

/**
 * The vector loops of {@link QuantWinograd}: the input transform of {@link WinogradKernels} for
 * 2x2 output tiles, and the channel sums computed exactly on integer-valued floats. SIMD only, as
 * for the float transforms: with the scalar kernels (or before JDK 25) int8 convolutions stay on
 * the direct path, the reference this one is tested against.
 */
public interface QuantWinogradKernels {
  /**
   * The SIMD implementation, or null when the scalar kernels are in use or before JDK 25: its
   * float-to-int cast is compiled to vector code on JDK 25 (measured); JDK 17 ran it as Java
   * code, and JDKs between were not measured.
   */
  static QuantWinogradKernels get() {
    return Selected.INSTANCE;
  }

  /** Tiles of a panel of the transformed input: a band's tiles are a whole number of them. */
  int panelTiles();

  /** Floats of the transformed input of {@code rows} rows of tiles ({@link #transformInputs}). */
  int inputFloats(int channels, int w, int rows);

  /**
   * Transforms tile rows {@code [ty0, ty1)} of one image, {@code channels} planes of {@code h x
   * w} from {@code xOff}, into {@code v}, as {@link WinogradKernels#transformInputs} does for 2x2
   * tiles.
   */
  void transformInputs(float[] x, int xOff, int channels, int h, int w, int ty0, int ty1,
      float[] v);

  /**
   * The transformed kernels {@code U = (2G) g (2G)^T} (integers) of blocks {@code [b0, b1)},
   * block b's at {@code u[uOff + (((b - b0) * 16 + xi) * channels + c) * 4 + r]}, from weights
   * packed by {@link QuantWinograd.Weights}: tap {@code k} of output channel {@code 4b + r} and
   * input channel c at {@code w[((b * 9 + k) * channels + c) * 4 + r]}.
   */
  void transformKernels(byte[] w, int channels, int b0, int b1, float[] u, int uOff);

  /**
   * For each of the 16 tile positions {@code xi}, the product of one block of four output
   * channels' transformed kernels and a band's transformed input, exactly: {@code m[xi *
   * mStride + r * tiles + j] = sum over c of u[uOff + (xi * channels + c) * 4 + r] * V(xi, c, j)}
   * for row {@code r < 4} and tile {@code j < tiles}. Operands must be integers. The float sums
   * run over one chunk of channels at a time, {@code [cuts[i], cuts[i + 1])} for {@code cut0 <= i
   * < cut1} (from 0 to {@code channels}), and are added to {@code m} as ints: the caller keeps
   * every partial sum of a chunk within 2^24 (float's exact integers) by its cuts.
   */
  void products(float[] u, int uOff, float[] v, int channels, int tiles, short[] cuts, int cut0,
      int cut1, int[] m, int mStride);

  /**
   * The output transform of row {@code r} of {@link #products}' sums, in ints: for each tile,
   * {@code A^T M A / 4 + add} into its 2x2 outputs, the band's rows of a plane {@code w} wide
   * from {@code out[outOff]} ({@code w / 2} tiles per row). The division is exact: {@code A^T M A} is 4 times
   * the convolution when the kernels were transformed by {@code 2G}.
   */
  void outputs(int[] m, int r, int tiles, int mStride, int w, int add, int[] out, int outOff);

  /** Holds the selected implementation (chosen on first use). */
  final class Selected {
    static final QuantWinogradKernels INSTANCE =
        WinogradKernels.get(2) == null || Runtime.version().feature() < 25 ? null
            : Kernels.select(QuantWinogradKernels.class, "SimdQuantWinograd", null);

    private Selected() {}
  }
}
