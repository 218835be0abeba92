package org.quantlens.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class BufferPoolTest {
  @Test
  void aGivenArrayComesBackZeroedInTheTensorThatGaveIt() {
    BufferPool pool = new BufferPool(1 << 20);
    Tensor fresh = pool.take(DType.F32, 8);
    assertArrayEquals(new int[] {8}, fresh.shape());
    Tensor a = Tensor.wrap(DType.F32, fresh.data(), 2, 4); // as a step re-wraps it
    java.util.Arrays.fill(a.floats(), 3.5f);
    pool.give(a);
    Tensor b = pool.take(DType.F32, 8);
    assertSame(a, b);
    assertEquals(1, pool.freshArrays());
    assertEquals(0, pool.bytes());
    for (float v : b.floats()) {
      assertEquals(0f, v);
    }
  }

  @Test
  void uninitializedTakeReusesTheArrayWithoutClearingItAndCreatesOneWhenNoneIsFree() {
    BufferPool pool = new BufferPool(1 << 20);
    Tensor fresh = pool.takeUninitialized(DType.I32, 8); // ints: never poisoned
    assertEquals(8, fresh.ints().length);
    assertEquals(1, pool.freshArrays());
    java.util.Arrays.fill(fresh.ints(), 35);
    pool.give(fresh);
    Tensor b = pool.takeUninitialized(DType.I32, 8);
    assertSame(fresh, b);
    assertEquals(1, pool.freshArrays());
    assertEquals(35, b.ints()[7]); // not cleared: the caller writes every element itself
    assertEquals(0, pool.bytes());
  }

  @Test
  void recycledFloatsComeBackAsNanWhenPoisoned() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("quantlens.poisonRecycled"),
        "the test suites run with -Dquantlens.poisonRecycled=true");
    BufferPool pool = new BufferPool(1 << 20);
    Tensor t = pool.takeUninitialized(DType.F32, 8);
    java.util.Arrays.fill(t.floats(), 3.5f);
    pool.give(t);
    assertTrue(Float.isNaN(pool.takeUninitialized(DType.F32, 8).floats()[7]));
    pool.give(t);
    assertEquals(0f, pool.take(DType.F32, 8).floats()[7]); // take still clears
  }

  @Test
  void arraysAreNotSharedAcrossLengthsOrTypes() {
    BufferPool pool = new BufferPool(1 << 20);
    Tensor a = pool.take(DType.I32, 8);
    pool.give(a);
    assertNotSame(a.data(), pool.take(DType.I32, 9).data());
    assertNotSame(a.data(), pool.take(DType.U32, 8).data());
    assertSame(a, pool.take(DType.I32, 8));
  }

  @Test
  void arraysBeyondTheByteBoundAreDropped() {
    BufferPool pool = new BufferPool(100);
    Tensor small = Tensor.of(new float[8], 8);  // 32 bytes + header: fits
    Tensor big = Tensor.of(new float[64], 64);  // 256 bytes: over the bound
    pool.give(small);
    pool.give(big);
    assertSame(small, pool.take(DType.F32, 8));
    assertNotSame(big.data(), pool.take(DType.F32, 64).data());
    assertEquals(0, pool.bytes());
  }
}
