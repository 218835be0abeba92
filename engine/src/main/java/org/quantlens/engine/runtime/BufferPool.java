package org.quantlens.engine.runtime;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Backing arrays freed by finished steps, kept for reuse by later runs of one session. Thread-safe;
 * arrays are keyed by dtype and exact length and the total kept is bounded, beyond which freed
 * arrays are left to the garbage collector. {@link #take} always returns a zero-filled array.
 */
final class BufferPool {
  /** Default bound on the bytes kept: 256 MB. */
  static final long DEFAULT_MAX_BYTES = 256L << 20;

  private final ConcurrentHashMap<Long, ConcurrentLinkedDeque<Object>> free =
      new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong fresh = new AtomicLong();
  private final long maxBytes;

  BufferPool(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Bytes currently kept. */
  long bytes() {
    return bytes.get();
  }

  /** How many arrays {@link #take} has had to create because none was free. */
  long freshArrays() {
    return fresh.get();
  }

  /** A zero-filled array of {@code length} elements of {@code type}: a recycled one or a new one. */
  Object take(DType type, int length) {
    ConcurrentLinkedDeque<Object> q = length == 0 ? null : free.get(key(type, length));
    Object a = q == null ? null : q.pollFirst();
    if (a == null) {
      fresh.incrementAndGet();
      return Tensor.zeros(type, length).data();
    }
    bytes.addAndGet(-bytesOf(a));
    clear(a);
    return a;
  }

  /** Offers {@code array} (of {@code type}) for reuse; nobody may touch it afterwards. */
  void give(DType type, Object array) {
    int length = Array.getLength(array);
    if (length == 0) {
      return;
    }
    long b = bytesOf(array);
    if (bytes.addAndGet(b) > maxBytes) {
      bytes.addAndGet(-b);
      return;
    }
    free.computeIfAbsent(key(type, length), k -> new ConcurrentLinkedDeque<>()).offerFirst(array);
  }

  private static Long key(DType type, int length) {
    return ((long) type.ordinal() << 32) | length;
  }

  private static long bytesOf(Object a) {
    int n = Array.getLength(a);
    Class<?> c = a.getClass().getComponentType();
    int w = c == byte.class || c == boolean.class ? 1 : c == short.class || c == char.class ? 2
        : c == long.class || c == double.class ? 8 : 4;
    return (long) n * w + 16;
  }

  private static void clear(Object a) {
    if (a instanceof float[]) {
      Arrays.fill((float[]) a, 0f);
    } else if (a instanceof byte[]) {
      Arrays.fill((byte[]) a, (byte) 0);
    } else if (a instanceof int[]) {
      Arrays.fill((int[]) a, 0);
    } else if (a instanceof long[]) {
      Arrays.fill((long[]) a, 0L);
    } else if (a instanceof double[]) {
      Arrays.fill((double[]) a, 0d);
    } else if (a instanceof short[]) {
      Arrays.fill((short[]) a, (short) 0);
    } else if (a instanceof boolean[]) {
      Arrays.fill((boolean[]) a, false);
    } else {
      throw new IllegalArgumentException("not a tensor backing array: " + a.getClass());
    }
  }
}
