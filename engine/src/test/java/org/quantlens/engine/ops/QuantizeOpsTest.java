package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantlens.engine.ops.QuantTestSupport.*;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.InvalidAttributeException;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Float16;
import org.quantlens.engine.tensor.QuantParams;
import org.quantlens.engine.tensor.Tensor;

/** QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear against the ONNX formulas. */
class QuantizeOpsTest {
  static Tensor randomFloats(Random r, float scale, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    for (int i = 0; i < t.size(); i++) {
      t.floats()[i] = (float) r.nextGaussian() * scale;
    }
    return t;
  }

  @Test
  void quantizeLinearPerTensorRoundsHalfToEvenAndSaturatesBothTypes() {
    Tensor x = floats(new int[] {9}, -1000f, -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.4f, 1000f);
    for (boolean u : new boolean[] {true, false}) {
      int z = u ? 128 : -3;
      Map<String, Tensor> c = Map.of("s", floats(new int[0], 0.5f), "z", scalar8(u, z));
      Tensor y = run(graph("QuantizeLinear", "", 10, List.of("x", "s", "z"), c, Map.of("x", x), Map.of(), "y"),
          Map.of("x", x), 1).get("y");
      assertEquals(u ? DType.U8 : DType.I8, y.dtype());
      // x / 0.5 = -2000, -5, -3, -1, 1, 3, 5, 6.8, 2000 -> rint (ties to even is exact here: odd values)
      int[] v = {-2000, -5, -3, -1, 1, 3, 5, 7, 2000};
      for (int i = 0; i < v.length; i++) {
        assertEquals(Math.max(u ? 0 : -128, Math.min(u ? 255 : 127, v[i] + z)), q(y, i), "x=" + x.floats()[i]);
      }
    }
    // ties: x / 1 = k + 0.5 -> even
    Tensor t = floats(new int[] {4}, 0.5f, 1.5f, -0.5f, -1.5f);
    Tensor y = run(graph("QuantizeLinear", "", 10, List.of("x", "s"), Map.of("s", floats(new int[0], 1f)), Map.of("x", t),
        Map.of(), "y"), Map.of("x", t), 1).get("y");
    assertEquals(DType.U8, y.dtype()); // no zero point: uint8
    assertArrayEquals(new byte[] {0, 2, 0, 0}, y.bytes());
  }

  @Test
  void quantizeAndDequantizePerAxisMatchTheFormulaOnEveryAxis() {
    Random r = new Random(4);
    Tensor x = randomFloats(r, 3f, 2, 3, 4, 5);
    for (int axis = -4; axis < 4; axis++) {
      int ax = axis < 0 ? axis + 4 : axis;
      int ch = x.dim(ax);
      float[] s = new float[ch];
      int[] z = new int[ch];
      for (int i = 0; i < ch; i++) {
        s[i] = 0.01f + r.nextFloat() * 0.1f;
        z[i] = r.nextInt(256) - 128;
      }
      Map<String, Tensor> c = Map.of("s", floats(new int[] {ch}, s), "z", zp(false, new int[] {ch}, z));
      Tensor y = run(graph("QuantizeLinear", "", 13, List.of("x", "s", "z"), c, Map.of("x", x), attrs("axis", axis), "y"),
          Map.of("x", x), 1).get("y");
      Tensor d = run(graph("DequantizeLinear", "", 13, List.of("q", "s", "z"), c, Map.of("q", y), attrs("axis", axis), "d"),
          Map.of("q", y), 1).get("d");
      int[] strides = {60, 20, 5, 1};
      for (int i = 0; i < x.size(); i++) {
        int cidx = (i / strides[ax]) % ch;
        float v = x.floats()[i] / s[cidx];
        int want = (int) Math.max(-128, Math.min(127, Math.rint(v) + z[cidx]));
        assertEquals(want, q(y, i), "axis " + axis + " [" + i + "]");
        assertEquals((want - z[cidx]) * s[cidx], d.floats()[i], "dequantize axis " + axis + " [" + i + "]");
      }
    }
  }

