package org.quantlens.engine.kernels;

import java.util.Arrays;

/**
 * Where each (input channel, kernel tap) term of a convolution reads in its padded input: {@code
 * c * planeSize + tap offset} in {@link PaddedPlane}'s layout, relative to the output position.
 * The direct kernel and the patch panels both read through it. Immutable; an op keeps the last
 * one and passes it back ({@link #reuse}), so steady-state calls allocate none.
 */
public final class TapOffsets {
  final ConvGeometry g;
  final int channels;
  final PaddedPlane plane;
  final int planeSize;
  final int[] offsets;

  private TapOffsets(ConvGeometry g, int channels) {
    this.g = g;
    this.channels = channels;
    plane = new PaddedPlane(g);
    planeSize = plane.size();
    int[] taps = plane.taps();
    offsets = new int[channels * taps.length];
    for (int c = 0, q = 0; c < channels; c++) {
      for (int t : taps) {
        offsets[q++] = c * planeSize + t;
      }
    }
  }

  /** {@code cached} when it has these channels and spatial geometry, else new offsets. */
  static TapOffsets reuse(TapOffsets cached, ConvGeometry g, int channels) {
    return cached != null && cached.fits(g, channels) ? cached : new TapOffsets(g, channels);
  }

  /** Same channels and spatial geometry (the batch size may differ). */
  private boolean fits(ConvGeometry g, int channels) {
    ConvGeometry h = this.g;
    return this.channels == channels && (h == g || Arrays.equals(h.in, g.in)
        && Arrays.equals(h.kernel, g.kernel) && Arrays.equals(h.strides, g.strides)
        && Arrays.equals(h.dilations, g.dilations) && Arrays.equals(h.padBegin, g.padBegin)
        && Arrays.equals(h.out, g.out));
  }
}
