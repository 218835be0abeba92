package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quantlens.engine.ops.ShapeTestSupport.at;
import static org.quantlens.engine.ops.ShapeTestSupport.attrs;
import static org.quantlens.engine.ops.ShapeTestSupport.forEachIndex;
import static org.quantlens.engine.ops.ShapeTestSupport.iota;
import static org.quantlens.engine.ops.ShapeTestSupport.longs;
import static org.quantlens.engine.ops.ShapeTestSupport.run;
import static org.quantlens.engine.ops.ShapeTestSupport.run1;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class ShapeJoinOpsTest {
  @Test
  void concatPlacesEachInputAtItsOffsetOnEveryAxis() {
    Tensor a = iota(DType.F32, 2, 3, 4);
    Tensor b = iota(DType.F32, 2, 3, 4);
    for (int i = 0; i < b.size(); i++) {
      b.floats()[i] += 100;
    }
    for (int axis = -3; axis < 3; axis++) {
      int ax = axis < 0 ? axis + 3 : axis;
      Tensor y = run1("Concat", 13, attrs("axis", axis), a, b, a);
      assertEquals(3 * a.dim(ax), y.dim(ax));
      forEachIndex(y.shape(), p -> {
        int part = p[ax] / a.dim(ax);
        int[] src = p.clone();
        src[ax] %= a.dim(ax);
        assertEquals(at(part == 1 ? b : a, src), at(y, p));
      });
    }
  }

  @Test
  void concatAcceptsEmptyPartsAndRejectsMismatches() {
    Tensor a = iota(DType.I64, 3);
    assertArrayEquals(new long[] {0, 1, 2}, run1("Concat", 13, attrs("axis", 0), a, Tensor.zeros(DType.I64, 0)).longs());
    assertThrows(ShapeMismatchException.class, () -> run1("Concat", 13, attrs("axis", 0), a, iota(DType.I64, 1, 3)));
    assertThrows(ShapeMismatchException.class, () -> run1("Concat", 13, attrs("axis", 0), a, iota(DType.I32, 3)));
    assertThrows(InvalidAttributeException.class, () -> run1("Concat", 13, Map.of(), a));
  }

  @Test
  void largeConcatSplitsWorkWithoutChangingTheResult() {
    Tensor a = iota(DType.F32, 64, 1000);
    Tensor b = iota(DType.F32, 64, 500);
    Tensor y = run1("Concat", 13, attrs("axis", 1), a, b); // 96000 elements: parallel path
    forEachIndex(y.shape(), p -> assertEquals(p[1] < 1000 ? at(a, p) : at(b, p[0], p[1] - 1000), at(y, p)));
  }

  @Test
  void splitUndoesConcatWithSizesFromAttributeOrInput() {
    Tensor x = iota(DType.F32, 2, 6);
    Tensor[] v2 = run("Split", 11, attrs("axis", -1, "split", new long[] {1, 2, 3}), 3, false, x);
    Tensor[] v13 = run("Split", 13, attrs("axis", 1), 3, false, x, longs(1, 2, 3));
    assertArrayEquals(new float[] {0, 6}, v2[0].floats());
    assertArrayEquals(new float[] {1, 2, 7, 8}, v2[1].floats());
    assertArrayEquals(new float[] {3, 4, 5, 9, 10, 11}, v2[2].floats());
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(v2[i].floats(), v13[i].floats());
    }
    assertArrayEquals(x.floats(), run1("Concat", 13, attrs("axis", 1), v13).floats());
    Tensor[] equal = run("Split", 13, Map.of(), 2, false, x);
    assertArrayEquals(new int[] {1, 6}, equal[1].shape());
    Tensor[] uneven = run("Split", 18, attrs("axis", 1, "num_outputs", 4), 4, false, x);
    assertArrayEquals(new int[] {2, 2, 2, 0}, new int[] {uneven[0].dim(1), uneven[1].dim(1),
        uneven[2].dim(1), uneven[3].dim(1)}, "ceil(6/4) = 2 per part, the rest is empty");
    assertThrows(ShapeMismatchException.class, () -> run("Split", 13, Map.of(), 2, false, x, longs(1, 2)));
  }

  @Test
  void expandBroadcastsBothWays() {
    Tensor x = iota(DType.I32, 3, 1);
    Tensor y = run1("Expand", 13, Map.of(), x, longs(2, 1, 4));
    assertArrayEquals(new int[] {2, 3, 4}, y.shape());
    forEachIndex(y.shape(), p -> assertEquals(at(x, p[1], 0), at(y, p)));
    assertThrows(ShapeMismatchException.class, () -> run1("Expand", 13, Map.of(), x, longs(2, 2)));
  }

  @Test
  void tileRepeatsEveryAxisModuloItsSize() {
    Tensor x = iota(DType.F64, 2, 3);
    Tensor y = run1("Tile", 13, Map.of(), x, longs(3, 2));
    assertArrayEquals(new int[] {6, 6}, y.shape());
    forEachIndex(y.shape(), p -> assertEquals(at(x, p[0] % 2, p[1] % 3), at(y, p)));
    assertEquals(0, run1("Tile", 13, Map.of(), x, longs(0, 2)).size());
    Tensor v1 = run1("Tile", 1, Map.of(), x, longs(2).reshape(), longs(1).reshape());
    assertArrayEquals(new int[] {2, 6}, v1.shape());
    forEachIndex(v1.shape(), p -> assertEquals(at(x, p[0], p[1] % 3), at(v1, p)));
  }
}