  @Test
  void perAxisScalesNeedOpset13AndTheRightLength() {
    Tensor x = Tensor.zeros(DType.F32, 2, 3);
    Map<String, Tensor> c = Map.of("s", floats(new int[] {3}, 1f, 2f, 3f), "z", zp(true, new int[] {3}, 1, 2, 3));
    InvalidAttributeException e = assertThrows(InvalidAttributeException.class, () ->
        run(graph("QuantizeLinear", "", 10, List.of("x", "s", "z"), c, Map.of("x", x), Map.of(), "y"), Map.of("x", x), 1));
    assertTrue(e.getMessage().contains("node 'n'") && e.getMessage().contains("opset 13"), e.getMessage());
    // the declared input shape [2, 3] lets the wrong axis fail at load
    InvalidAttributeException e2 = assertThrows(InvalidAttributeException.class, () ->
        run(graph("QuantizeLinear", "", 13, List.of("x", "s", "z"), c, Map.of("x", x), attrs("axis", 0), "y"), Map.of("x", x), 1));
    assertTrue(e2.getMessage().contains("node 'n'") && e2.getMessage().contains("axis 0"), e2.getMessage());
    // with the shape unknown at load, the run names the node
    org.quantlens.engine.graph.Graph g = graph("QuantizeLinear", "", 13, List.of("x", "s", "z"), c, Map.of("x", x),
        attrs("axis", 0), "y");
    g.inputs().set(0, new org.quantlens.engine.graph.Value("x", DType.F32, (int[]) null, null));
    QuantLensException e3 = assertThrows(QuantLensException.class, () -> run(g, Map.of("x", x), 1));
    assertTrue(e3.getMessage().contains("node 'n'") && e3.getMessage().contains("axis 0"), e3.getMessage());
  }

  @Test
  void invalidConstantScalesAndZeroPointTypesAreLoadErrors() {
    Tensor x = Tensor.zeros(DType.F32, 2);
    for (float bad : new float[] {0f, -0.1f, Float.NaN, Float.NEGATIVE_INFINITY}) {
      InvalidAttributeException e = assertThrows(InvalidAttributeException.class, () ->
          run(graph("QuantizeLinear", "", 13, List.of("x", "s"), Map.of("s", floats(new int[0], bad)),
              Map.of("x", x), Map.of(), "y"), Map.of("x", x), 1));
      assertTrue(e.getMessage().contains("node 'n' (QuantizeLinear): y_scale"), e.getMessage());
    }
    Tensor q = Tensor.zeros(DType.U8, 2);
    Map<String, Tensor> c = Map.of("s", floats(new int[0], 0.5f), "z", Tensor.of(new int[] {300}));
    InvalidAttributeException e = assertThrows(InvalidAttributeException.class, () ->
        run(graph("DequantizeLinear", "", 13, List.of("q", "s", "z"), c, Map.of("q", q), Map.of(), "y"), Map.of("q", q), 1));
    assertTrue(e.getMessage().contains("x_zero_point"), e.getMessage());
  }

  @Test
  void dequantizeLinearHandlesInt32AndRejectsANonZeroInt32ZeroPoint() {
    Tensor x = Tensor.of(new int[] {-7, 0, 123456, Integer.MAX_VALUE}, 4);
    Tensor y = run(graph("DequantizeLinear", "", 13, List.of("x", "s"), Map.of("s", floats(new int[0], 0.25f)),
        Map.of("x", x), Map.of(), "y"), Map.of("x", x), 1).get("y");
    assertArrayEquals(new float[] {-1.75f, 0f, 30864f, (float) Integer.MAX_VALUE * 0.25f}, y.floats());
    Map<String, Tensor> c = Map.of("s", floats(new int[0], 0.25f), "z", Tensor.of(new int[] {1}));
    assertThrows(InvalidAttributeException.class, () -> run(graph("DequantizeLinear", "", 13, List.of("x", "s", "z"), c,
        Map.of("x", x), Map.of(), "y"), Map.of("x", x), 1));
  }

