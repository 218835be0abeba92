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

class GatherOpsTest {
  @Test
  void gatherOnEveryAxisMatchesIndexingWithNegativeIndices() {
    Tensor x = iota(DType.F32, 3, 4, 5);
    Tensor idx = Tensor.of(new long[] {1, -1, 0, 2, 2, -2}, 2, 3);
    for (int axis = -3; axis < 3; axis++) {
      int a = axis < 0 ? axis + 3 : axis;
      if (x.dim(a) < 3) {
        continue;
      }
      Tensor y = run1("Gather", 13, attrs("axis", axis), x, idx);
      int[] want = new int[4];
      for (int d = 0, k = 0; d < 3; d++) {
        if (d == a) {
          want[k++] = 2;
          want[k++] = 3;
        } else {
          want[k++] = x.dim(d);
        }
      }
      assertArrayEquals(want, y.shape());
      forEachIndex(y.shape(), p -> {
        long i = (long) at(idx, p[a], p[a + 1]);
        int[] src = new int[3];
        for (int d = 0, k = 0; d < 3; d++) {
          src[d] = d == a ? (int) (i < 0 ? i + x.dim(a) : i) : p[k];
          k += d == a ? 2 : 1;
        }
        assertEquals(at(x, src), at(y, p));
      });
    }
  }

  @Test
  void scalarIndexDropsTheAxisAndInt32IndicesWork() {
    Tensor x = iota(DType.I64, 4, 3);
    Tensor row = run1("Gather", 13, Map.of(), x, longs(2).reshape());
    assertArrayEquals(new int[] {3}, row.shape());
    assertArrayEquals(new long[] {6, 7, 8}, row.longs());
    Tensor col = run1("Gather", 13, attrs("axis", 1), x, Tensor.of(new int[] {2, 0}, 2));
    assertArrayEquals(new long[] {2, 0, 5, 3, 8, 6, 11, 9}, col.longs());
    assertThrows(ShapeMismatchException.class, () -> run1("Gather", 13, Map.of(), x, longs(4)));
  }

  @Test
  void gatherElementsPicksPerElementAlongTheAxis() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3);
    Tensor idx = Tensor.of(new long[] {1, 2, 0, 2, -3, 0}, 2, 3);
    // axis 0: out[i][j] = x[idx[i][j]][j]
    assertArrayEquals(new float[] {4, 8, 3, 7, 2, 3}, run1("GatherElements", 13, Map.of(), x, idx).floats());
    // axis 1: out[i][j] = x[i][idx[i][j]]
    assertArrayEquals(new float[] {2, 3, 1, 6, 4, 4}, run1("GatherElements", 13, attrs("axis", 1), x, idx).floats());
  }

  @Test
  void gatherElementsMatchesReferenceOnA3dTensorWithSmallerIndexShape() {
    Tensor x = iota(DType.I32, 3, 4, 5);
    java.util.Random r = new java.util.Random(5);
    for (int axis = 0; axis < 3; axis++) {
      int[] qs = {2, 3, 4};
      qs[axis] = 6;
      Tensor idx = Tensor.zeros(DType.I64, qs);
      for (int i = 0; i < idx.size(); i++) {
        idx.longs()[i] = r.nextInt(2 * x.dim(axis)) - x.dim(axis);
      }
      Tensor y = run1("GatherElements", 13, attrs("axis", axis), x, idx);
      int a = axis;
      forEachIndex(qs, p -> {
        int[] src = p.clone();
        long i = (long) at(idx, p);
        src[a] = (int) (i < 0 ? i + x.dim(a) : i);
        assertEquals(at(x, src), at(y, p));
      });
    }
  }
}
