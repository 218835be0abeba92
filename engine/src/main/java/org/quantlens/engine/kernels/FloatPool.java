package org.quantlens.engine.kernels;

/**
 * Float32 pooling drivers over {@code planes} consecutive input planes (batch times channels).
 * Window pools handle 1-D and 2-D geometries: each plane is padded once into a
 * {@link PaddedPlane} and every output row is one {@link PoolKernels} call. Global pools reduce
 * each plane with vector reductions. Tasks are groups of whole planes, so results never depend on
 * how many threads run them.
 */
public final class FloatPool {
  /** Elements a task should cover at least, so tiny planes do not each cost a task. */
  private static final int TASK_ELEMENTS = 16_384;

  private FloatPool() {}

  /** Max pooling (padding never wins: it reads as -inf). */
  public static void max(ConvGeometry g, int planes, float[] x, float[] y, Parallel par) {
    max(g, new PaddedPlane(g), planes, x, y, par);
  }

  /**
   * Max pooling with the plane layout of {@code g} made beforehand (callers cache it per input
   * shape); a steady-state call allocates nothing.
   */
  public static void max(ConvGeometry g, PaddedPlane plane, int planes, float[] x, float[] y,
      Parallel par) {
    MaxTask task = FREE_MAX.get();
    if (task == null) {
      task = new MaxTask();
    } else {
      FREE_MAX.set(null); // taken out while in use: a nested call makes its own
    }
    try {
      task.g = g;
      task.plane = plane;
      task.x = x;
      task.y = y;
      task.planes = planes;
      task.plain2x2 = isPlain2x2(g);
      task.per = Math.max(1, TASK_ELEMENTS / Math.max(1, g.inSize));
      par.forRange((planes + task.per - 1) / task.per, task);
    } finally {
      task.g = null;
      task.plane = null;
      task.x = null;
      task.y = null;
      FREE_MAX.set(task);
    }
  }

  private static final ThreadLocal<MaxTask> FREE_MAX = new ThreadLocal<>();

  /** One max-pooling call's operands, reused by the calling thread: tasks of whole planes. */
  private static final class MaxTask implements java.util.function.IntConsumer {
    final PoolKernels kern = PoolKernels.get();
    ConvGeometry g;
    PaddedPlane plane;
    float[] x;
    float[] y;
    int planes;
    int per;
    boolean plain2x2;

    @Override
    public void accept(int t) {
      int end = Math.min(planes, (t + 1) * per);
      for (int p = t * per; p < end; p++) {
        if (plain2x2) {
          for (int oy = 0, w = g.in[1], outW = g.out[1]; oy < g.out[0]; oy++) {
            kern.max2x2Row(x, p * g.inSize + 2 * oy * w, w, y, p * g.outSize + oy * outW, outW);
          }
          continue;
        }
        float[] buf = Scratch.floats(0, plane.size());
        plane.fill(x, p * g.inSize, Float.NEGATIVE_INFINITY, buf);
        int yOff = p * g.outSize;
        for (int oy = 0; oy < plane.outH; oy++) {
          kern.maxRow(buf, plane.rowBase(oy), plane.taps(), y, yOff + oy * plane.outW,
              plane.outW);
        }
      }
    }
  }

  /**
   * The usual 2x2 window with stride 2, no padding or dilation, every window inside the input:
   * read straight from the plane (the padded, stride-phased copy cost more than the pooling).
   */
  private static boolean isPlain2x2(ConvGeometry g) {
    if (g.rank != 2) {
      return false;
    }
    for (int d = 0; d < 2; d++) {
      if (g.kernel[d] != 2 || g.strides[d] != 2 || g.dilations[d] != 1 || g.padBegin[d] != 0
          || 2 * g.out[d] > g.in[d]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Average pooling. The divisor of each window is the number of its taps inside the input
   * ({@code countIncludePad} false) or inside the padded input ({@code countIncludePad} true; taps
   * of a ceil-mode window beyond the end padding never count).
   */
  public static void average(ConvGeometry g, int planes, boolean countIncludePad, float[] x,
      float[] y, Parallel par) {
    PaddedPlane plane = new PaddedPlane(g);
    PoolKernels kern = PoolKernels.get();
    float[] divY = counts(g, g.rank - 2, countIncludePad);
    float[] divX = counts(g, g.rank - 1, countIncludePad);
    forPlanes(planes, g.inSize, par, p -> {
      float[] buf = Scratch.floats(0, plane.size());
      plane.fill(x, p * g.inSize, 0f, buf);
      int yOff = p * g.outSize;
      for (int oy = 0; oy < plane.outH; oy++) {
        kern.avgRow(buf, plane.rowBase(oy), plane.taps(), divY[oy], divX, y,
            yOff + oy * plane.outW, plane.outW);
      }
    });
  }

  /** Per output position along {@code dim} (a 1-D plane's missing row dimension counts 1). */
  private static float[] counts(ConvGeometry g, int dim, boolean includePad) {
    if (dim < 0) {
      return new float[] {1f};
    }
    int[] c = includePad
        ? g.tapsInside(dim, -g.padBegin[dim], g.in[dim] + g.padEnd[dim])
        : g.tapsInside(dim, 0, g.in[dim]);
    float[] f = new float[c.length];
    for (int i = 0; i < c.length; i++) {
      f[i] = c[i];
    }
    return f;
  }

  /** {@code y[p] = mean of plane p} for each of {@code planes} planes of {@code size}. */
  public static void globalAverage(int planes, int size, float[] x, float[] y, Parallel par) {
    PoolKernels kern = PoolKernels.get();
    forPlanes(planes, size, par, p -> y[p] = kern.sum(x, p * size, size) / size);
  }

  /** {@code y[p] = max of plane p}. */
  public static void globalMax(int planes, int size, float[] x, float[] y, Parallel par) {
    PoolKernels kern = PoolKernels.get();
    forPlanes(planes, size, par, p -> y[p] = kern.max(x, p * size, size));
  }

  /** Runs {@code body} for every plane, a few planes per task when planes are small. */
  public static void forPlanes(int planes, int planeSize, Parallel par,
      java.util.function.IntConsumer body) {
    int per = Math.max(1, TASK_ELEMENTS / Math.max(1, planeSize));
    int tasks = (planes + per - 1) / per;
    par.forRange(tasks, t -> {
      int end = Math.min(planes, (t + 1) * per);
      for (int p = t * per; p < end; p++) {
        body.accept(p);
      }
    });
  }
}
