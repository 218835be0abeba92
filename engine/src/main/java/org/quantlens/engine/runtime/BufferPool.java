package org.quantlens.engine.runtime;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Backing arrays freed by finished steps, kept for reuse by later runs of one session. Thread-safe;
 * arrays are keyed by dtype and exact length and the total kept is bounded, beyond which freed
 * arrays are left to the garbage collector. {@link #take} always returns a zero-filled array,
 * {@link #takeUninitialized} one with unspecified contents. Each array is kept in the last tensor
 * that wrapped it and handed out in that same tensor when the shape asked for is its shape: in
 * steady state a step gets its result tensor back, so recycled results cost no tensor objects.
 */
final class BufferPool {
  /** Default bound on the bytes kept: 256 MB. */
  static final long DEFAULT_MAX_BYTES = 256L << 20;

  /**
   * With {@code -Dquantlens.poisonRecycled=true} (the test suites set it) a recycled float array
   * handed out uninitialized is filled with NaN first, so an op that reads an element it did not
   * write shows up as NaN in a test instead of as a stale value from an earlier run.
   */
  private static final boolean POISON = Boolean.getBoolean("quantlens.poisonRecycled");

  /** The element class of each dtype's backing array, by ordinal. */
  private static final Class<?>[] ELEMENT = elementClasses();

  private static Class<?>[] elementClasses() {
    DType[] all = DType.values();
    Class<?>[] c = new Class<?>[all.length];
    for (DType t : all) {
      c[t.ordinal()] = Tensor.zeros(t, 0).data().getClass().getComponentType();
    }
    return c;
  }

  /** Keys ((dtype ordinal << 32) | length) of the shelves, open addressing; 0 marks a free place. */
  private long[] keys = new long[16];
  private Shelf[] shelves = new Shelf[16];
  private int shelfCount;
  private long bytes;
  private final AtomicLong fresh = new AtomicLong();
  private final long maxBytes;

  /**
   * The free arrays of one dtype and length, as a stack. An array stack and a primitive-keyed
   * table (not a map of boxed Long keys and linked deques) so that taking and giving allocate
   * nothing once the shelves have grown to the session's working set.
   */
  private static final class Shelf {
    Tensor[] items = new Tensor[2];
    int count;
  }

  BufferPool(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Bytes currently kept. */
  synchronized long bytes() {
    return bytes;
  }

  /** How many arrays {@link #take} has had to create because none was free. */
  long freshArrays() {
    return fresh.get();
  }

  /**
   * A tensor of {@code type} over a zero-filled array of {@code length} elements, recycled or new:
   * a recycled array comes in the last tensor that wrapped it, whatever its shape (callers re-wrap
   * it when they need another), a new one as a vector.
   */
  Tensor take(DType type, int length) {
    return cleared(takeUninitialized(type, length, null));
  }

  /**
   * Like {@link #take}, preferring among the free arrays of that length one whose last tensor has
   * {@code shape}, and wrapping a new array in that shape: two results of one length but different
   * shapes (an embedding's output and its transpose) would otherwise swap tensors every run and
   * each be re-wrapped.
   */
  Tensor take(DType type, int length, int[] shape) {
    return cleared(takeUninitialized(type, length, shape));
  }

  /** {@link #take(DType, int, int[])} with the shape of {@code like} (not copied out of it). */
  Tensor takeLike(DType type, Tensor like) {
    return cleared(takeUninitializedLike(type, like));
  }

  /** Like {@link #takeLike} but a recycled array keeps whatever it held. */
  Tensor takeUninitializedLike(DType type, Tensor like) {
    Tensor held = like.size() == 0 ? null : poll(key(type, like.size()), null, like);
    if (held == null) {
      return takeUninitialized(type, like.size(), like.shape());
    }
    if (POISON) {
      poison(held.data());
    }
    return held;
  }

  private static Tensor cleared(Tensor t) {
    clear(t.data()); // outside the lock: the array is this caller's now
    return t;
  }

  /**
   * Like {@link #take} but a recycled array keeps whatever it held: for a caller that writes every
   * element before reading any.
   */
  Tensor takeUninitialized(DType type, int length) {
    return takeUninitialized(type, length, null);
  }

  /**
   * Like {@link #take(DType, int, int[])} but a recycled array keeps whatever it held. A null
   * {@code shape} takes any free array and wraps a new one as a vector.
   */
  Tensor takeUninitialized(DType type, int length, int[] shape) {
    Tensor held = length == 0 ? null : poll(key(type, length), shape, null);
    if (held == null) {
      fresh.incrementAndGet();
      Object array = Array.newInstance(ELEMENT[type.ordinal()], length);
      return shape == null ? Tensor.wrap(type, array, length) : Tensor.wrap(type, array, shape);
    }
    if (POISON) {
      poison(held.data());
    }
    return held;
  }

  /** The top free tensor of {@code key}'s shelf, or one below it with the shape asked for. */
  private synchronized Tensor poll(long key, int[] shape, Tensor like) {
    Shelf s = find(key, false);
    if (s == null || s.count == 0) {
      return null;
    }
    int top = s.count - 1;
    if ((shape != null || like != null) && !fits(s.items[top], shape, like)) {
      for (int i = top - 1; i >= 0; i--) {
        if (fits(s.items[i], shape, like)) { // bring it to the top
          Tensor t = s.items[i];
          s.items[i] = s.items[top];
          s.items[top] = t;
          break;
        }
      }
    }
    Tensor t = s.items[top];
    s.items[top] = null;
    s.count = top;
    bytes -= bytesOf(t.data());
    return t;
  }

  private static boolean fits(Tensor t, int[] shape, Tensor like) {
    return shape != null ? t.hasShape(shape) : t.hasShapeOf(like);
  }

  /**
   * Offers {@code t}'s backing array, in {@code t}, for reuse; nobody may touch either afterwards.
   */
  void give(Tensor t) {
    Object array = t.data();
    int length = Array.getLength(array);
    if (length == 0) {
      return;
    }
    push(key(t.dtype(), length), t, bytesOf(array));
  }

  private synchronized void push(long key, Tensor t, long b) {
    if (bytes + b > maxBytes) {
      return; // left to the garbage collector
    }
    Shelf s = find(key, true);
    if (s.count == s.items.length) {
      s.items = Arrays.copyOf(s.items, 2 * s.count);
    }
    s.items[s.count++] = t;
    bytes += b;
  }

  /** The shelf of {@code key}, created when {@code create}, else null if there is none. */
  private Shelf find(long key, boolean create) {
    int mask = keys.length - 1;
    int i = hash(key) & mask;
    while (keys[i] != 0) {
      if (keys[i] == key) {
        return shelves[i];
      }
      i = (i + 1) & mask;
    }
    if (!create) {
      return null;
    }
    if (2 * (shelfCount + 1) > keys.length) {
      grow();
      return find(key, true);
    }
    keys[i] = key;
    shelves[i] = new Shelf();
    shelfCount++;
    return shelves[i];
  }

  private void grow() {
    long[] oldKeys = keys;
    Shelf[] oldShelves = shelves;
    keys = new long[2 * oldKeys.length];
    shelves = new Shelf[keys.length];
    int mask = keys.length - 1;
    for (int j = 0; j < oldKeys.length; j++) {
      if (oldKeys[j] != 0) {
        int i = hash(oldKeys[j]) & mask;
        while (keys[i] != 0) {
          i = (i + 1) & mask;
        }
        keys[i] = oldKeys[j];
        shelves[i] = oldShelves[j];
      }
    }
  }

  private static int hash(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  /** Never 0 for a non-empty array (length >= 1), so 0 can mark a free place. */
  private static long key(DType type, int length) {
    return ((long) type.ordinal() << 32) | length;
  }

  private static long bytesOf(Object a) {
    int n = Array.getLength(a);
    Class<?> c = a.getClass().getComponentType();
    int w = c == byte.class || c == boolean.class ? 1 : c == short.class || c == char.class ? 2
        : c == long.class || c == double.class ? 8 : 4;
    return (long) n * w + 16;
  }

  private static void poison(Object a) {
    if (a instanceof float[]) {
      Arrays.fill((float[]) a, Float.NaN);
    } else if (a instanceof double[]) {
      Arrays.fill((double[]) a, Double.NaN);
    }
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
