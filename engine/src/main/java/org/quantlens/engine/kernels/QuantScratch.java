package org.quantlens.engine.kernels;

/**
 * Per-thread work arrays for the quantized ops, grown to the largest size asked for and reused,
 * so steady-state runs allocate no temporaries. Slots {@code 0..2} belong to the thread running
 * an op (operands prepared before it fans out); slots {@code 3..5} to the parallel tasks it
 * starts, which may run on that same thread. Contents are undefined on return.
 */
public final class QuantScratch {
  /** Slots for the op's own thread. */
  public static final int OP_A = 0;
  public static final int OP_B = 1;
  public static final int OP_C = 2;
  /** Slots for its parallel tasks. */
  public static final int TASK_A = 3;
  public static final int TASK_B = 4;
  public static final int TASK_C = 5;
  private static final int SLOTS = 6;

  private static final ThreadLocal<Derived> DERIVED = ThreadLocal.withInitial(Derived::new);
  private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[SLOTS][0]);
  private static final ThreadLocal<int[][]> INTS = ThreadLocal.withInitial(() -> new int[SLOTS][0]);
  private static final ThreadLocal<byte[][]> BYTES = ThreadLocal.withInitial(() -> new byte[SLOTS][0]);

  private QuantScratch() {}

  /** This thread's float array of {@code slot}, at least {@code n} long. */
  public static float[] floats(int slot, int n) {
    float[][] b = FLOATS.get();
    if (b[slot].length < n) {
      b[slot] = new float[Math.max(n, b[slot].length + (b[slot].length >> 1))];
    }
    return b[slot];
  }

  /** This thread's int array of {@code slot}, at least {@code n} long. */
  public static int[] ints(int slot, int n) {
    int[][] b = INTS.get();
    if (b[slot].length < n) {
      b[slot] = new int[Math.max(n, b[slot].length + (b[slot].length >> 1))];
    }
    return b[slot];
  }

  /** This thread's byte array of {@code slot}, at least {@code n} long. */
  public static byte[] bytes(int slot, int n) {
    byte[][] b = BYTES.get();
    if (b[slot].length < n) {
      b[slot] = new byte[Math.max(n, b[slot].length + (b[slot].length >> 1))];
    }
    return b[slot];
  }

  /**
   * This thread's copy of some constant weights in a derived form (a recurrent layer's R widened
   * to float): {@link #data} holds what the last user with the same {@link #key} wrote, unless
   * another has used it since. One per thread, so layers that take turns on a thread each write it
   * again; a layer alone on its thread writes it once.
   */
  public static final class Derived {
    /** Identifies the contents of {@link #data}; null when they are not anyone's. */
    public Object key;
    public float[] data = new float[0];

    private Derived() {}
  }

  /** This thread's {@link Derived} array, at least {@code n} long (growing it clears the key). */
  public static Derived derived(int n) {
    Derived d = DERIVED.get();
    if (d.data.length < n) {
      d.key = null;
      d.data = new float[Math.max(n, d.data.length + (d.data.length >> 1))];
    }
    return d;
  }
}
