package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quantlens.engine.ops.ShapeTestSupport.at;
import static org.quantlens.engine.ops.ShapeTestSupport.attrs;
import static org.quantlens.engine.ops.ShapeTestSupport.forEachIndex;
import static org.quantlens.engine.ops.ShapeTestSupport.iota;
import static org.quantlens.engine.ops.ShapeTestSupport.run1;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class TransposeOpsTest {
  @Test
  void transposeMovesEveryElementToItsPermutedIndexForEveryDtype() {
    int[][] perms = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {1, 0, 2}};
    for (DType t : DType.values()) {
      Tensor x = iota(t, 3, 4, 5);
      for (int[] p : perms) {
        long[] perm = {p[0], p[1], p[2]};
        Tensor y = run1("Transpose", 13, attrs("perm", perm), x);
        assertArrayEquals(new int[] {x.dim(p[0]), x.dim(p[1]), x.dim(p[2])}, y.shape());
        forEachIndex(y.shape(), pos -> {
          int[] src = new int[3];
          for (int i = 0; i < 3; i++) {
            src[p[i]] = pos[i];
          }
          assertEquals(at(x, src), at(y, pos), t + " " + java.util.Arrays.toString(p));
        });
      }
    }
  }

  @Test
  void transposeDefaultsToReversedAxesAndRejectsBadPerms() {
    Tensor x = iota(DType.F32, 2, 3, 4);
    Tensor y = run1("Transpose", 13, Map.of(), x);
    assertArrayEquals(new int[] {4, 3, 2}, y.shape());
    assertEquals(at(x, 1, 2, 3), at(y, 3, 2, 1));
    assertThrows(ShapeMismatchException.class, () -> run1("Transpose", 13, attrs("perm", new long[] {0, 0, 1}), x));
    assertThrows(ShapeMismatchException.class, () -> run1("Transpose", 13, attrs("perm", new long[] {0, 1}), x));
  }

  @Test
  void largeNchwToNhwcTransposeMatchesReference() {
    Tensor x = ShapeTestSupport.randomFloats(new java.util.Random(1), 2, 64, 40, 33);
    Tensor y = run1("Transpose", 13, attrs("perm", new long[] {0, 2, 3, 1}), x);
    forEachIndex(y.shape(), pos -> assertEquals(at(x, pos[0], pos[3], pos[1], pos[2]), at(y, pos)));
  }

  @Test
  void depthToSpaceFollowsTheSpecFormulaInBothModes() {
    int b = 2;
    Tensor x = iota(DType.F32, 1, 8, 2, 3);
    Tensor dcr = run1("DepthToSpace", 13, attrs("blocksize", b), x);
    Tensor crd = run1("DepthToSpace", 13, attrs("blocksize", b, "mode", "CRD"), x);
    assertArrayEquals(new int[] {1, 2, 4, 6}, dcr.shape());
    forEachIndex(dcr.shape(), p -> {
      int c = p[1];
      int h = p[2] / b;
      int bh = p[2] % b;
      int w = p[3] / b;
      int bw = p[3] % b;
      // DCR: depth is (bh, bw, c); CRD: depth is (c, bh, bw)
      assertEquals(at(x, 0, (bh * b + bw) * 2 + c, h, w), at(dcr, p), "DCR");
      assertEquals(at(x, 0, c * b * b + bh * b + bw, h, w), at(crd, p), "CRD");
    });
    assertArrayEquals(dcr.floats(), run1("DepthToSpace", 1, attrs("blocksize", b, "mode", "CRD"), x).floats(),
        "mode is ignored before opset 11");
  }

  @Test
  void spaceToDepthInvertsDepthToSpaceDcr() {
    Tensor x = iota(DType.F32, 2, 3, 4, 6);
    Tensor s = run1("SpaceToDepth", 13, attrs("blocksize", 2), x);
    assertArrayEquals(new int[] {2, 12, 2, 3}, s.shape());
    assertArrayEquals(x.floats(), run1("DepthToSpace", 13, attrs("blocksize", 2), s).floats());
    assertThrows(ShapeMismatchException.class, () -> run1("SpaceToDepth", 13, attrs("blocksize", 4), x));
  }
}
