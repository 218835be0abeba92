package org.quantlens.engine.kernels;

import java.util.Arrays;

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
 *   <li>{@link #patches}: 1-D or 2-D with weights packed once: each group's input channels are
 *       padded once per image into {@link PaddedPlane}s, and the GEMM's B panels are gathered
 *       straight from them (one pass: no patch matrix, no second packing copy). Tasks are images
 *       times groups, or with fewer of those than threads, runs of B panels that pad only the
 *       input rows their output rows read, so that two threads split even a batch-1 layer with
 *       no serial part and nothing packed twice.
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
  /** Below this many multiply-adds a layer is not split within an image. */
  static final long MIN_SPLIT_MACS = 1L << 18;

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
    // no task, task lambda or per-tile epilogue allocated per call
    GemmTask job = GEMM_TASKS.take();
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
      GEMM_TASKS.give(job);
    }
  }

  private static final PerThread<GemmTask> GEMM_TASKS = new PerThread<>(GemmTask::new);

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
        epilogues = Arrays.copyOf(epilogues, group);
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

  /** True when {@link #patches} computes this convolution: rank 1 or 2, weights packed. */
  public static boolean patchesSuit(ConvGeometry g, PackedMatrix[] packed) {
    return packed != null && (g.rank == 1 || g.rank == 2) && !g.pointwise();
  }

  /**
   * {@code y = conv(x, w) + bias} then the epilogue for a geometry {@link #patchesSuit} accepts,
   * B panels gathered from padded planes (see the class comment).
   *
   * @param packed per group, the weights from {@link #packWeights}
   * @param bias {@code M} values, or null
   * @param cached what a previous call returned, or null
   * @return the patch offsets used, to pass back next time
   */
  public static TapOffsets patches(ConvGeometry g, int batch, int channels, int group,
      int outChannels, float[] x, PackedMatrix[] packed, float[] bias, Epilogue ep, float[] y,
      Parallel par, TapOffsets cached) {
    int cg = channels / group;
    TapOffsets layout = TapOffsets.reuse(cached, g, cg);
    PatchTask job = PATCH_TASKS.take();
    try {
      job.set(g, layout, batch, channels, group, outChannels, x, packed, bias, ep, y, par.threads());
      par.forRange(job.units * job.chunks, job);
      return layout;
    } finally {
      job.clear();
      PATCH_TASKS.give(job);
    }
  }

  private static final PerThread<PatchTask> PATCH_TASKS = new PerThread<>(PatchTask::new);

  /**
   * One {@link #patches} call. Task {@code t} is chunk {@code t % chunks} of the B panels of unit
   * {@code t / chunks} (image {@code u / group}, group {@code u % group}); a task pads the input
   * rows its output rows read into its own scratch. Every panel is the same
   * computation whichever task runs it, so results do not depend on the thread count.
   */
  private static final class PatchTask implements java.util.function.IntConsumer {
    final GemmKernel kern = Gemm.kernel();
    final int nr = kern.nr();
    GroupEpilogue[] epilogues = new GroupEpilogue[0];
    boolean withEpilogue;
    ConvGeometry g;
    TapOffsets layout;
    int channels;
    int group;
    int outChannels;
    int cg;
    int mg;
    int k;
    int units;
    int panels;
    int chunks;
    /** Panels per GEMM call: their B fits the tile budget. */
    int blockPanels;
    int imageFloats;
    float[] x;
    PackedMatrix[] packed;
    float[] y;

    void set(ConvGeometry g, TapOffsets layout, int batch, int channels, int group, int outChannels,
        float[] x, PackedMatrix[] packed, float[] bias, Epilogue ep, float[] y, int threads) {
      this.g = g;
      this.layout = layout;
      this.channels = channels;
      this.group = group;
      this.outChannels = outChannels;
      this.x = x;
      this.packed = packed;
      this.y = y;
      cg = channels / group;
      mg = outChannels / group;
      k = cg * g.kernelSize;
      units = batch * group;
      panels = (g.outSize + nr - 1) / nr;
      blockPanels = Math.max(1, Math.min(panels, TILE_FLOATS / (nr * k)));
      imageFloats = cg * layout.planeSize;
      long macs = (long) units * mg * k * g.outSize;
      if (threads <= 1 || units >= 2 * threads || macs < MIN_SPLIT_MACS) {
        chunks = 1;
      } else { // enough chunks for two tasks per thread, each worth a task hand-off
        int want = (2 * threads + units - 1) / units;
        int worth = (int) Math.max(1, macs / units / (MIN_SPLIT_MACS / 4));
        chunks = Math.max(1, Math.min(panels, Math.min(want, worth)));
      }
      withEpilogue = !(bias == null && ep == Epilogue.NONE);
      if (epilogues.length < group) {
        epilogues = Arrays.copyOf(epilogues, group);
      }
      for (int gi = 0; gi < group; gi++) {
        if (withEpilogue && epilogues[gi] == null) {
          epilogues[gi] = new GroupEpilogue();
        }
        if (epilogues[gi] != null) {
          epilogues[gi].bias = bias;
          epilogues[gi].biasBase = gi * mg;
          epilogues[gi].ep = ep;
        }
      }
    }

    /** Forgets the call's arrays. */
    void clear() {
      g = null;
      layout = null;
      x = null;
      packed = null;
      y = null;
      for (GroupEpilogue e : epilogues) {
        if (e != null) {
          e.bias = null;
          e.ep = null;
        }
      }
    }

    /**
     * Pads what the windows of output rows {@code [oy0, oy1)} read of unit {@code u}'s input
     * planes into {@code dst[0, imageFloats)}.
     */
    void pad(int u, float[] dst, int oy0, int oy1) {
      int n = u / group;
      int gi = u % group;
      int xOff = (n * channels + gi * cg) * g.inSize;
      for (int c = 0; c < cg; c++) {
        layout.plane.fillRead(x, xOff + c * g.inSize, 0f, dst, c * layout.planeSize, oy0, oy1);
      }
    }

    @Override
    public void accept(int t) {
      int u = t / chunks;
      int chunk = t % chunks;
      int q0 = (int) ((long) panels * chunk / chunks);
      int q1 = (int) ((long) panels * (chunk + 1) / chunks);
      if (q0 == q1) {
        return;
      }
      int outW = layout.plane.outW;
      float[] img = Scratch.floats(1, imageFloats);
      pad(u, img, q0 * nr / outW, (Math.min(g.outSize, q1 * nr) - 1) / outW + 1);
      int gi = u % group;
      int cOff = ((u / group) * outChannels + gi * mg) * g.outSize;
      GemmEpilogue epi = withEpilogue ? epilogues[gi] : null;
      float[] pb = Scratch.floats(0, Math.min(blockPanels, q1 - q0) * nr * k);
      for (int b0 = q0; b0 < q1; b0 += blockPanels) {
        int b1 = Math.min(q1, b0 + blockPanels);
        int j0 = b0 * nr;
        int cols = Math.min(g.outSize, b1 * nr) - j0;
        gather(img, j0, cols, pb);
        kern.sgemmPackedAB(packed[gi], pb, cols, y, cOff + j0, g.outSize, epi);
      }
    }

    /** Packs output positions {@code [j0, j0 + cols)} as B panels into {@code pb}. */
    private void gather(float[] img, int j0, int cols, float[] pb) {
      PaddedPlane plane = layout.plane;
      int outW = plane.outW;
      int[] offsets = layout.offsets;
      int end = j0 + cols;
      for (int q = j0, base = 0; q < end; q += nr, base += nr * k) {
        int qEnd = Math.min(end, q + nr);
        for (int pos = q; pos < qEnd; ) { // runs along an output row
          int oy = pos / outW;
          int ox = pos - oy * outW;
          int len = Math.min(outW - ox, qEnd - pos);
          kern.gatherRuns(img, plane.rowBase(oy) + ox, offsets, k, len, pb, base + pos - q);
          pos += len;
        }
        if (qEnd - q < nr) { // padding lanes: never stored, but keep them finite
          for (int p = 0; p < k; p++) {
            Arrays.fill(pb, base + p * nr + qEnd - q, base + (p + 1) * nr, 0f);
          }
        }
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
