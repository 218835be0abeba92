package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quantlens.engine.ops.ShapeTestSupport.attrs;
import static org.quantlens.engine.ops.ShapeTestSupport.iota;
import static org.quantlens.engine.ops.ShapeTestSupport.longs;
import static org.quantlens.engine.ops.ShapeTestSupport.run;
import static org.quantlens.engine.ops.ShapeTestSupport.run1;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.UnsupportedOpException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class ShapeOpsTest {
  private static final Map<String, org.quantlens.engine.graph.Attribute> NONE = Map.of();

  @Test
  void reshapeCopiesZerosInfersMinusOneAndIsAViewOfItsInput() {
    Tensor x = iota(DType.F32, 2, 3, 4);
    Tensor y = run1("Reshape", 13, NONE, x, longs(0, -1, 2));
    assertArrayEquals(new int[] {2, 6, 2}, y.shape());
    assertSame(x.data(), y.data(), "a reshape is a view");
    assertArrayEquals(new int[] {24}, run1("Reshape", 5, NONE, x, longs(-1)).shape());
    assertArrayEquals(new int[] {4, 6}, run1("Reshape", 1, attrs("shape", new long[] {4, 6}), x).shape());
  }

  @Test
  void reshapeAllowZeroKeepsLiteralZeroDimensions() {
    Tensor empty = Tensor.zeros(DType.F32, 0, 3);
    assertArrayEquals(new int[] {3, 0}, run1("Reshape", 14, attrs("allowzero", 1), empty, longs(3, 0)).shape());
    // without allowzero, 0 copies the input dimension: [0,3] -> [0, 3]
    assertArrayEquals(new int[] {0, 3}, run1("Reshape", 14, NONE, empty, longs(0, 3)).shape());
  }

  @Test
  void reshapeRejectsImpossibleTargetsNamingTheNode() {
    Tensor x = iota(DType.F32, 2, 3);
    ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
        () -> run1("Reshape", 13, NONE, x, longs(4, -1)));
    assertEquals(true, e.getMessage().contains("node 'n' (Reshape)"), e.getMessage());
    assertThrows(ShapeMismatchException.class, () -> run1("Reshape", 13, NONE, x, longs(-1, -1)));
    assertThrows(ShapeMismatchException.class, () -> run1("Reshape", 13, NONE, x, longs(7)));
  }

  @Test
  void flattenSplitsTheShapeAtTheAxisIncludingZeroAndNegative() {
    Tensor x = iota(DType.I32, 2, 3, 4, 5);
    assertArrayEquals(new int[] {2, 60}, run1("Flatten", 13, NONE, x).shape());
    assertArrayEquals(new int[] {1, 120}, run1("Flatten", 13, attrs("axis", 0), x).shape());
    assertArrayEquals(new int[] {24, 5}, run1("Flatten", 13, attrs("axis", -1), x).shape());
    assertArrayEquals(new int[] {120, 1}, run1("Flatten", 13, attrs("axis", 4), x).shape());
    assertArrayEquals(new int[] {6, 20}, run1("Flatten", 11, attrs("axis", -2), x).shape());
    assertThrows(ShapeMismatchException.class, () -> run1("Flatten", 13, attrs("axis", 5), x));
  }

  @Test
  void squeezeAndUnsqueezeTakeAxesFromAttributesBefore13AndInputsFrom13() {
    Tensor x = iota(DType.F32, 1, 3, 1, 2);
    assertArrayEquals(new int[] {3, 2}, run1("Squeeze", 11, NONE, x).shape());
    assertArrayEquals(new int[] {3, 1, 2}, run1("Squeeze", 11, attrs("axes", new long[] {0}), x).shape());
    assertArrayEquals(new int[] {1, 3, 2}, run1("Squeeze", 13, NONE, x, longs(-2)).shape());
    assertArrayEquals(new int[] {3, 2}, run1("Squeeze", 13, NONE, x, null).shape());
    assertThrows(ShapeMismatchException.class, () -> run1("Squeeze", 13, NONE, x, longs(1)));

    Tensor v = iota(DType.F32, 3, 4);
    assertArrayEquals(new int[] {1, 3, 1, 4}, run1("Unsqueeze", 1, attrs("axes", new long[] {0, 2}), v).shape());
    // axes refer to the output: -1 is the new last dimension; order of axes does not matter
    assertArrayEquals(new int[] {3, 4, 1}, run1("Unsqueeze", 13, NONE, v, longs(-1)).shape());
    assertArrayEquals(new int[] {1, 3, 1, 4, 1}, run1("Unsqueeze", 13, NONE, v, longs(4, 0, 2)).shape());
    assertArrayEquals(new int[] {1}, run1("Unsqueeze", 13, NONE, Tensor.scalar(2f), longs(0)).shape());
    assertThrows(ShapeMismatchException.class, () -> run1("Unsqueeze", 13, NONE, v, longs(0, 0)));
    assertThrows(InvalidAttributeException.class, () -> run1("Unsqueeze", 11, NONE, v));
  }

  @Test
  void shapeHonoursStartAndEndFromOpset15AndIgnoresThemBefore() {
    Tensor x = Tensor.zeros(DType.F32, 2, 3, 4, 5);
    assertArrayEquals(new long[] {2, 3, 4, 5}, run1("Shape", 13, NONE, x).longs());
    assertArrayEquals(new long[] {3, 4}, run1("Shape", 15, attrs("start", 1, "end", -1), x).longs());
    assertArrayEquals(new long[] {5}, run1("Shape", 15, attrs("start", -1), x).longs());
    assertArrayEquals(new long[] {2, 3, 4, 5}, run1("Shape", 15, attrs("start", -10, "end", 10), x).longs());
    assertArrayEquals(new long[] {}, run1("Shape", 15, attrs("start", 3, "end", 1), x).longs());
    assertArrayEquals(new long[] {2, 3, 4, 5}, run1("Shape", 13, attrs("start", 1), x).longs());
    Tensor size = run1("Size", 13, NONE, x);
    assertEquals(0, size.rank());
    assertEquals(120, size.longs()[0]);
  }

  @Test
  void constantReadsEveryValueAttributeAndRefusesStringsClearly() {
    Tensor t = iota(DType.I32, 2, 2);
    assertArrayEquals(t.ints(), run1("Constant", 13, attrs("value", t)).ints());
    assertEquals(0, run1("Constant", 13, attrs("value_float", 2.5f)).rank());
    assertEquals(2.5f, run1("Constant", 13, attrs("value_float", 2.5f)).floats()[0]);
    assertArrayEquals(new float[] {1, 2}, run1("Constant", 13, attrs("value_floats", new float[] {1, 2})).floats());
    assertEquals(DType.I64, run1("Constant", 13, attrs("value_int", 7L)).dtype());
    assertArrayEquals(new long[] {4, 5}, run1("Constant", 13, attrs("value_ints", new long[] {4, 5})).longs());
    assertThrows(UnsupportedOpException.class, () -> run1("Constant", 13, attrs("value_string", "a")));
  }

  @Test
  void constantOfShapeFillsWithTheValueTypeAndEmptyShapeMeansScalar() {
    Tensor def = run1("ConstantOfShape", 9, NONE, longs(2, 3));
    assertEquals(DType.F32, def.dtype());
    assertArrayEquals(new float[6], def.floats());
    Tensor seven = run1("ConstantOfShape", 9, attrs("value", Tensor.of(new long[] {7}, 1)), longs(4));
    assertArrayEquals(new long[] {7, 7, 7, 7}, seven.longs());
    Tensor scalar = run1("ConstantOfShape", 9, attrs("value", Tensor.of(new float[] {1.5f}, 1)), longs());
    assertEquals(0, scalar.rank());
    assertEquals(1.5f, scalar.floats()[0]);
    assertEquals(0, run1("ConstantOfShape", 9, NONE, longs(3, 0)).size());
  }

  @Test
  void dropoutIsIdentityWithAllTrueMaskForInference() {
    Tensor x = iota(DType.F32, 2, 3);
    Tensor[] r = run("Dropout", 13, NONE, 2, false, x);
    assertArrayEquals(x.floats(), r[0].floats());
    assertEquals(DType.BOOL, r[1].dtype());
    assertArrayEquals(new byte[] {1, 1, 1, 1, 1, 1}, r[1].bytes());
    assertEquals(DType.F32, run("Dropout", 7, attrs("ratio", 0.3f), 2, false, x)[1].dtype(),
        "before opset 10 the mask has the input's type");
    Tensor no = Tensor.zeros(DType.BOOL, 1).reshape();
    assertArrayEquals(x.floats(), run("Dropout", 13, NONE, 1, false, x, Tensor.scalar(0.5f), no)[0].floats());
    // training with ratio 0 is still the identity
    assertArrayEquals(x.floats(), run("Dropout", 13, NONE, 1, false, x, Tensor.scalar(0f), yes())[0].floats());
  }

  private static Tensor yes() {
    Tensor t = Tensor.zeros(DType.BOOL, 1).reshape();
    t.bytes()[0] = 1;
    return t;
  }

  @Test
  void seededTrainingDropoutDrawsNumpysLegacyMersenneTwisterSequence() {
    // NumPy: np.random.seed(0); np.random.uniform(size=4) = [0.5488135, 0.71518937, 0.60276338, 0.54488318]
    ShapeDropout.MersenneTwister mt = new ShapeDropout.MersenneTwister(0);
    assertEquals(0.5488135039273248, mt.nextDouble(), 1e-15);
    assertEquals(0.7151893663724195, mt.nextDouble(), 1e-15);
    assertEquals(2357136044L, new ShapeDropout.MersenneTwister(0).nextInt() & 0xffffffffL,
        "std::mt19937(0)'s first output");
    Tensor x = Tensor.of(new float[] {1, 1, 1, 1}, 4);
    Tensor[] r = run("Dropout", 13, attrs("seed", 0L), 2, false, x, Tensor.scalar(0.6f), yes());
    assertArrayEquals(new float[] {0, 2.5f, 2.5f, 0}, r[0].floats(), 1e-6f);
    assertArrayEquals(new byte[] {0, 1, 1, 0}, r[1].bytes());
  }

  @Test
  void unseededTrainingDropoutDrawsAFreshMaskEachRun() {
    Tensor x = Tensor.zeros(DType.F32, 1000);
    java.util.Arrays.fill(x.floats(), 3f);
    Tensor a = run("Dropout", 13, NONE, 1, false, x, Tensor.scalar(0.5f), yes())[0];
    Tensor b = run("Dropout", 13, NONE, 1, false, x, Tensor.scalar(0.5f), yes())[0];
    org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(a.floats(), b.floats()));
    for (float v : a.floats()) {
      org.junit.jupiter.api.Assertions.assertTrue(v == 0f || v == 6f, "dropped or scaled by 1/(1-0.5)");
    }
  }

  @Test
  void identityReturnsTheSameValues() {
    Tensor x = iota(DType.I8, 3);
    assertArrayEquals(x.bytes(), run1("Identity", 16, NONE, x).bytes());
  }

  @Test
  void rangeCountsCeilOfSpanOverDeltaForIntegersAndFloats() {
    assertArrayEquals(new long[] {10, 7, 4, 1}, run1("Range", 11, NONE, longs(10).reshape(),
        longs(-1).reshape(), longs(-3).reshape()).longs());
    assertArrayEquals(new int[] {0}, run1("Range", 11, NONE, longs(5).reshape(), longs(5).reshape(),
        longs(1).reshape()).shape());
    assertArrayEquals(new int[] {0}, run1("Range", 11, NONE, longs(0).reshape(), longs(5).reshape(),
        longs(-1).reshape()).shape());
    Tensor f = run1("Range", 11, NONE, Tensor.scalar(1f), Tensor.scalar(2f), Tensor.scalar(0.3f));
    assertArrayEquals(new float[] {1f, 1.3f, 1.6f, 1.9f}, f.floats(), 1e-6f);
    Tensor i32 = run1("Range", 11, NONE, ShapeTestSupport.ints(0).reshape(),
        ShapeTestSupport.ints(7).reshape(), ShapeTestSupport.ints(3).reshape());
    assertArrayEquals(new int[] {0, 3, 6}, i32.ints());
    assertThrows(QuantLensException.class, () -> run1("Range", 11, NONE, longs(0).reshape(),
        longs(5).reshape(), longs(0).reshape()));
  }

  @Test
  void opsOfLaterOpsetsAreNotFoundForOlderModels() {
    assertEquals(null, OpRegistry.standard().find("", "Range", 10));
    assertEquals(null, OpRegistry.standard().find("", "CastLike", 14));
    assertEquals(14, OpRegistry.standard().find("", "Reshape", 17).since());
  }
}
