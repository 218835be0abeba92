package org.quantlens.engine.kernels;

/**
 * Per-thread work arrays for the quantized ops, grown to the largest size asked for and reused,
 * so steady-state runs allocate no temporaries. Slots {@code 0..2} belong to the thread running
 * an op (operands prepared before it fans out); slots {@code 3..6} to the parallel tasks it
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
  /** A task's copy of constant weights widened to float for the length of a call. */
  public static final int TASK_WEIGHTS = 6;
  private static final int SLOTS = 7;

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
}
