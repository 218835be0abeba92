package org.quantlens.engine.kernels;

/**
 * Max pooling of 8-bit planes (int8 or uint8) in their own domain, 1-D and 2-D: no widening to
 * float and back. Padding never wins (taps outside the input are skipped), so results equal the
 * float pool of the same values. Tasks are groups of whole planes, as in {@link FloatPool}.
 */
public final class BytePool {
  private BytePool() {}

  /** {@code y} = max pooling of {@code planes} planes of {@code x}, values read as unsigned when asked. */
  public static void max(ConvGeometry g, int planes, byte[] x, boolean unsigned, byte[] y, Parallel par) {
    int d = g.rank - 1;
    boolean twoD = g.rank == 2;
    int inH = twoD ? g.in[0] : 1;
    int inW = g.in[d];
    int outH = twoD ? g.out[0] : 1;
    int outW = g.out[d];
    int kh = twoD ? g.kernel[0] : 1;
    int kw = g.kernel[d];
    int sh = twoD ? g.strides[0] : 1;
    int sw = g.strides[d];
    int dh = twoD ? g.dilations[0] : 1;
    int dw = g.dilations[d];
    int ph = twoD ? g.padBegin[0] : 0;
    int pw = g.padBegin[d];
    int flip = unsigned ? 0x80 : 0; // uint8 order equals int8 order of (v ^ 0x80)
    FloatPool.forPlanes(planes, g.inSize, par, p -> {
      int xo = p * g.inSize;
      int yo = p * g.outSize;
      for (int oy = 0; oy < outH; oy++) {
        int iy0 = oy * sh - ph;
        for (int ox = 0; ox < outW; ox++) {
          int ix0 = ox * sw - pw;
          int best = Integer.MIN_VALUE;
          for (int ky = 0; ky < kh; ky++) {
            int iy = iy0 + ky * dh;
            if (iy < 0 || iy >= inH) {
              continue;
            }
            int row = xo + iy * inW;
            for (int kx = 0; kx < kw; kx++) {
              int ix = ix0 + kx * dw;
              if (ix >= 0 && ix < inW) {
                best = Math.max(best, (byte) (x[row + ix] ^ flip));
              }
            }
          }
          y[yo + oy * outW + ox] = (byte) (best ^ flip);
        }
      }
    });
  }
}
