package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link PackedMatrix#steps}: a range of the shared dimension, as packing that range would give. */
class PackedMatrixTest {
  @Test
  void stepsOfAPackedMatrixAreThePackingOfThoseRowsOfB() {
    Random rnd = new Random(4);
    for (int trial = 0; trial < 40; trial++) {
      int n = 1 + rnd.nextInt(70); // B's columns: the last panel is usually partial
      int k = 2 + rnd.nextInt(60);
      int p0 = rnd.nextInt(k);
      int p1 = p0 + rnd.nextInt(k - p0 + 1);
      float[] bt = new float[n * k]; // stored n x k, as LSTM weights are (transB)
      for (int i = 0; i < bt.length; i++) {
        bt[i] = rnd.nextFloat() - 0.5f;
      }
      PackedMatrix cut = Gemm.packB(true, k, n, bt, 0, k).steps(p0, p1);
      PackedMatrix want = Gemm.packB(true, p1 - p0, n, bt, p0, k);
      assertEquals(want.depth(), cut.depth());
      assertEquals(want.outer(), cut.outer());
      assertArrayEquals(want.data(), cut.data(), "n=" + n + " k=" + k + " [" + p0 + ", " + p1 + ")");
    }
  }

  @Test
  void stepsOutsideTheDepthAreRejected() {
    PackedMatrix m = Gemm.packB(true, 4, 3, new float[12], 0, 4);
    assertThrows(IllegalArgumentException.class, () -> m.steps(2, 5));
    assertThrows(IllegalArgumentException.class, () -> m.steps(3, 2));
  }
}
