package org.quantlens.engine.kernels;

/**
 * Float32 convolution drivers over NC(spatial) tensors. Weights are ONNX's
 * {@code [M, C/group, k...]} row-major, which is already the GEMM's A matrix per group
 * ({@code M/group} rows of {@code C/group * kernelSize}).
 *
 * <ul>
 *   <li>{@link #gemm}: any spatial rank and group count. The output is cut into tiles of spatial
 *       positions (tile width fixed by the shapes, never by the thread count); a task builds the
 *       tile's patch matrix with {@link Im2col} in a per-thread scratch array (skipped for 1x1
 *       stride-1 unpadded convolutions, which read the input directly), multiplies it with
 *       {@link Gemm#sgemm} (or {@link Gemm#sgemmPackedA} with weights packed once at load), and
 *       adds bias and applies the activation in the GEMM's epilogue while the tile is hot.
 *   <li>{@link #depthwise}: one input channel per group (depthwise, with any channel multiplier),
 *       1-D or 2-D. Each input plane is padded once into a {@link PaddedPlane} and every output row
 *       is one {@link ConvKernels#depthwiseRow} call.
 * </ul>
 */
public final class FloatConv {
  /** Patch-matrix tile budget in floats (256 KiB: about an L2 share). */
  static final int TILE_FLOATS = 1 << 16;
  /** Narrowest tile worth a GEMM call. */
  static final int MIN_TILE = 64;

  private FloatConv() {}

  /** Columns per tile for a patch matrix of {@code k} rows over {@code s} positions. */
  static int tileWidth(int k, int s) {
    if ((long) k * s <= TILE_FLOATS) {
      return s;
    }
    int max = Math.max(MIN_TILE, TILE_FLOATS / k);
    int tiles = (s + max - 1) / max;
    int even = (s + tiles - 1) / tiles;
    return Math.min(s, (even + 15) & ~15); // whole 16-column blocks suit the GEMM micro-kernels
  }

  /**
   * {@code y = conv(x, w) + bias} then the epilogue, via patch matrices and GEMM.
   *
   * @param bias {@code M} values, or null
   * @param packed per group, the weights from {@link #packWeights}, or null to use {@code w}
   */
  public static void gemm(ConvGeometry g, int batch, int channels, int group, int outChannels,
      float[] x, float[] w, PackedMatrix[] packed, float[] bias, Epilogue ep, float[] y,
      Parallel par) {
    int cg = channels / group;
    int mg = outChannels / group;
    int k = cg * g.kernelSize;
    int s = g.outSize;
    int tile = tileWidth(k, s);
    int tiles = (s + tile - 1) / tile;
    int tasks = batch * group * tiles;
    // one reusable task per calling thread (taken out while in use, so a nested call makes its
    // own): a steady-state call allocates no task, task lambda or per-tile epilogue
    GemmTask job = FREE_TASK.get();
    if (job == null) {
      job = new GemmTask();
    } else {
      FREE_TASK.set(null);
    }
    try {
      job.set(g, channels, group, outChannels, cg, mg, k, tile, tiles, x, w, packed, bias, ep, y);
      if (tasks >= 4 * par.threads()) {
        par.forRange(tasks, job);
      } else {
        // Too few tiles to share out evenly: run them in turn and let each GEMM split its C.
        // Either way every tile is the same computation, so results do not depend on the threads.
        for (int t = 0; t < tasks; t++) {
          job.run(t, par);
        }
      }
    } finally {
      job.set(null, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null, null);
      FREE_TASK.set(job);
    }
  }

  private static final ThreadLocal<GemmTask> FREE_TASK = new ThreadLocal<>();

  /** Adds group {@code gi}'s bias to a finished row of C and applies the epilogue. */
  private static final class GroupEpilogue implements GemmEpilogue {
    final ConvKernels kern = ConvKernels.get();
    float[] bias;
    int biasBase;
    Epilogue ep;

    @Override
    public void apply(float[] c, int off, int row, int col, int cnt) {
      kern.biasClamp(c, off, cnt, bias == null ? 0f : bias[biasBase + row], ep.lo, ep.hi);
      ep.finish(c, off, off + cnt);
    }
  }

  /** One convolution's tiles; {@link #run} computes tile {@code t}. */
  private static final class GemmTask implements java.util.function.IntConsumer {
    ConvGeometry g;
    int channels;
    int group;
    int outChannels;
    int cg;
    int mg;
    int k;
    int tile;
    int tiles;
    float[] x;
    float[] w;
    PackedMatrix[] packed;
    float[] bias;
    Epilogue ep;
    float[] y;
    /** Per group, its epilogue (null entries unused); grown as needed, kept between calls. */
    GroupEpilogue[] epilogues = new GroupEpilogue[0];
    boolean withEpilogue;

