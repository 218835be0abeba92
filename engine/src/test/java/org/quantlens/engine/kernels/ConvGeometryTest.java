package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.kernels.ConvGeometry.AutoPad;

/** Output extents and resolved pads against values worked out by hand from the ONNX formulas. */
class ConvGeometryTest {
  private static ConvGeometry g(int in, int k, int s, int d, int pb, int pe, AutoPad ap, boolean ceil) {
    return ConvGeometry.of(new int[] {in}, new int[] {k}, new int[] {s}, new int[] {d},
        new int[] {pb, pe}, ap, ceil);
  }

  @Test
  void explicitPadsFloorAndCeilMode() {
    // (5 + 1 + 1 - 3) / 2 + 1 = 3
    assertArrayEquals(new int[] {3}, g(5, 3, 2, 1, 1, 1, AutoPad.NOTSET, false).out);
    // floor((4 - 3) / 2) + 1 = 1; ceil gives 2 (last window starts at 2 < 4)
    assertArrayEquals(new int[] {1}, g(4, 3, 2, 1, 0, 0, AutoPad.NOTSET, false).out);
    assertArrayEquals(new int[] {2}, g(4, 3, 2, 1, 0, 0, AutoPad.NOTSET, true).out);
    // in 5, k 2, s 2, pad end 1: ceil((5+1-2)/2)+1 = 3; window 2 starts at 4 < 5: kept
    assertArrayEquals(new int[] {3}, g(5, 2, 2, 1, 0, 1, AutoPad.NOTSET, true).out);
    // in 4, k 1, s 2, pad end 1: ceil((4+1-1)/2)+1 = 3, but window 2 would start at 4 (padding): 2
    assertArrayEquals(new int[] {2}, g(4, 1, 2, 1, 0, 1, AutoPad.NOTSET, true).out);
    // dilation 2, k 3 spans 5: (7 - 5) / 1 + 1 = 3
    assertArrayEquals(new int[] {3}, g(7, 3, 1, 2, 0, 0, AutoPad.NOTSET, false).out);
  }

  @Test
  void autoPadSameUpperLowerAndValid() {
    // in 5, k 3, s 2: out ceil(5/2) = 3, total pad (3-1)*2 + 3 - 5 = 2 -> 1/1 for both
    ConvGeometry up = g(5, 3, 2, 1, 9, 9, AutoPad.SAME_UPPER, false);
    assertArrayEquals(new int[] {3}, up.out);
    assertArrayEquals(new int[] {1}, up.padBegin);
    assertArrayEquals(new int[] {1}, up.padEnd);
    // in 4, k 4, s 1: out 4, total 3 -> upper 1/2, lower 2/1
    ConvGeometry u = g(4, 4, 1, 1, 0, 0, AutoPad.SAME_UPPER, false);
    assertArrayEquals(new int[] {1}, u.padBegin);
    assertArrayEquals(new int[] {2}, u.padEnd);
    ConvGeometry l = g(4, 4, 1, 1, 0, 0, AutoPad.SAME_LOWER, false);
    assertArrayEquals(new int[] {4}, l.out);
    assertArrayEquals(new int[] {2}, l.padBegin);
    assertArrayEquals(new int[] {1}, l.padEnd);
    // valid: in 7, k 3, s 2 -> (7-3)/2 + 1 = 3, pads ignored
    ConvGeometry v = g(7, 3, 2, 1, 5, 5, AutoPad.VALID, false);
    assertArrayEquals(new int[] {3}, v.out);
    assertArrayEquals(new int[] {0}, v.padBegin);
  }

  @Test
  void tapsInsideCountsRealAndPaddedElements() {
    // in 4, k 3, s 2, pad 1/1, ceil: out = ceil((4+2-3)/2)+1 = 3; window 2 starts at 3 (< 5).
    ConvGeometry c = g(4, 3, 2, 1, 1, 1, AutoPad.NOTSET, true);
    assertArrayEquals(new int[] {3}, c.out);
    // windows cover [-1,1], [1,3], [3,5]; inside [0,4): 2, 3, 1; inside padded [-1,5): 3, 3, 2
    assertArrayEquals(new int[] {2, 3, 1}, c.tapsInside(0, 0, 4));
    assertArrayEquals(new int[] {3, 3, 2}, c.tapsInside(0, -1, 5));
  }

  @Test
  void tooSmallInputIsAShapeError() {
    assertThrows(ShapeMismatchException.class, () -> g(2, 3, 1, 1, 0, 0, AutoPad.NOTSET, false));
    assertThrows(ShapeMismatchException.class, () -> g(3, 2, 1, 3, 0, 0, AutoPad.VALID, false));
  }
}
