package org.quantlens.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

class BufferPoolTest {
  @Test
  void givenTensorComesBackItselfForTheSameShapeAndZeroed() {
    BufferPool pool = new BufferPool(1 << 20);
    Tensor a = pool.take(DType.F32, 8, new int[] {2, 4});
    java.util.Arrays.fill(a.floats(), 3.5f);
    pool.give(a);
    Tensor b = pool.take(DType.F32, 8, new int[] {2, 4});
    assertSame(a, b);
    assertEquals(0, pool.bytes());
    for (float v : b.floats()) {
      assertEquals(0f, v);
    }
  }

  @Test
  void anotherShapeOfTheSameLengthGetsTheArrayInANewTensor() {
    BufferPool pool = new BufferPool(1 << 20);
    Tensor a = pool.take(DType.F32, 8, new int[] {2, 4});
    pool.give(a);
    Tensor b = pool.take(DType.F32, 8, new int[] {8});
    assertNotSame(a, b);
    assertSame(a.data(), b.data());
    assertArrayEquals(new int[] {8}, b.shape());
    assertEquals(1, pool.freshArrays());
  }

  @Test
  void uninitializedTakeReusesTheArrayWithoutClearingItAndCreatesOneWhenNoneIsFree() {
    BufferPool pool = new BufferPool(1 << 20);
    Tensor fresh = pool.takeUninitialized(DType.F32, 8, new int[] {8});
    assertEquals(8, fresh.floats().length);
    assertEquals(1, pool.freshArrays());
    java.util.Arrays.fill(fresh.floats(), 3.5f);
    pool.give(fresh);
    Tensor b = pool.takeUninitialized(DType.F32, 8, new int[] {8});
    assertSame(fresh, b);
    assertEquals(1, pool.freshArrays());
    assertEquals(3.5f, b.floats()[7]); // not cleared: the caller writes every element itself
    assertEquals(0, pool.bytes());
  }

  @Test
  void arraysAreNotSharedAcrossLengthsOrTypes() {
    BufferPool pool = new BufferPool(1 << 20);
    Tensor a = pool.take(DType.I32, 8, new int[] {8});
    pool.give(a);
    assertNotSame(a.data(), pool.take(DType.I32, 9, new int[] {9}).data());
    assertNotSame(a.data(), pool.take(DType.U32, 8, new int[] {8}).data());
    assertSame(a, pool.take(DType.I32, 8, new int[] {8}));
  }

  @Test
  void arraysBeyondTheByteBoundAreDropped() {
    BufferPool pool = new BufferPool(100);
    Tensor small = Tensor.of(new float[8], 8);  // 32 bytes + header: fits
    Tensor big = Tensor.of(new float[64], 64);  // 256 bytes: over the bound
    pool.give(small);
    pool.give(big);
    assertSame(small, pool.take(DType.F32, 8, new int[] {8}));
    assertNotSame(big.data(), pool.take(DType.F32, 64, new int[] {64}).data());
    assertEquals(0, pool.bytes());
  }
}
