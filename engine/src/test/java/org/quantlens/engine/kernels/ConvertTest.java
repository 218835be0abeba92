package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Float16;
import org.quantlens.engine.tensor.Tensor;

class ConvertTest {
  private static Tensor convert(Tensor x, DType to) {
    Tensor out = Tensor.zeros(to, x.shape());
    Convert.convert(x.dtype(), x.data(), to, out.data(), x.size());
    return out;
  }

  /** Values every type can hold or wrap from, plus specials for the floating types. */
  private static Tensor sample(DType t, Random r, int n) {
    Tensor x = Tensor.zeros(t, n);
    for (int i = 0; i < n; i++) {
      switch (i % 6) {
        case 0: x.setLong(i, 0); break;
        case 1: x.setLong(i, 1); break;
        case 2: x.setLong(i, r.nextInt(200) - 100); break;
        default:
          if (t.isFloating()) {
            x.setDouble(i, (r.nextDouble() - 0.5) * 1e3);
          } else {
            x.setLong(i, r.nextLong() >> 24); // within 2^40: converts exactly through a double
          }
      }
    }
    return x;
  }

  @Test
  void everyPairAgreesWithTheGenericTensorCast() {
    // Tensor.cast converts element by element through getDouble/getLong/setDouble/setLong; it is
    // the independent reference except for float64 -> float16 (it rounds twice; tested below).
    Random r = new Random(3);
    for (DType from : DType.values()) {
      Tensor x = sample(from, r, 3000); // above one 1024-element chunk
      for (DType to : DType.values()) {
        if (from == DType.F64 && to == DType.F16) {
          continue;
        }
        Tensor want = x.cast(to);
        Tensor got = convert(x, to);
        for (int i = 0; i < x.size(); i++) {
          if (to.isFloating()) {
            assertEquals(want.getDouble(i), got.getDouble(i), 0.0, from + "->" + to + " at " + i);
          } else {
            assertEquals(want.getLong(i), got.getLong(i), from + "->" + to + " at " + i);
          }
        }
      }
    }
  }

  @Test
  void floatToIntegerTruncatesTowardZeroWrapsAndMapsNanToZero() {
    Tensor x = Tensor.of(new float[] {2.7f, -2.7f, Float.NaN, 300f, -1f, 1e10f}, 6);
    assertEquals(java.util.List.of(2L, -2L, 0L, 300L, -1L, 10000000000L),
        java.util.Arrays.stream(convert(x, DType.I64).longs()).boxed().toList());
    Tensor u8 = convert(x, DType.U8);
    assertEquals(300 & 0xff, u8.getLong(3));
    assertEquals(255, u8.getLong(4));
    Tensor b = convert(x, DType.BOOL);
    assertEquals(1, b.getLong(2), "NaN is true");
    assertEquals(0, convert(Tensor.of(new float[] {0f, -0f}, 2), DType.BOOL).getLong(1));
  }

  @Test
  void halfConversionsRoundToNearestEvenAndSaturateToInfinity() {
    Tensor h = convert(Tensor.of(new float[] {1f, 65504f, 1e5f, -2f, 5.9604645e-8f}, 5), DType.F16);
    assertEquals(0x3c00, h.shorts()[0] & 0xffff);
    assertEquals(0x7bff, h.shorts()[1] & 0xffff);
    assertEquals(0x7c00, h.shorts()[2] & 0xffff);
    assertEquals(0xc000, h.shorts()[3] & 0xffff);
    assertEquals(0x0001, h.shorts()[4] & 0xffff, "smallest subnormal");
  }

  @Test
  void doubleToHalfRoundsOnceNotTwice() {
    // 1 + 2^-11 + 2^-40 lies just above the midpoint between halves 1 and 1 + 2^-10. Through a
    // float it would first become the exact midpoint and then round to even (1.0).
    double d = 1 + 0x1p-11 + 0x1p-40;
    assertEquals(0x3c01, convert(Tensor.of(new double[] {d}, 1), DType.F16).shorts()[0] & 0xffff);
    assertEquals(0x3c00, Float16.fromFloat((float) d) & 0xffff, "the double rounding it avoids");
    double below = 1 + 0x1p-11 - 0x1p-40;
    assertEquals(0x3c00, convert(Tensor.of(new double[] {below}, 1), DType.F16).shorts()[0] & 0xffff);
  }

  @Test
  void unsignedAndWideIntegersConvertByValue() {
    Tensor u64 = Tensor.zeros(DType.U64, 2);
    u64.longs()[0] = -1L; // 2^64 - 1
    u64.longs()[1] = Long.MIN_VALUE; // 2^63
    Tensor f = convert(u64, DType.F32);
    assertEquals(0x1p64f, f.floats()[0]);
    assertEquals(0x1p63f, f.floats()[1]);
    Tensor d = convert(u64, DType.F64);
    assertEquals(0x1p63, d.doubles()[1]);
    // 2^53 + 1 as int64 rounds to float once: (float) of the long, not of a double
    long big = (1L << 60) + (1L << 36) + 1; // just above a float midpoint
    assertEquals((float) big, convert(Tensor.of(new long[] {big}, 1), DType.F32).floats()[0]);
    Tensor back = convert(Tensor.of(new double[] {0x1p63 + 4096, 1e30}, 2), DType.U64);
    assertEquals(Long.MIN_VALUE + 4096, back.longs()[0]);
    assertEquals(-1L, back.longs()[1], "saturates at 2^64 - 1");
    Tensor i32 = convert(Tensor.of(new long[] {(1L << 32) + 5, -1}, 2), DType.I32);
    assertEquals(5, i32.ints()[0]);
    assertEquals(-1, i32.ints()[1]);
    Tensor u16 = Tensor.zeros(DType.U16, 1);
    u16.shorts()[0] = (short) 0xffff;
    assertEquals(65535f, convert(u16, DType.F32).floats()[0]);
  }
}
