package org.quantlens.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** QuantParams: validation, the QuantizeLinear/DequantizeLinear formulas, reading ONNX tensors. */
class QuantParamsTest {
  @Test
  void quantizeRoundsHalfToEvenSaturatesAndMapsNanToTheZeroPoint() {
    QuantParams u = QuantParams.perTensor(0.5f, 10, DType.U8);
    assertEquals(10, u.quantize(0.25f, 0));  // 0.5 -> 0
    assertEquals(12, u.quantize(0.75f, 0));  // 1.5 -> 2
    assertEquals(12, u.quantize(1.25f, 0));  // 2.5 -> 2
    assertEquals(8, u.quantize(-0.75f, 0));  // -1.5 -> -2
    assertEquals(255, u.quantize(1e9f, 0));
    assertEquals(0, u.quantize(-1e9f, 0));
    assertEquals(255, u.quantize(Float.POSITIVE_INFINITY, 0));
    assertEquals(10, u.quantize(Float.NaN, 0));
    QuantParams s = QuantParams.perTensor(0.1f, -3, DType.I8);
    assertEquals(127, s.quantize(100f, 0));
    assertEquals(-128, s.quantize(-100f, 0));
    assertEquals((5 + 3) * 0.1f, s.dequantize(5, 0));
  }

  @Test
  void perAxisParametersKeepOnePairPerChannel() {
    QuantParams p = QuantParams.perAxis(new float[] {0.1f, 0.2f}, new int[] {0, 5}, 1, DType.I8);
    assertFalse(p.isPerTensor());
    assertEquals(1, p.axis());
    assertEquals(2, p.size());
    assertEquals(10, p.quantize(1f, 0));
    assertEquals(10, p.quantize(1f, 1));
    float[] sc = p.scales();
    sc[0] = 9; // copies: the value class stays immutable
    assertEquals(0.1f, p.scale(0));
    assertEquals(p, QuantParams.perAxis(new float[] {0.1f, 0.2f}, new int[] {0, 5}, 1, DType.I8));
    assertNotEquals(p, QuantParams.perAxis(new float[] {0.1f, 0.2f}, new int[] {0, 5}, 0, DType.I8));
  }

  @Test
  void invalidScalesAndZeroPointsAreRejected() {
    for (float bad : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
      assertThrows(IllegalArgumentException.class, () -> QuantParams.perTensor(bad, 0, DType.U8));
    }
    assertThrows(IllegalArgumentException.class, () -> QuantParams.perTensor(1f, 256, DType.U8));
    assertThrows(IllegalArgumentException.class, () -> QuantParams.perTensor(1f, -1, DType.U8));
    assertThrows(IllegalArgumentException.class, () -> QuantParams.perTensor(1f, 128, DType.I8));
    assertThrows(IllegalArgumentException.class, () -> QuantParams.perTensor(1f, 0, DType.I32));
    assertThrows(IllegalArgumentException.class, () -> QuantParams.perAxis(new float[] {1f}, new int[] {0, 0}, 0, DType.I8));
  }

  @Test
  void readsOnnxScaleAndZeroPointTensors() {
    Tensor zp = Tensor.zeros(DType.U8, 3);
    zp.bytes()[0] = (byte) 200;
    zp.bytes()[2] = 7;
    QuantParams p = QuantParams.of(Tensor.of(new float[] {0.5f, 1f, 2f}, 3), zp, 0, DType.I8);
    assertEquals(DType.U8, p.dtype());
    assertArrayEquals(new int[] {200, 0, 7}, p.zeroPoints());
    QuantParams t = QuantParams.of(Tensor.scalar(0.25f), null, 1, DType.I8);
    assertTrue(t.isPerTensor());
    assertEquals(DType.I8, t.dtype());
    assertEquals(0, t.zeroPoint(0));
  }
}
