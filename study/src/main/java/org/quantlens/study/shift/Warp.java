package org.quantlens.study.shift;

import org.quantlens.study.shift.ImageOps.Border;

/**
 * skimage {@code warp(x, inverse_map=AffineTransform)}: output pixel (column, row) reads the input
 * at {@code M (column, row, 1)} bilinearly, zero outside. The MNIST-C geometric corruptions keep
 * the image centre fixed: for the 2 x 2 part {@code [[a1, a2], [b1, b2]]} the translation is
 * {@code (cx - a1 cx - a2 cy, cy - b1 cx - b2 cy)} with {@code (cx, cy) = ((W-1)/2, (H-1)/2)},
 * which is MNIST-C's {@code 13.5 (1 - a1 - a2)} on 28 x 28 images.
 */
final class Warp {
  private Warp() {}

  /** Warps with {@code [[a1, a2, a3], [b1, b2, b3]]} mapping output (col, row) to input (x, y). */
  static FloatImage affine(FloatImage img, double a1, double a2, double a3, double b1, double b2,
      double b3) {
    int h = img.height();
    int w = img.width();
    int c = img.channels();
    float[] src = img.data();
    float[] out = new float[src.length];
    for (int row = 0; row < h; row++) {
      for (int col = 0; col < w; col++) {
        double x = a1 * col + a2 * row + a3;
        double y = b1 * col + b2 * row + b3;
        for (int ch = 0; ch < c; ch++) {
          out[(row * w + col) * c + ch] =
              ImageOps.bilinear(src, h, w, c, ch, y, x, Border.CONSTANT);
        }
      }
    }
    return new FloatImage(h, w, c, out);
  }

  /** Warps with a 2 x 2 matrix about the image centre. */
  static FloatImage centred(FloatImage img, double a1, double a2, double b1, double b2) {
    double cx = (img.width() - 1) / 2.0;
    double cy = (img.height() - 1) / 2.0;
    return affine(img, a1, a2, cx - a1 * cx - a2 * cy, b1, b2, cy - b1 * cx - b2 * cy);
  }
}
