package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * MaxPool, AveragePool and the global pools: hand-computed edge cases (ceil mode, padding counted
 * or not, dilations, Indices in both storage orders, uint8/int8) and random geometries against a
 * naive pool written here.
 */
class PoolOpTest {
  private static Tensor[] pool(String op, int opset, Map<String, Attribute> a, Tensor x, int outputs,
      int threads) {
    return ConvTestGraphs.run(op, opset, a, new Tensor[] {x}, null, outputs, threads);
  }

  private static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      m.put((String) kv[i], v instanceof int[] ? ConvTestGraphs.ints((int[]) v)
          : v instanceof String ? Attribute.of((String) v) : Attribute.of((long) (Integer) v));
    }
    return m;
  }

  private static Tensor iota(int n, int... shape) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = i + 1;
    }
    return Tensor.of(f, shape);
  }

  @Test
  void maxPoolCeilModeKeepsThePartialLastWindow() {
    Tensor y = pool("MaxPool", 12, attrs("kernel_shape", new int[] {3, 3}, "strides", new int[] {2, 2},
        "ceil_mode", 1), iota(16, 1, 1, 4, 4), 1, 1)[0];
    assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape());
    assertArrayEquals(new float[] {11, 12, 15, 16}, y.floats());
    Tensor floor = pool("MaxPool", 12, attrs("kernel_shape", new int[] {3, 3}, "strides", new int[] {2, 2}),
        iota(16, 1, 1, 4, 4), 1, 1)[0];
    assertArrayEquals(new float[] {11}, floor.floats());
  }

  @Test
  void aStrideBeyondTheOnlyOutputColumnIsHarmless() {
    // Found by the importer fuzzer: a stride of 54 million along a dimension with one output
    // window sized the padded layout by the stride and ran for minutes. x = 1..16 (4x4), k 2,
    // dilations 2 (window rows/cols {0, 2} + offset): rows 0 and 1 start windows, column 0 only.
    Tensor y = pool("MaxPool", 12, attrs("kernel_shape", new int[] {2, 2}, "dilations", new int[] {2, 2},
        "strides", new int[] {1, 54525839}), iota(16, 1, 1, 4, 4), 1, 1)[0];
    assertArrayEquals(new int[] {1, 1, 2, 1}, y.shape());
    assertArrayEquals(new float[] {11, 15}, y.floats()); // max of {1,3,9,11} and {5,7,13,15}
  }

  @Test
  void averagePoolCeilModeDividesByTheClippedWindow() {
    Tensor y = pool("AveragePool", 11, attrs("kernel_shape", new int[] {3, 3}, "strides", new int[] {2, 2},
        "ceil_mode", 1), iota(16, 1, 1, 4, 4), 1, 1)[0];
    // windows rows {0..2},{2,3} x cols {0..2},{2,3}: 6, (3+4+7+8+11+12)/6, (9+10+11+13+14+15)/6, 13.5
    assertArrayEquals(new float[] {6, 7.5f, 12, 13.5f}, y.floats());
  }

  @Test
  void averagePoolCountIncludePadCountsOnlyThePaddedRegion() {
    // x = 1..6, k 3, s 2, pads 1/1, ceil: windows [-1,1], [1,3], [3,5], [5,7]; the last one's
    // tap 7 lies beyond the end padding (padded region is [-1, 7)).
    Tensor x = iota(6, 1, 1, 6);
    Map<String, Attribute> a = attrs("kernel_shape", new int[] {3}, "strides", new int[] {2},
        "pads", new int[] {1, 1}, "ceil_mode", 1);
    assertArrayEquals(new float[] {1.5f, 3, 5, 6}, pool("AveragePool", 11, a, x, 1, 1)[0].floats());
    a.put("count_include_pad", Attribute.of(1L));
    assertArrayEquals(new float[] {1, 3, 5, 3}, pool("AveragePool", 11, a, x, 1, 1)[0].floats());
    // 2-D without ceil: x 1..4 (2x2), k 2, pads 1 all round: corners see one value.
    Map<String, Attribute> b = attrs("kernel_shape", new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1});
    Tensor x2 = iota(4, 1, 1, 2, 2);
    assertArrayEquals(new float[] {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4},
        pool("AveragePool", 11, b, x2, 1, 1)[0].floats());
    b.put("count_include_pad", Attribute.of(1L));
    assertArrayEquals(new float[] {0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1},
        pool("AveragePool", 11, b, x2, 1, 1)[0].floats());
  }

  @Test
  void dilatedWindows() {
    Tensor y = pool("MaxPool", 12, attrs("kernel_shape", new int[] {2, 2}, "dilations", new int[] {2, 2}),
        iota(16, 1, 1, 4, 4), 1, 1)[0];
    assertArrayEquals(new float[] {11, 12, 15, 16}, y.floats());
    // x = 1..7, k 3, d 2, pads 2/0: windows {-2,0,2}, {-1,1,3}, {0,2,4}, {1,3,5}, {2,4,6}
    Map<String, Attribute> a = attrs("kernel_shape", new int[] {3}, "dilations", new int[] {2},
        "pads", new int[] {2, 0});
    assertArrayEquals(new float[] {2, 3, 3, 4, 5}, pool("AveragePool", 19, a, iota(7, 1, 1, 7), 1, 1)[0].floats());
    a.put("count_include_pad", Attribute.of(1L));
    assertArrayEquals(new float[] {4 / 3f, 2, 3, 4, 5},
        pool("AveragePool", 19, a, iota(7, 1, 1, 7), 1, 1)[0].floats(), 1e-6f);
  }

  @Test
  void maxPoolIndicesInRowAndColumnMajorOrderIncludeThePlaneOffset() {
    Tensor x = Tensor.of(new float[] {1, 5, 2, 4, 3, 6, /* plane 1 */ 9, 0, 0, 0, 0, 8}, 2, 1, 2, 3);
    Map<String, Attribute> a = attrs("kernel_shape", new int[] {2, 2});
    Tensor[] r = pool("MaxPool", 12, a, x, 2, 1);
    assertArrayEquals(new float[] {5, 6, 9, 8}, r[0].floats());
    assertEquals(DType.I64, r[1].dtype());
    assertArrayEquals(new int[] {2, 1, 1, 2}, r[1].shape());
    assertArrayEquals(new long[] {1, 5, 6, 11}, r[1].longs());
    a.put("storage_order", Attribute.of(1L));
    // column-major spatial index h + w * H: (0,1) -> 2, (1,2) -> 5, (0,0) -> 0, (1,2) -> 5
    assertArrayEquals(new long[] {2, 5, 6, 11}, pool("MaxPool", 12, a, x, 2, 1)[1].longs());
  }

  @Test
  void integerMaxPoolReadsUint8AsUnsigned() {
    Tensor u = Tensor.wrap(DType.U8, new byte[] {(byte) 200, 100, 50, (byte) 255}, 1, 1, 4);
    Tensor y = pool("MaxPool", 12, attrs("kernel_shape", new int[] {2}), u, 1, 1)[0];
    assertEquals(DType.U8, y.dtype());
    assertArrayEquals(new long[] {200, 100, 255}, y.toLongs());
    Tensor s = Tensor.wrap(DType.I8, new byte[] {-5, -3, -128, 7}, 1, 1, 4);
    assertArrayEquals(new long[] {-3, -3, 7},
        pool("MaxPool", 12, attrs("kernel_shape", new int[] {2}), s, 1, 1)[0].toLongs());
  }

  @Test
  void int8AndUint8MaxPoolsEqualTheFloatPoolOfTheSameValues() {
    Random rnd = new Random(14);
    for (int t = 0; t < 40; t++) {
      int h = 2 + rnd.nextInt(20);
      int w = 2 + rnd.nextInt(40);
      int k = 1 + rnd.nextInt(2);
      Map<String, Attribute> a = attrs("kernel_shape", new int[] {k + 1, k + 1},
          "strides", new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(3)}, "pads", new int[] {k, 0, 0, k});
      for (DType type : new DType[] {DType.U8, DType.I8}) {
        byte[] b = new byte[2 * 3 * h * w];
        rnd.nextBytes(b);
        Tensor x = Tensor.wrap(type, b, 2, 3, h, w);
        Tensor y = pool("MaxPool", 12, a, x, 1, 1 + t % 3)[0];
        Tensor f = pool("MaxPool", 12, a, x.cast(DType.F32), 1, 1)[0];
        assertEquals(type, y.dtype());
        assertArrayEquals(f.shape(), y.shape());
        for (int i = 0; i < f.size(); i++) {
          assertEquals((long) f.floats()[i], y.getLong(i), type + " at " + i);
        }
      }
    }
  }

  @Test
  void sameUpperAndLowerPadDifferentSides() {
    // x = 1..4, k 2: total pad 1, SAME_UPPER pads the end, SAME_LOWER the start.
    Tensor x = iota(4, 1, 1, 4);
    assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f, 4}, pool("AveragePool", 11,
        attrs("kernel_shape", new int[] {2}, "auto_pad", "SAME_UPPER"), x, 1, 1)[0].floats());
    assertArrayEquals(new float[] {1, 1.5f, 2.5f, 3.5f}, pool("AveragePool", 11,
        attrs("kernel_shape", new int[] {2}, "auto_pad", "SAME_LOWER"), x, 1, 1)[0].floats());
  }

  /** A naive N-D pool: max or average (count_include_pad as given), pads resolved by the caller. */
  private static double[] naivePool(float[] x, int planes, int[] in, int[] k, int[] s, int[] d,
      int[] pb, int[] pe, int[] out, boolean max, boolean includePad) {
    int r = in.length;
    int inSize = 1;
    int outSize = 1;
    int kSize = 1;
    for (int i = 0; i < r; i++) {
      inSize *= in[i];
      outSize *= out[i];
      kSize *= k[i];
    }
    double[] y = new double[planes * outSize];
    for (int p = 0; p < planes; p++) {
      for (int q = 0; q < outSize; q++) {
        int[] o = coords(q, out);
        double acc = max ? Double.NEGATIVE_INFINITY : 0;
        int count = 0;
        int padded = 0;
        for (int kp = 0; kp < kSize; kp++) {
          int[] kc = coords(kp, k);
          int at = 0;
          boolean inside = true;
          boolean inPad = true;
          for (int i = 0; i < r; i++) {
            int pos = o[i] * s[i] - pb[i] + kc[i] * d[i];
            inside &= pos >= 0 && pos < in[i];
            inPad &= pos >= -pb[i] && pos < in[i] + pe[i];
            at = at * in[i] + pos;
          }
          padded += inPad ? 1 : 0;
          if (inside) {
            count++;
            float v = x[p * inSize + at];
            acc = max ? Math.max(acc, v) : acc + v;
          }
        }
        y[p * outSize + q] = max ? acc : acc / (includePad ? padded : count);
      }
    }
    return y;
  }

  private static int[] coords(int flat, int[] dims) {
    int[] c = new int[dims.length];
    for (int i = dims.length - 1; i >= 0; i--) {
      c[i] = flat % dims[i];
      flat /= dims[i];
    }
    return c;
  }

  @Test
  void plainTwoByTwoMaxPoolsMatchNaivePoolingWithNaNsInfinitiesAndOddSizes() {
    Random rnd = new Random(17);
    for (int[] in : new int[][] {{28, 28}, {7, 9}, {2, 2}, {5, 16}, {3, 3}}) {
      for (boolean ceil : new boolean[] {false, true}) {
        Tensor x = ConvTestGraphs.randomF32(rnd, 2, 3, in[0], in[1]);
        float[] f = x.floats();
        f[rnd.nextInt(f.length)] = Float.NaN;
        f[rnd.nextInt(f.length)] = Float.POSITIVE_INFINITY;
        f[rnd.nextInt(f.length)] = Float.NEGATIVE_INFINITY;
        int[] out = new int[2];
        for (int i = 0; i < 2; i++) {
          out[i] = ceil ? (in[i] - 2 + 1) / 2 + 1 : (in[i] - 2) / 2 + 1;
        }
        int[] k = {2, 2};
        int[] zero = {0, 0};
        Tensor y = pool("MaxPool", 12, attrs("kernel_shape", k, "strides", k, "ceil_mode", ceil ? 1 : 0),
            x, 1, 1)[0];
        double[] want = naivePool(f, 6, in, k, k, new int[] {1, 1}, zero, zero, out, true, false);
        assertEquals(want.length, y.size());
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], y.floats()[i], 0, Arrays.toString(in) + " ceil=" + ceil + " output " + i);
        }
      }
    }
  }

  @Test
  void randomPoolsOfRank1To3MatchNaivePooling() {
    Random rnd = new Random(9);
    for (int t = 0; t < 300; t++) {
      int r = 1 + t % 3;
      boolean max = rnd.nextBoolean();
      boolean ceil = rnd.nextBoolean();
      boolean includePad = rnd.nextBoolean();
      boolean indices = max && rnd.nextInt(4) == 0;
      int[] in = new int[r];
      int[] k = new int[r];
      int[] s = new int[r];
      int[] d = new int[r];
      int[] pads = new int[2 * r];
      for (int i = 0; i < r; i++) {
        k[i] = 1 + rnd.nextInt(4);
        s[i] = 1 + rnd.nextInt(3);
        d[i] = 1 + rnd.nextInt(2);
        pads[i] = rnd.nextInt(k[i]);
        pads[i + r] = rnd.nextInt(k[i]);
        in[i] = (k[i] - 1) * d[i] + 1 + rnd.nextInt(r == 3 ? 5 : 30);
      }
      int[] out = new int[r];
      int[] pb = Arrays.copyOf(pads, r);
      int[] pe = Arrays.copyOfRange(pads, r, 2 * r);
      for (int i = 0; i < r; i++) {
        int room = in[i] + pb[i] + pe[i] - ((k[i] - 1) * d[i] + 1);
        out[i] = ceil ? (room + s[i] - 1) / s[i] + 1 : room / s[i] + 1;
        if (ceil && (out[i] - 1) * s[i] >= in[i] + pb[i]) {
          out[i]--;
        }
      }
      int n = 1 + rnd.nextInt(2);
      int c = 1 + rnd.nextInt(3);
      int[] shape = new int[2 + r];
      shape[0] = n;
      shape[1] = c;
      System.arraycopy(in, 0, shape, 2, r);
      Tensor x = ConvTestGraphs.randomF32(rnd, shape);
      Map<String, Attribute> a = attrs("kernel_shape", k, "strides", s, "dilations", d, "pads", pads,
          "ceil_mode", ceil ? 1 : 0, "count_include_pad", includePad ? 1 : 0);
      Tensor[] y = pool(max ? "MaxPool" : "AveragePool", 19, a, x, indices ? 2 : 1, 1 + t % 3);
      double[] want = naivePool(x.floats(), n * c, in, k, s, d, pb, pe, out, max, includePad);
      String what = (max ? "max" : "avg") + " in" + Arrays.toString(in) + " k" + Arrays.toString(k)
          + " s" + Arrays.toString(s) + " d" + Arrays.toString(d) + " pads" + Arrays.toString(pads)
          + " ceil=" + ceil + " includePad=" + includePad;
      assertEquals(want.length, y[0].size(), what);
      for (int i = 0; i < want.length; i++) {
        // average: a float sum of at most 64 values in [-1, 1], divided once
        assertEquals(want[i], y[0].floats()[i], max ? 0 : 1e-5, what);
      }
      if (indices) {
        long[] idx = y[1].longs();
        for (int i = 0; i < idx.length; i++) {
          assertEquals(y[0].floats()[i], x.floats()[(int) idx[i]], what + " index " + i);
        }
      }
    }
  }

  @Test
  void poolResultsAreIdenticalForOneTwoAndThreeThreads() {
    Random rnd = new Random(10);
    Tensor x = ConvTestGraphs.randomF32(rnd, 2, 5, 33, 29);
    for (String op : new String[] {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"}) {
      Map<String, Attribute> a = op.startsWith("Global") ? Map.of()
          : attrs("kernel_shape", new int[] {3, 3}, "strides", new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1});
      float[] one = pool(op, 11, a, x, 1, 1)[0].floats();
      assertArrayEquals(one, pool(op, 11, a, x, 1, 2)[0].floats(), op);
      assertArrayEquals(one, pool(op, 11, a, x, 1, 3)[0].floats(), op);
    }
  }

  @Test
  void globalPoolsReduceEveryPlaneOfAnyRank() {
    Random rnd = new Random(12);
    int[][] shapes = {{2, 3}, {2, 3, 7}, {1, 4, 5, 6}, {2, 2, 3, 4, 5}, {1, 3, 50, 41}};
    for (int[] shape : shapes) {
      Tensor x = ConvTestGraphs.randomF32(rnd, shape);
      int planes = shape[0] * shape[1];
      int size = x.size() / planes;
      Tensor avg = pool("GlobalAveragePool", 11, Map.of(), x, 1, 2)[0];
      Tensor mx = pool("GlobalMaxPool", 11, Map.of(), x, 1, 2)[0];
      int[] want = shape.clone();
      Arrays.fill(want, 2, want.length, 1);
      assertArrayEquals(want, avg.shape());
      assertArrayEquals(want, mx.shape());
      for (int p = 0; p < planes; p++) {
        double s = 0;
        double m = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
          s += x.floats()[p * size + i];
          m = Math.max(m, x.floats()[p * size + i]);
        }
        // a float sum of `size` values in [-1, 1]: error below size * 2^-24 * size, over size
        assertEquals(s / size, avg.floats()[p], 1e-6 * size + 1e-7, Arrays.toString(shape));
        assertEquals(m, mx.floats()[p], 0, Arrays.toString(shape));
      }
      Tensor avg64 = pool("GlobalAveragePool", 11, Map.of(), x.cast(DType.F64), 1, 1)[0];
      assertEquals(DType.F64, avg64.dtype());
      assertEquals(avg.floats()[0], avg64.doubles()[0], 1e-5);
    }
  }

  @Test
  void float16AndFloat64PoolsMatchFloat32() {
    Random rnd = new Random(13);
    Tensor x = ConvTestGraphs.randomF32(rnd, 1, 2, 9, 8);
    Map<String, Attribute> a = attrs("kernel_shape", new int[] {3, 2}, "strides", new int[] {2, 1});
    for (String op : new String[] {"MaxPool", "AveragePool"}) {
      float[] f = pool(op, 11, a, x, 1, 1)[0].floats();
      Tensor d = pool(op, 11, a, x.cast(DType.F64), 1, 1)[0];
      Tensor h = pool(op, 11, a, x.cast(DType.F16), 1, 1)[0];
      assertEquals(DType.F64, d.dtype());
      assertEquals(DType.F16, h.dtype());
      for (int i = 0; i < f.length; i++) {
        assertEquals(f[i], d.doubles()[i], 1e-6, op);
        assertEquals(f[i], h.getDouble(i), 2e-3, op); // half precision: 11-bit mantissa
      }
    }
  }
}
