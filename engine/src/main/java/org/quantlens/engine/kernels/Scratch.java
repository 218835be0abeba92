package org.quantlens.engine.kernels;

/**
 * Per-thread float work arrays that grow to the largest size asked for and are then reused, so a
 * kernel task allocates nothing in steady state. Each slot is a separate array: a task that needs
 * two buffers at once takes slots 0 and 1. Contents are undefined on return.
 */
public final class Scratch {
  /** Number of independent slots per thread. */
  public static final int SLOTS = 3;

  private static final ThreadLocal<float[][]> BUFFERS =
      ThreadLocal.withInitial(() -> new float[SLOTS][0]);

  private Scratch() {}

  /** This thread's slot {@code slot} array, at least {@code n} long. */
  public static float[] floats(int slot, int n) {
    float[][] b = BUFFERS.get();
    if (b[slot].length < n) {
      b[slot] = new float[Math.max(n, b[slot].length + (b[slot].length >> 1))];
    }
    return b[slot];
  }
}
