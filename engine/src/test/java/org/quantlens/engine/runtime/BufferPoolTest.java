package org.quantlens.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.quantlens.engine.tensor.DType;

class BufferPoolTest {
  @Test
  void givenArrayIsReusedForSameTypeAndLengthAndComesBackZeroed() {
    BufferPool pool = new BufferPool(1 << 20);
    float[] a = (float[]) pool.take(DType.F32, 8);
    java.util.Arrays.fill(a, 3.5f);
    pool.give(DType.F32, a);
    float[] b = (float[]) pool.take(DType.F32, 8);
    assertSame(a, b);
    assertEquals(0, pool.bytes());
    for (float v : b) {
      assertEquals(0f, v);
    }
  }

  @Test
  void uninitializedTakeReusesTheArrayWithoutClearingItAndCreatesOneWhenNoneIsFree() {
    BufferPool pool = new BufferPool(1 << 20);
    float[] fresh = (float[]) pool.takeUninitialized(DType.F32, 8);
    assertEquals(8, fresh.length);
    assertEquals(1, pool.freshArrays());
    java.util.Arrays.fill(fresh, 3.5f);
    pool.give(DType.F32, fresh);
    float[] b = (float[]) pool.takeUninitialized(DType.F32, 8);
    assertSame(fresh, b);
    assertEquals(1, pool.freshArrays());
    assertEquals(3.5f, b[7]); // not cleared: the caller writes every element itself
    assertEquals(0, pool.bytes());
  }

  @Test
  void arraysAreNotSharedAcrossLengthsOrTypes() {
    BufferPool pool = new BufferPool(1 << 20);
    int[] a = (int[]) pool.take(DType.I32, 8);
    pool.give(DType.I32, a);
    assertNotSame(a, pool.take(DType.I32, 9));
    Object u = pool.take(DType.U32, 8);
    assertNotSame(a, u);
    assertSame(a, pool.take(DType.I32, 8));
  }

  @Test
  void arraysBeyondTheByteBoundAreDropped() {
    BufferPool pool = new BufferPool(100);
    float[] small = new float[8];  // 32 bytes + header: fits
    float[] big = new float[64];   // 256 bytes: over the bound
    pool.give(DType.F32, small);
    pool.give(DType.F32, big);
    assertSame(small, pool.take(DType.F32, 8));
    assertNotSame(big, pool.take(DType.F32, 64));
    assertEquals(0, pool.bytes());
  }
}