  @Test
  void opset19QuantizesFloat16InputsAndDequantizesToFloat16ForHalfScales() {
    short[] h = {Float16.fromFloat(1.5f), Float16.fromFloat(-2.25f), Float16.fromFloat(100f)};
    Tensor x = Tensor.wrap(DType.F16, h, 3);
    Tensor s = Tensor.wrap(DType.F16, new short[] {Float16.fromFloat(0.5f)});
    Tensor y = run(graph("QuantizeLinear", "", 19, List.of("x", "s", "z"), Map.of("s", s, "z", scalar8(false, 1)),
        Map.of("x", x), Map.of(), "y"), Map.of("x", x), 1).get("y");
    assertArrayEquals(new byte[] {4, -3, 127}, y.bytes()); // 3+1, rint(-4.5)=-4 +1, 200+1 saturated
    Tensor d = run(graph("DequantizeLinear", "", 19, List.of("q", "s", "z"), Map.of("s", s, "z", scalar8(false, 1)),
        Map.of("q", y), Map.of(), "d"), Map.of("q", y), 1).get("d");
    assertEquals(DType.F16, d.dtype());
    assertEquals(1.5f, Float16.toFloat(d.shorts()[0]));
    assertEquals(-2f, Float16.toFloat(d.shorts()[1]));
    assertEquals(63f, Float16.toFloat(d.shorts()[2]));
  }

  @Test
  void dynamicQuantizeLinearFollowsTheOnnxFormulaIncludingZeroInTheRange() {
    Random r = new Random(6);
    for (int t = 0; t < 20; t++) {
      float shift = t % 3 == 0 ? 5f : t % 3 == 1 ? -5f : 0f; // all positive, all negative, mixed
      Tensor x = randomFloats(r, 2f, 3, 7);
      for (int i = 0; i < x.size(); i++) {
        x.floats()[i] += shift;
      }
      Map<String, Tensor> out = run(graph("DynamicQuantizeLinear", "", 11, List.of("x"), Map.of(), Map.of("x", x),
          Map.of(), "y", "s", "z"), Map.of("x", x), 1);
      double min = 0;
      double max = 0;
      for (float v : x.floats()) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      float scale = (float) ((float) (max - min) / 255f);
      int zp = (int) Math.rint(Math.max(0, Math.min(255, 0 - (float) min / scale)));
      assertEquals(scale, out.get("s").floats()[0]);
      assertEquals(0, out.get("s").rank());
      assertEquals(zp, out.get("z").bytes()[0] & 0xff);
      for (int i = 0; i < x.size(); i++) {
        assertEquals(QuantParams.quantize(x.floats()[i], scale, zp, 0, 255), out.get("y").bytes()[i] & 0xff);
      }
      if (shift > 0) {
        assertEquals(0, zp);
      } else if (shift < 0) {
        assertEquals(255, zp);
      }
    }
    Tensor zeros = Tensor.zeros(DType.F32, 4);
    Map<String, Tensor> out = run(graph("DynamicQuantizeLinear", "", 11, List.of("x"), Map.of(), Map.of("x", zeros),
        Map.of(), "y", "s", "z"), Map.of("x", zeros), 1);
    assertEquals(1f, out.get("s").floats()[0]); // ONNX Runtime's choice for an empty range
    assertEquals(0, out.get("z").bytes()[0]);
  }

  @Test
  void largeTensorsGiveTheSameResultOnOneAndFourThreads() {
    Random r = new Random(2);
    Tensor x = randomFloats(r, 4f, 3, 70_000);
    Map<String, Tensor> c = Map.of("s", floats(new int[] {3}, 0.05f, 0.1f, 0.02f), "z", zp(true, new int[] {3}, 100, 128, 7));
    var g = graph("QuantizeLinear", "", 13, List.of("x", "s", "z"), c, Map.of("x", x), attrs("axis", 0), "y");
    assertArrayEquals(run(g, Map.of("x", x), 1).get("y").bytes(), run(g, Map.of("x", x), 4).get("y").bytes());
  }
}
