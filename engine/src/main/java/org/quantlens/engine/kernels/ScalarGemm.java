package org.quantlens.engine.kernels;

/**
 * The portable {@link GemmKernel}: plain Java loops over a 4 x 8 register tile (C2 may
 * auto-vectorize the inner loop). Used when the Vector API is unavailable or disabled, and as the
 * blocked-path reference in tests. Accumulates with separate multiply and add, in order of k.
 */
public final class ScalarGemm extends GemmKernel {
  private static final int MR = 4;
  private static final int NR = 8;

  public ScalarGemm() {
    super(MR, NR);
  }

  @Override
  protected void microKernel(int kc, float[] a, int ia, float[] b, int ib, float[] tile) {
    java.util.Arrays.fill(tile, 0, MR * NR, 0f);
    for (int p = 0; p < kc; p++, ia += MR, ib += NR) {
      for (int i = 0; i < MR; i++) {
        float av = a[ia + i];
        int t = i * NR;
        for (int j = 0; j < NR; j++) {
          tile[t + j] += av * b[ib + j];
        }
      }
    }
  }
}
