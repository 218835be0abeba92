package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quantlens.engine.ops.ShapeTestSupport.attrs;
import static org.quantlens.engine.ops.ShapeTestSupport.iota;
import static org.quantlens.engine.ops.ShapeTestSupport.longs;
import static org.quantlens.engine.ops.ShapeTestSupport.run1;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class SliceOpsTest {
  private static final long MAX = Long.MAX_VALUE;
  private static final long MIN = Long.MIN_VALUE;

  private static long[] slice1d(long start, long end, long step) {
    return run1("Slice", 13, Map.of(), iota(DType.I64, 10), longs(start), longs(end), longs(0),
        longs(step)).longs();
  }

  @Test
  void oneDimensionalSlicesFollowPythonRulesWithClamping() {
    // expected index lists written by hand from Python's list(range(10))[start:end:step]
    assertArrayEquals(new long[] {2, 3, 4}, slice1d(2, 5, 1));
    assertArrayEquals(new long[] {7, 8, 9}, slice1d(-3, MAX, 1));
    assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, slice1d(-100, 100, 1));
    assertArrayEquals(new long[] {}, slice1d(5, 2, 1));
    assertArrayEquals(new long[] {1, 4, 7}, slice1d(1, 9, 3));
    assertArrayEquals(new long[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, slice1d(-1, MIN, -1));
    assertArrayEquals(new long[] {9, 6, 3, 0}, slice1d(20, -20, -3));
    assertArrayEquals(new long[] {8, 6}, slice1d(-2, 5, -2));
    assertArrayEquals(new long[] {}, slice1d(2, 5, -1));
    assertArrayEquals(new long[] {9}, slice1d(9, 8, -1));
    assertArrayEquals(new long[] {}, slice1d(10, MAX, 1));
  }

  @Test
  void multiAxisSliceWithDefaultAndNegativeAxes() {
    Tensor x = iota(DType.F32, 3, 4, 5);
    // x[:, 1:3, ::-2] via axes [-1, 1]
    Tensor y = run1("Slice", 13, Map.of(), x, longs(MAX, 1), longs(MIN, 3), longs(-1, 1), longs(-2, 1));
    assertArrayEquals(new int[] {3, 2, 3}, y.shape());
    float[] want = new float[18];
    int k = 0;
    for (int a = 0; a < 3; a++) {
      for (int b = 1; b < 3; b++) {
        for (int c = 4; c >= 0; c -= 2) {
          want[k++] = a * 20 + b * 5 + c;
        }
      }
    }
    assertArrayEquals(want, y.floats());
    // without axes, starts/ends apply to the leading dimensions
    assertArrayEquals(new int[] {1, 2, 5}, run1("Slice", 10, Map.of(), x, longs(1, 2), longs(2, 4)).shape());
  }

  @Test
  void opset1TakesAttributesAndInt32IndicesWork() {
    Tensor x = iota(DType.I32, 4, 6);
    Tensor y = run1("Slice", 1, attrs("starts", new long[] {1}, "ends", new long[] {1000},
        "axes", new long[] {1}), x);
    assertArrayEquals(new int[] {4, 5}, y.shape());
    Tensor z = run1("Slice", 13, Map.of(), x, ShapeTestSupport.ints(2), ShapeTestSupport.ints(-1));
    assertArrayEquals(new int[] {12, 13, 14, 15, 16, 17}, z.ints());
  }

  @Test
  void zeroStepAndRepeatedAxesAreRejected() {
    Tensor x = iota(DType.F32, 4, 4);
    assertThrows(ShapeMismatchException.class, () -> run1("Slice", 13, Map.of(), x, longs(0), longs(2), longs(0), longs(0)));
    assertThrows(ShapeMismatchException.class, () -> run1("Slice", 13, Map.of(), x, longs(0, 0), longs(2, 2), longs(1, -1)));
  }
}
