package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quantlens.engine.ops.ShapeTestSupport.attrs;
import static org.quantlens.engine.ops.ShapeTestSupport.run1;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.UnsupportedOpException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class CastOpsTest {
  @Test
  void castTakesOnnxTypeNumbersFromOpset6AndNamesAtOpset1() {
    Tensor x = Tensor.of(new float[] {1.9f, -1.9f, 0f}, 3);
    Tensor i = run1("Cast", 13, attrs("to", 7L), x);
    assertEquals(DType.I64, i.dtype());
    assertArrayEquals(new long[] {1, -1, 0}, i.longs());
    assertEquals(DType.BOOL, run1("Cast", 13, attrs("to", 9L), x).dtype());
    assertArrayEquals(new byte[] {1, 1, 0}, run1("Cast", 13, attrs("to", 9L), x).bytes());
    assertEquals(DType.F16, run1("Cast", 1, attrs("to", "FLOAT16"), x).dtype());
    assertEquals(DType.U8, run1("Cast", 1, attrs("to", "uint8"), x).dtype());
  }

  @Test
  void castToTheSameTypeCopies() {
    Tensor x = Tensor.of(new float[] {1, 2}, 2);
    Tensor y = run1("Cast", 13, attrs("to", 1L), x);
    assertArrayEquals(x.floats(), y.floats());
    org.junit.jupiter.api.Assertions.assertNotSame(x.data(), y.data());
  }

  @Test
  void castLikeTakesTheSecondInputsType() {
    Tensor y = run1("CastLike", 15, Map.of(), Tensor.of(new long[] {3, -4}, 2), Tensor.zeros(DType.F64, 0));
    assertEquals(DType.F64, y.dtype());
    assertArrayEquals(new double[] {3, -4}, y.doubles());
  }

  @Test
  void unsupportedTargetsSayWhich() {
    Tensor x = Tensor.of(new float[] {1}, 1);
    UnsupportedOpException e = assertThrows(UnsupportedOpException.class,
        () -> run1("Cast", 13, attrs("to", 16L), x));
    assertEquals(true, e.getMessage().contains("BFLOAT16"), e.getMessage());
    assertThrows(UnsupportedOpException.class, () -> run1("Cast", 13, attrs("to", 8L), x));
  }
}