    /** Sets up one call (null g: forgets the last call's operands). */
    void set(ConvGeometry g, int channels, int group, int outChannels, int cg, int mg, int k,
        int tile, int tiles, float[] x, float[] w, PackedMatrix[] packed, float[] bias,
        Epilogue ep, float[] y) {
      this.g = g;
      this.channels = channels;
      this.group = group;
      this.outChannels = outChannels;
      this.cg = cg;
      this.mg = mg;
      this.k = k;
      this.tile = tile;
      this.tiles = tiles;
      this.x = x;
      this.w = w;
      this.packed = packed;
      this.bias = bias;
      this.ep = ep;
      this.y = y;
      withEpilogue = g != null && !(bias == null && ep == Epilogue.NONE);
      if (epilogues.length < group) {
        epilogues = java.util.Arrays.copyOf(epilogues, group);
      }
      for (int gi = 0; gi < epilogues.length; gi++) {
        GroupEpilogue e = epilogues[gi];
        if (gi < group && withEpilogue) {
          if (e == null) {
            e = epilogues[gi] = new GroupEpilogue();
          }
          e.bias = bias;
          e.biasBase = gi * mg;
          e.ep = ep;
        } else if (e != null) {
          e.bias = null;
          e.ep = null;
        }
      }
    }

    @Override
    public void accept(int t) {
      run(t, Parallel.SERIAL);
    }

    void run(int t, Parallel inner) {
      int s = g.outSize;
      int ti = t % tiles;
      int gi = (t / tiles) % group;
      int n = t / (tiles * group);
      int p0 = ti * tile;
      int len = Math.min(tile, s - p0);
      int xOff = (n * channels + gi * cg) * g.inSize;
      float[] b;
      int bOff;
      int ldb;
      if (g.pointwise()) {
        b = x;
        bOff = xOff + p0;
        ldb = s;
      } else {
        b = Scratch.floats(0, k * len);
        Im2col.tile(g, x, xOff, cg, p0, p0 + len, b);
        bOff = 0;
        ldb = len;
      }
      int cOff = (n * outChannels + gi * mg) * s + p0;
      GemmEpilogue epi = withEpilogue ? epilogues[gi] : null;
      if (packed != null) {
        Gemm.sgemmPackedA(inner, packed[gi], false, len, 1f, b, bOff, ldb, 0f, y, cOff, s, epi);
      } else {
        Gemm.sgemm(inner, false, false, mg, len, k, 1f, w, gi * mg * k, k, b, bOff, ldb, 0f, y,
            cOff, s, epi);
      }
    }
  }

  /** Packs constant weights {@code [M, C/group, k...]} once: one GEMM A operand per group. */
  public static PackedMatrix[] packWeights(float[] w, int outChannels, int group, int k) {
    int mg = outChannels / group;
    PackedMatrix[] p = new PackedMatrix[group];
    for (int gi = 0; gi < group; gi++) {
      p[gi] = Gemm.packA(false, mg, k, w, gi * mg * k, k);
    }
    return p;
  }

  /**
   * Depthwise convolution: group = channels, weights {@code [channels * mult, 1, k...]}, output
   * channel {@code c * mult + j} reads input channel {@code c}. Rank 1 or 2 only.
   */
  public static void depthwise(ConvGeometry g, int batch, int channels, int mult, float[] x,
      float[] w, float[] bias, Epilogue ep, float[] y, Parallel par) {
    PaddedPlane plane = new PaddedPlane(g);
    ConvKernels kern = ConvKernels.get();
    int kk = g.kernelSize;
    int s = g.outSize;
    par.forRange(batch * channels, t -> {
      float[] buf = Scratch.floats(0, plane.size());
      plane.fill(x, t * g.inSize, 0f, buf);
      int c = t % channels;
      int n = t / channels;
      for (int j = 0; j < mult; j++) {
        int oc = c * mult + j;
        int yOff = (n * channels * mult + oc) * s;
        float b = bias == null ? 0f : bias[oc];
        for (int oy = 0; oy < plane.outH; oy++) {
          int row = yOff + oy * plane.outW;
          kern.depthwiseRow(buf, plane.rowBase(oy), plane.taps(), w, oc * kk, b, ep.lo, ep.hi, y,
              row, plane.outW);
          ep.finish(y, row, row + plane.outW);
        }
      }
    });
  }
}
