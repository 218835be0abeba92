package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quantlens.engine.ops.ShapeTestSupport.at;
import static org.quantlens.engine.ops.ShapeTestSupport.attrs;
import static org.quantlens.engine.ops.ShapeTestSupport.forEachIndex;
import static org.quantlens.engine.ops.ShapeTestSupport.iota;
import static org.quantlens.engine.ops.ShapeTestSupport.longs;
import static org.quantlens.engine.ops.ShapeTestSupport.run1;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class PadOpsTest {
  /** Source coordinate of output coordinate o, or -1 for the constant; numpy's pad semantics. */
  private static int source(int o, int begin, int n, String mode) {
    int i = o - begin;
    if (i >= 0 && i < n) {
      return i;
    }
    switch (mode) {
      case "constant":
        return -1;
      case "edge":
        return i < 0 ? 0 : n - 1;
      case "wrap":
        return ((i % n) + n) % n;
      default: // reflect: bounce off the edges until inside
        if (n == 1) {
          return 0;
        }
        while (i < 0 || i >= n) {
          i = i < 0 ? -i : 2 * (n - 1) - i;
        }
        return i;
    }
  }

  private static void checkAgainstReference(Tensor x, long[] pads, String mode, double value, Tensor y) {
    int r = x.rank();
    forEachIndex(y.shape(), p -> {
      int[] src = new int[r];
      boolean constant = false;
      for (int d = 0; d < r; d++) {
        src[d] = source(p[d], (int) pads[d], x.dim(d), mode);
        constant |= src[d] < 0;
      }
      assertEquals(constant ? value : at(x, src), at(y, p), mode + " at " + java.util.Arrays.toString(p));
    });
  }

  @Test
  void everyModeMatchesReferenceIncludingPadsWiderThanTheInput() {
    Tensor x = iota(DType.F32, 2, 3, 4);
    long[][] padSets = {{0, 1, 2, 0, 2, 1}, {1, 0, 3, 1, 2, 3}, {0, 0, 0, 0, 0, 0}, {0, 4, 7, 0, 5, 9}};
    for (String mode : new String[] {"constant", "reflect", "edge", "wrap"}) {
      for (long[] pads : padSets) {
        Tensor y = run1("Pad", 19, attrs("mode", mode), x, longs(pads), Tensor.scalar(-1.5f));
        int[] want = new int[3];
        for (int d = 0; d < 3; d++) {
          want[d] = (int) (x.dim(d) + pads[d] + pads[d + 3]);
        }
        assertArrayEquals(want, y.shape());
        checkAgainstReference(x, pads, mode, -1.5, y);
      }
    }
  }

  @Test
  void negativePadsCrop() {
    Tensor x = iota(DType.I32, 4, 5);
    Tensor y = run1("Pad", 13, Map.of(), x, longs(-1, 1, 0, -2));
    assertArrayEquals(new int[] {3, 4}, y.shape());
    // rows 1..3, columns: one zero then 0..2
    assertArrayEquals(new int[] {0, 5, 6, 7, 0, 10, 11, 12, 0, 15, 16, 17}, y.ints());
  }

  @Test
  void opset2AttributesOpset1PaddingsAndOpset18Axes() {
    Tensor x = iota(DType.F32, 2, 2);
    Tensor v2 = run1("Pad", 2, attrs("pads", new long[] {0, 1, 0, 0}, "value", 9f), x);
    assertArrayEquals(new float[] {9, 0, 1, 9, 2, 3}, v2.floats());
    Tensor v1 = run1("Pad", 1, attrs("paddings", new long[] {1, 0, 0, 0}), x);
    assertArrayEquals(new float[] {0, 0, 0, 1, 2, 3}, v1.floats());
    Tensor v18 = run1("Pad", 18, attrs("mode", "edge"), x, longs(1, 2), null, longs(-1));
    assertArrayEquals(new float[] {0, 0, 1, 1, 1, 2, 2, 3, 3, 3}, v18.floats());
    // integer data with its constant value input
    Tensor xi = iota(DType.I64, 3);
    assertArrayEquals(new long[] {7, 0, 1, 2, 7}, run1("Pad", 11, Map.of(), xi, longs(1, 1), longs(7).reshape()).longs());
  }

  @Test
  void badPadsAreRejected() {
    Tensor x = iota(DType.F32, 2, 2);
    assertThrows(ShapeMismatchException.class, () -> run1("Pad", 13, Map.of(), x, longs(1, 1)));
    assertThrows(ShapeMismatchException.class, () -> run1("Pad", 13, Map.of(), x, longs(-3, 0, 0, 0)));
    assertThrows(ShapeMismatchException.class, () -> run1("Pad", 13, attrs("mode", "reflect"),
        Tensor.zeros(DType.F32, 0, 2), longs(1, 0, 0, 0)));
  }
}
