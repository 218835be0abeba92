package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CopyTest {
  /** Runs tasks backwards and claims 4 threads: results must not depend on task order or count. */
  static final Parallel BACKWARDS = new Parallel() {
    @Override
    public void forRange(int tasks, java.util.function.IntConsumer body) {
      for (int t = tasks - 1; t >= 0; t--) {
        body.accept(t);
      }
    }

    @Override
    public int threads() {
      return 4;
    }
  };

  /** Real threads from the common pool. */
  static final Parallel POOL = new Parallel() {
    @Override
    public void forRange(int tasks, java.util.function.IntConsumer body) {
      IntStream.range(0, tasks).parallel().forEach(body);
    }

    @Override
    public int threads() {
      return 3;
    }
  };

  /** Element-by-element reference: walk the output in C order, add up offsets. */
  static long[] naive(long[] src, int off, int[] shape, int[] strides) {
    int total = 1;
    for (int d : shape) {
      total *= d;
    }
    long[] out = new long[total];
    int[] pos = new int[shape.length];
    for (int i = 0; i < total; i++) {
      int p = off;
      for (int d = 0; d < shape.length; d++) {
        p += pos[d] * strides[d];
      }
      out[i] = src[p];
      for (int d = shape.length - 1; d >= 0 && ++pos[d] == shape[d]; d--) {
        pos[d] = 0;
      }
    }
    return out;
  }

  private static long[] iota(int n) {
    long[] a = new long[n];
    for (int i = 0; i < n; i++) {
      a[i] = i * 7 + 3;
    }
    return a;
  }

  private static void check(Parallel par, int off, int[] shape, int[] strides, int srcLen) {
    long[] src = iota(srcLen);
    long[] want = naive(src, off, shape, strides);
    long[] got = new long[want.length + 2];
    Copy.strided(par, src, off, shape, strides, got, 1);
    long[] inner = java.util.Arrays.copyOfRange(got, 1, 1 + want.length);
    assertArrayEquals(want, inner);
    // float, int, short, byte and double paths see the same index pattern
    float[] fs = new float[srcLen];
    for (int i = 0; i < srcLen; i++) {
      fs[i] = src[i];
    }
    float[] fg = new float[want.length];
    Copy.strided(par, fs, off, shape, strides, fg, 0);
    for (int i = 0; i < want.length; i++) {
      org.junit.jupiter.api.Assertions.assertEquals(want[i], (long) fg[i]);
    }
    byte[] bs = new byte[srcLen];
    for (int i = 0; i < srcLen; i++) {
      bs[i] = (byte) src[i];
    }
    byte[] bg = new byte[want.length];
    Copy.strided(par, bs, off, shape, strides, bg, 0);
    for (int i = 0; i < want.length; i++) {
      org.junit.jupiter.api.Assertions.assertEquals((byte) want[i], bg[i]);
    }
  }

  @Test
  void transposeOfEveryPermutationOfA4dBlockMatchesElementwiseReference() {
    int[] shape = {3, 4, 5, 6};
    int[] strides = {120, 30, 6, 1};
    int[][] perms = {{0, 1, 2, 3}, {3, 2, 1, 0}, {0, 2, 3, 1}, {0, 3, 1, 2}, {1, 0, 3, 2}, {2, 0, 1, 3}};
    for (int[] p : perms) {
      int[] s = new int[4];
      int[] st = new int[4];
      for (int i = 0; i < 4; i++) {
        s[i] = shape[p[i]];
        st[i] = strides[p[i]];
      }
      check(Parallel.SERIAL, 0, s, st, 360);
    }
  }

  @Test
  void largeTransposeUsesTilesAndThreadsWithoutChangingTheResult() {
    // 2 x 300 x 257 transposed to 2 x 257 x 300: tiled, and above the parallel threshold.
    int[] s = {2, 257, 300};
    int[] st = {300 * 257, 1, 257};
    check(BACKWARDS, 0, s, st, 2 * 300 * 257);
    check(POOL, 0, s, st, 2 * 300 * 257);
    check(Parallel.SERIAL, 0, s, st, 2 * 300 * 257);
  }

  @Test
  void negativeAndZeroStridesAndOffsetsFollowTheView() {
    check(Parallel.SERIAL, 59, new int[] {3, 4, 5}, new int[] {-20, -5, -1}, 60); // full reverse
    check(Parallel.SERIAL, 2, new int[] {4, 3}, new int[] {0, 2}, 10); // broadcast rows
    check(Parallel.SERIAL, 7, new int[] {5, 1, 3}, new int[] {0, 99, 0}, 10); // one element
    check(BACKWARDS, 0, new int[] {300, 7, 40}, new int[] {0, 40, 1}, 280); // tiled expand, parallel
    check(Parallel.SERIAL, 3, new int[] {}, new int[] {}, 5); // scalar
    check(Parallel.SERIAL, 0, new int[] {2, 0, 3}, new int[] {3, 3, 1}, 6); // empty
  }

  @Test
  void randomViewsMatchReference() {
    Random r = new Random(7);
    for (int it = 0; it < 200; it++) {
      int rank = 1 + r.nextInt(5);
      int[] s = new int[rank];
      int[] st = new int[rank];
      int off = 0;
      int span = 1;
      for (int d = rank - 1; d >= 0; d--) {
        s[d] = 1 + r.nextInt(5);
        st[d] = (r.nextInt(5) - 2) * span;
        span *= 5 * s[d];
      }
      // offset so every reached index is inside [0, len)
      int min = 0;
      int max = 0;
      for (int d = 0; d < rank; d++) {
        min += Math.min(0, (s[d] - 1) * st[d]);
        max += Math.max(0, (s[d] - 1) * st[d]);
      }
      off = -min;
      check(r.nextBoolean() ? Parallel.SERIAL : BACKWARDS, off, s, st, max - min + 1);
    }
  }

  @Test
  void gatherAndFillWorkOnEveryArrayType() {
    int[] idx = {4, 0, 2};
    Object[] srcs = {new float[] {0, 1, 2, 3, 4, 5}, new double[] {0, 1, 2, 3, 4, 5},
        new int[] {0, 1, 2, 3, 4, 5}, new long[] {0, 1, 2, 3, 4, 5},
        new short[] {0, 1, 2, 3, 4, 5}, new byte[] {0, 1, 2, 3, 4, 5}};
    for (Object src : srcs) {
      Object dst = java.lang.reflect.Array.newInstance(src.getClass().getComponentType(), 5);
      Copy.gather(src, 1, idx, 0, dst, 1, 3); // reads src[5], src[1], src[3]
      Object one = java.lang.reflect.Array.newInstance(src.getClass().getComponentType(), 1);
      java.lang.reflect.Array.set(one, 0, java.lang.reflect.Array.get(src, 2));
      Copy.fill(dst, 4, 5, one);
      double[] got = new double[5];
      for (int i = 0; i < 5; i++) {
        got[i] = ((Number) java.lang.reflect.Array.get(dst, i)).doubleValue();
      }
      assertArrayEquals(new double[] {0, 5, 1, 3, 2}, got, src.getClass().getSimpleName());
    }
  }
}
