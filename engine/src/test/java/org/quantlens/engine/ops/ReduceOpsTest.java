package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.quantlens.engine.ops.ElementwiseTestSupport.PAR;
import static org.quantlens.engine.ops.ElementwiseTestSupport.attrs;
import static org.quantlens.engine.ops.ElementwiseTestSupport.run;
import static org.quantlens.engine.ops.ElementwiseTestSupport.vec;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** Reductions and ArgMax/ArgMin against a naive coordinate-by-coordinate reference. */
class ReduceOpsTest {
  private static final String[] OPS = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin",
      "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"};

  /** Output shape and values of a reduction, by visiting every input coordinate. */
  private static double[] naive(String op, int[] shape, double[] x, int[] axes) {
    int rank = shape.length;
    boolean[] red = new boolean[rank];
    for (int a : axes) {
      red[a < 0 ? a + rank : a] = true;
    }
    if (axes.length == 0) {
      Arrays.fill(red, true);
    }
    int[] outShape = new int[rank];
    for (int i = 0; i < rank; i++) {
      outShape[i] = red[i] ? 1 : shape[i];
    }
    int outSize = ElementwiseTestSupport.size(outShape);
    double[] max = new double[outSize];
    Arrays.fill(max, Double.NEGATIVE_INFINITY);
    for (int i = 0; i < x.length; i++) {
      int o = outIndex(shape, outShape, red, i);
      max[o] = Math.max(max[o], x[i]);
    }
    double[] acc = new double[outSize];
    double init = op.equals("ReduceMax") ? Double.NEGATIVE_INFINITY
        : op.equals("ReduceMin") ? Double.POSITIVE_INFINITY : op.equals("ReduceProd") ? 1 : 0;
    Arrays.fill(acc, init);
    int[] count = new int[outSize];
    for (int i = 0; i < x.length; i++) {
      int o = outIndex(shape, outShape, red, i);
      double v = x[i];
      count[o]++;
      switch (op) {
        case "ReduceMax": acc[o] = Math.max(acc[o], v); break;
        case "ReduceMin": acc[o] = Math.min(acc[o], v); break;
        case "ReduceProd": acc[o] *= v; break;
        case "ReduceL1": acc[o] += Math.abs(v); break;
        case "ReduceL2": case "ReduceSumSquare": acc[o] += v * v; break;
        case "ReduceLogSumExp": acc[o] += Math.exp(v - max[o]); break;
        default: acc[o] += v;
      }
    }
    for (int o = 0; o < outSize; o++) {
      switch (op) {
        case "ReduceMean": acc[o] /= count[o]; break;
        case "ReduceL2": acc[o] = Math.sqrt(acc[o]); break;
        case "ReduceLogSum": acc[o] = Math.log(acc[o]); break;
        case "ReduceLogSumExp": acc[o] = max[o] + Math.log(acc[o]); break;
        default:
      }
    }
    return acc;
  }

  private static int outIndex(int[] shape, int[] outShape, boolean[] red, int flat) {
    int o = 0;
    int mul = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      int c = flat % shape[d];
      flat /= shape[d];
      o += red[d] ? 0 : c * mul;
      mul *= outShape[d];
    }
    return o;
  }

  private static int[] expectedShape(int[] shape, int[] axes, boolean keep) {
    int rank = shape.length;
    boolean[] red = new boolean[rank];
    for (int a : axes) {
      red[a < 0 ? a + rank : a] = true;
    }
    if (axes.length == 0) {
      Arrays.fill(red, true);
    }
    return java.util.stream.IntStream.range(0, rank).filter(i -> keep || !red[i])
        .map(i -> red[i] ? 1 : shape[i]).toArray();
  }

  /** Runs op with axes the way opset {@code opset} takes them. */
  private static Tensor reduce(String op, int opset, Tensor x, int[] axes, boolean keep,
      ExecContext ctx) {
    boolean input = op.equals("ReduceSum") ? opset >= 13 : opset >= 18;
    long[] la = Arrays.stream(axes).asLongStream().toArray();
    if (input) {
      Tensor ax = axes.length == 0 ? null : Tensor.of(la, la.length);
      return run(op, opset, attrs("keepdims", keep ? 1 : 0), ctx, x, ax);
    }
    Map<String, Attribute> a = axes.length == 0 ? attrs("keepdims", keep ? 1 : 0)
        : attrs("keepdims", keep ? 1 : 0, "axes", la);
    return run(op, opset, a, ctx, x);
  }

  @Test
  void float32ReductionsMatchNaiveReferenceForEveryAxesSet() {
    int[] shape = {3, 4, 5, 2};
    Random rnd = new Random(31);
    float[] x = new float[120];
    for (int i = 0; i < x.length; i++) {
      x[i] = 0.25f + rnd.nextFloat() * 1.5f; // positive: LogSum is defined, Prod stays finite
    }
    double[] xd = new double[120];
    for (int i = 0; i < 120; i++) {
      xd[i] = x[i];
    }
    int[][] axesSets = {{}, {0}, {1}, {3}, {-1}, {1, 2}, {0, 2}, {0, 3}, {1, 3}, {0, 1, 2, 3},
        {2, 3}, {-3, -4}};
    for (String op : OPS) {
      for (int opset : new int[] {11, 18}) {
        for (int[] axes : axesSets) {
          for (boolean keep : new boolean[] {true, false}) {
            Tensor y = reduce(op, opset, Tensor.of(x, shape), axes, keep, ExecContext.SERIAL);
            String what = op + "-" + opset + " axes " + Arrays.toString(axes) + " keep " + keep;
            assertArrayEquals(expectedShape(shape, axes, keep), y.shape(), what);
            double[] want = naive(op, shape, xd, axes);
            for (int i = 0; i < want.length; i++) {
              // float accumulation over at most 120 terms
              assertEquals(want[i], y.floats()[i], 2e-6 * Math.abs(want[i]) + 1e-6, what + " at " + i);
            }
            Tensor yd = reduce(op, opset, Tensor.of(xd, shape), axes, keep, ExecContext.SERIAL);
            for (int i = 0; i < want.length; i++) {
              assertEquals(want[i], yd.doubles()[i], 1e-12 * Math.abs(want[i]), what + " f64 at " + i);
            }
          }
        }
      }
    }
  }

  @Test
  void integerReductionsUseIntegerArithmetic() {
    int[] shape = {2, 3};
    Tensor x = Tensor.of(new int[] {1, -2, 3, 4, 5, -7}, shape);
    int[] ax = {1};
    assertArrayEquals(new long[] {2, 2}, reduce("ReduceSum", 13, x, ax, false, ExecContext.SERIAL).toLongs());
    assertArrayEquals(new long[] {0, 0}, reduce("ReduceMean", 13, x, ax, false, ExecContext.SERIAL).toLongs()); // 2/3 -> 0
    assertArrayEquals(new long[] {3, 5}, reduce("ReduceMax", 13, x, ax, false, ExecContext.SERIAL).toLongs());
    assertArrayEquals(new long[] {-2, -7}, reduce("ReduceMin", 13, x, ax, false, ExecContext.SERIAL).toLongs());
    assertArrayEquals(new long[] {-6, -140}, reduce("ReduceProd", 13, x, ax, false, ExecContext.SERIAL).toLongs());
    assertArrayEquals(new long[] {6, 16}, reduce("ReduceL1", 13, x, ax, false, ExecContext.SERIAL).toLongs());
    assertArrayEquals(new long[] {14, 90}, reduce("ReduceSumSquare", 13, x, ax, false, ExecContext.SERIAL).toLongs());
    assertArrayEquals(new long[] {3, 9}, reduce("ReduceL2", 13, x, ax, false, ExecContext.SERIAL).toLongs()); // sqrt 14, 90
    assertEquals(DType.I32, reduce("ReduceSum", 13, x, ax, false, ExecContext.SERIAL).dtype());
    Tensor u = Tensor.wrap(DType.U8, new byte[] {(byte) 200, (byte) 100}, 2);
    assertEquals(44, reduce("ReduceSum", 13, u, new int[0], false, ExecContext.SERIAL).toLongs()[0]); // wraps
    assertEquals(200, reduce("ReduceMax", 13, u, new int[0], false, ExecContext.SERIAL).toLongs()[0]);
    Tensor l = Tensor.of(new long[] {Long.MAX_VALUE, 1}, 2);
    assertEquals(Long.MIN_VALUE, reduce("ReduceSum", 13, l, new int[0], false, ExecContext.SERIAL).longs()[0]);
  }

  @Test
  void float16ReductionsComputeInDoubleAndRoundToHalf() {
    Tensor h = Tensor.zeros(DType.F16, 2, 3);
    float[] v = {0.5f, 1.25f, -2f, 3f, 1000f, 0.001f};
    for (int i = 0; i < 6; i++) {
      h.setDouble(i, v[i]);
    }
    Tensor s = reduce("ReduceSum", 13, h, new int[] {1}, false, ExecContext.SERIAL);
    assertEquals(DType.F16, s.dtype());
    assertEquals(-0.25, s.getDouble(0), 0);
    // 1003.000976... rounds to the nearest half, 1003
    assertEquals(1003.0, s.getDouble(1), 0);
    Tensor m = reduce("ReduceMax", 13, h, new int[] {0}, true, ExecContext.SERIAL);
    assertArrayEquals(new int[] {1, 3}, m.shape());
    assertArrayEquals(new float[] {3f, 1000f, h.toFloats()[5]}, m.toFloats());
    assertArrayEquals(new long[] {2}, run("ArgMin", 13, attrs("keepdims", 0, "axis", 0), h.reshape(6)).longs());
  }

  @Test
  void reduceSumTakesAxesAsAttributeBefore13AndAsInputFrom13() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertArrayEquals(new float[] {5, 7, 9}, run("ReduceSum", 11, attrs("axes", new long[] {0}, "keepdims", 0), x).floats());
    assertArrayEquals(new float[] {5, 7, 9}, run("ReduceSum", 13, attrs("keepdims", 0), x, Tensor.of(new long[] {0}, 1)).floats());
    assertArrayEquals(new float[] {6, 15}, run("ReduceSum", 13, attrs("keepdims", 0), x, Tensor.of(new long[] {-1}, 1)).floats());
    // from 13, no axes input (or an empty one) reduces everything...
    assertArrayEquals(new float[] {21}, run("ReduceSum", 13, Map.of(), x).floats());
    assertArrayEquals(new int[] {1, 1}, run("ReduceSum", 13, Map.of(), x, Tensor.of(new long[0], 0)).shape());
    // ...unless noop_with_empty_axes, which returns the input unchanged (as a new tensor)
    Tensor same = run("ReduceSum", 13, attrs("noop_with_empty_axes", 1), x);
    assertArrayEquals(x.floats(), same.floats());
    assertArrayEquals(x.shape(), same.shape());
    assertNotSame(x.data(), same.data());
    // ReduceMean keeps attribute axes until 18
    assertArrayEquals(new float[] {2.5f, 3.5f, 4.5f}, run("ReduceMean", 17, attrs("axes", new long[] {0}, "keepdims", 0), x).floats());
    assertArrayEquals(new float[] {2, 5}, run("ReduceMean", 18, attrs("keepdims", 0), x, Tensor.of(new long[] {1}, 1)).floats());
  }

  @Test
  void bigReductionsAreTheSameOnOneAndManyThreads() {
    Random rnd = new Random(32);
    int[][] shapes = {{2, 40_000}, {400, 200}, {2, 20_000, 2}};
    for (int[] shape : shapes) {
      float[] x = ElementwiseTestSupport.randomFloats(rnd, ElementwiseTestSupport.size(shape));
      double[] xd = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        xd[i] = x[i];
      }
      for (String op : new String[] {"ReduceSum", "ReduceMax", "ReduceLogSumExp", "ReduceSumSquare", "ReduceMean"}) {
        for (int[] axes : new int[][] {{1}, {0}, {}}) {
          Tensor t = Tensor.of(x, shape);
          float[] one = reduce(op, 13, t, axes, true, ExecContext.SERIAL).floats();
          float[] many = reduce(op, 13, t, axes, true, PAR).floats();
          String what = op + " " + Arrays.toString(shape) + " axes " + Arrays.toString(axes);
          assertArrayEquals(one, many, what);
          double[] want = naive(op, shape, xd, axes);
          // magnitude scale of each sum: the sum of |terms| (of the squares for SumSquare)
          double[] mag = naive(op.equals("ReduceSumSquare") ? op : "ReduceL1", shape, xd, axes);
          int n = x.length / want.length;
          for (int i = 0; i < want.length; i++) {
            // float summation (lanes, then fixed chunks): error below u * sqrt(n) * sum|terms|,
            // u = 2^-24; Mean divides it by n; LogSumExp's sum has positive terms, so its log
            // is off by about u * sqrt(n) absolute, plus the rounding of max + log(sum) at the
            // magnitude of the max (|x| <= 4 here). Max is exact.
            double u = 0x1p-24 * Math.sqrt(n);
            double tol;
            switch (op) {
              case "ReduceMax": tol = 0; break;
              case "ReduceMean": tol = u * mag[i] / n; break;
              case "ReduceLogSumExp": tol = u + 2 * Math.ulp(4f); break;
              default: tol = u * mag[i];
            }
            assertEquals(want[i], one[i], tol + Math.ulp((float) want[i]), what + " at " + i);
          }
        }
      }
    }
  }

  @Test
  void logSumExpHandlesLargeAndInfiniteInputsAndEmptyAxesGiveIdentities() {
    assertEquals(1000 + Math.log(2), run("ReduceLogSumExp", 13, attrs("keepdims", 0), vec(1000f, 1000f)).floats()[0], 1e-4);
    assertEquals(Float.NEGATIVE_INFINITY, run("ReduceLogSumExp", 13, Map.of(),
        vec(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY)).floats()[0]);
    assertEquals(Float.POSITIVE_INFINITY, run("ReduceLogSumExp", 13, Map.of(), vec(Float.POSITIVE_INFINITY, 1f)).floats()[0]);
    assertEquals(Float.NaN, run("ReduceMax", 13, Map.of(), vec(1f, Float.NaN, 3f)).floats()[0]);
    Tensor empty = Tensor.of(new float[0], 0, 3);
    Tensor sum = run("ReduceSum", 11, attrs("axes", new long[] {0}, "keepdims", 0), empty);
    assertArrayEquals(new float[] {0, 0, 0}, sum.floats());
    assertArrayEquals(new float[] {1, 1, 1}, run("ReduceProd", 11, attrs("axes", new long[] {0}, "keepdims", 0), empty).floats());
    assertEquals(Float.NEGATIVE_INFINITY, run("ReduceMax", 11, attrs("axes", new long[] {0}), empty).floats()[2]);
    assertArrayEquals(new int[] {0}, run("ReduceSum", 11, attrs("axes", new long[] {1}, "keepdims", 0), empty).shape());
  }

  @Test
  void argMaxAndArgMinHonourAxisKeepdimsAndSelectLastIndex() {
    Tensor x = Tensor.of(new float[] {1, 5, 5, 2, 0, 0, 3, 3}, 2, 4);
    Tensor am = run("ArgMax", 13, attrs("axis", 1), x);
    assertArrayEquals(new int[] {2, 1}, am.shape());
    assertEquals(DType.I64, am.dtype());
    assertArrayEquals(new long[] {1, 2}, am.longs());
    assertArrayEquals(new long[] {2, 3}, run("ArgMax", 13, attrs("axis", -1, "select_last_index", 1, "keepdims", 0), x).longs());
    assertArrayEquals(new long[] {0, 0}, run("ArgMin", 13, attrs("axis", 1, "keepdims", 0), x).longs());
    assertArrayEquals(new long[] {0, 1}, run("ArgMin", 12, attrs("axis", 1, "keepdims", 0, "select_last_index", 1), x).longs());
    assertArrayEquals(new long[] {0, 0, 0, 1}, run("ArgMax", 11, attrs("keepdims", 0), x).longs());
    assertArrayEquals(new int[] {1, 4}, run("ArgMax", 11, Map.of(), x).shape());
    // NaN is the extreme, first one wins
    assertArrayEquals(new long[] {1}, run("ArgMax", 13, attrs("keepdims", 0), vec(1f, Float.NaN, 9f, Float.NaN)).longs());
    assertArrayEquals(new long[] {1}, run("ArgMin", 13, attrs("keepdims", 0), vec(1f, Float.NaN, -9f)).longs());
    Tensor u = Tensor.wrap(DType.U64, new long[] {5, -1L, 7}, 3); // -1 is 2^64 - 1
    assertArrayEquals(new long[] {1}, run("ArgMax", 13, attrs("keepdims", 0), u).longs());
    Tensor i8 = Tensor.wrap(DType.I8, new byte[] {5, -1, 7}, 3);
    assertArrayEquals(new long[] {1}, run("ArgMin", 13, attrs("keepdims", 0), i8).longs());
  }
}
