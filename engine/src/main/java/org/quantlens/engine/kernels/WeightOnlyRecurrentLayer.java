package org.quantlens.engine.kernels;

import java.util.List;

/**
 * A recurrent layer (LSTM, GRU or RNN, one or two directions) whose W and R are stored as 8-bit
 * integers with a scale and zero point per gate unit, and which computes in float on the
 * dequantized weights {@code (q - zp) * scale}: x and h are never quantized. This is what a
 * standard LSTM or GRU reading its weights through DequantizeLinear means in ONNX, and what ONNX
 * Runtime runs for it, where {@link QuantRecurrentLayer} would also round x and h at every step.
 *
 * <p>The layer holds only the bytes (a quarter of the float weights), with the scales, the biases
 * and the peepholes. The float weights live in a {@link RecurrentLayer} built from them in the
 * cache of the thread that runs the layer (its pool's helpers read the caller's), which keeps the
 * layers that thread ran last, up to {@link #THREAD_FLOATS} floats of weights together: a thread
 * running one model dequantizes each layer once, then runs the float layer's kernels. A layer is
 * held in float instead, as ONNX Runtime holds it, when it is larger than {@link
 * #CACHED_MAX_FLOATS} (dequantized when it is built; it then keeps no bytes) or when a thread
 * needs it again after its cache dropped it (a model with more such layers than a cache keeps
 * would otherwise dequantize them all at every call). Results are those of {@link RecurrentLayer}
 * on the weights dequantized by hand, bit for bit, whatever thread runs them. Thread-safe.
 */
public final class WeightOnlyRecurrentLayer implements SequenceLayer {
  /**
   * Largest layer, in floats of dequantized weights (1 MB; every LSTM and GRU of the zoo), that
   * goes through the threads' caches. A larger one is held in float: a few of them would push each
   * other out of a cache and be dequantized again at every call.
   */
  static final int CACHED_MAX_FLOATS = 1 << 18;
  /**
   * Floats of dequantized weights one thread keeps (4 MB): at least four layers. What a thread
   * keeps is working memory (the session holds the bytes), and RESULTS.md reports it as such.
   */
  static final int THREAD_FLOATS = 1 << 20;
  /** Layers one thread keeps at most. */
  static final int THREAD_LAYERS = 8;

  private final RecurrentLayer.Type type;
  private final int hidden;
  private final int input;
  private final int directions;
  private final boolean reverse;
  /**
   * {@code [directions, input, gates*hidden]} and {@code [directions, hidden, gates*hidden]}; null
   * for a layer held in float from the start.
   */
  private final byte[] w;
  private final byte[] r;
  private final boolean unsigned;
  private final float[] wScale;
  private final float[] rScale;
  /** Raw zero points per column, or null when all are 0. */
  private final int[] wZp;
  private final int[] rZp;
  /** Per direction the summed biases, peepholes and activations, as the float layer takes them. */
  private final RecurrentCells.Params[] params;
  private final boolean linearBeforeReset;
  private final RecurrentCells cells;
  /** Floats of the float layer's weights, with the W and R an LSTM may cut from [W R]. */
  private final long floats;
  /**
   * Identifies this layer in the threads' caches, which keep its float layer (within their bounds,
   * also after the session is gone) but not this object.
   */
  private final Object key = new Object();
  /** The float layer, once held (see the class comment); else null. */
  private volatile RecurrentLayer held;

  private WeightOnlyRecurrentLayer(RecurrentLayer.Type type, int hidden, int input,
      int directions, boolean reverse, QuantRecurrentLayer.Weights wt, float[] b, float[] p,
      List<List<RnnActivation>> activations, float clip, boolean inputForget,
      boolean linearBeforeReset, RecurrentCells cells) {
    int gh = type.gates() * hidden;
    this.type = type;
    this.hidden = hidden;
    this.input = input;
    this.directions = directions;
    this.reverse = reverse;
    this.unsigned = wt.unsigned;
    this.wScale = java.util.Arrays.copyOf(wt.wScale, directions * gh);
    this.rScale = java.util.Arrays.copyOf(wt.rScale, directions * gh);
    this.wZp = nonZero(wt.wZp, directions * gh);
    this.rZp = nonZero(wt.rZp, directions * gh);
    this.linearBeforeReset = linearBeforeReset;
    this.params = RecurrentCells.Params.perDirection(type, hidden, directions, b, p, activations,
        clip, inputForget, linearBeforeReset);
    this.cells = cells;
    this.floats = (long) directions * gh * (input + hidden)
        * (type == RecurrentLayer.Type.LSTM ? 2 : 1);
    boolean large = floats > CACHED_MAX_FLOATS;
    this.held = large ? dequantized(wt.w, wt.r) : null;
    this.w = large ? null : wt.w;
    this.r = large ? null : wt.r;
  }

  /**
   * Prepares a layer. Arguments as {@link QuantRecurrentLayer#of} without the row quantizers: the
   * int8 weight bytes are read in place and must not change while the layer is in use.
   */
  public static WeightOnlyRecurrentLayer of(RecurrentLayer.Type type, int hidden, int input,
      int directions, boolean reverse, QuantRecurrentLayer.Weights wt, float[] b, float[] p,
      List<List<RnnActivation>> activations, float clip, boolean inputForget,
      boolean linearBeforeReset, RecurrentCells cells) {
    int gh = type.gates() * hidden;
    if (wt.w.length < directions * input * gh || wt.r.length < directions * hidden * gh
        || wt.wScale.length < directions * gh || wt.rScale.length < directions * gh
        || wt.wZp.length < directions * gh || wt.rZp.length < directions * gh
        || b != null && b.length < directions * 2 * gh
        || p != null && p.length < directions * 3 * hidden) {
      throw new IllegalArgumentException("weight arrays too short for " + type + " with hidden "
          + hidden + ", input " + input + ", directions " + directions);
    }
    return new WeightOnlyRecurrentLayer(type, hidden, input, directions, reverse, wt, b, p,
        activations, clip, inputForget, linearBeforeReset, cells);
  }

  private static int[] nonZero(int[] zp, int n) {
    for (int i = 0; i < n; i++) {
      if (zp[i] != 0) {
        return java.util.Arrays.copyOf(zp, n);
      }
    }
    return null;
  }

  @Override
  public int hidden() {
    return hidden;
  }

  @Override
  public int input() {
    return input;
  }

  @Override
  public int workSize(int seqLen, int batch) {
    return floatLayer().workSize(seqLen, batch);
  }

  @Override
  public void run(Parallel par, float[] work, float[] x, int seqLen, int batch,
      boolean batchMajor, int[] lens, float[] h0, float[] c0, float[] y, float[] yh, float[] yc) {
    floatLayer().run(par, work, x, seqLen, batch, batchMajor, lens, h0, c0, y, yh, yc);
  }

  /**
   * The float layer on the dequantized weights, built now and kept nowhere: for weights that
   * change from call to call, which no cache should hold.
   */
  public RecurrentLayer toFloat() {
    RecurrentLayer f = held;
    return f != null ? f : dequantized(w, r);
  }

  /** Whether the float layer is held by the layer (see the class comment). */
  boolean isHeld() {
    return held != null;
  }

  /** The float layer: held, or from this thread's cache (built there when missing). */
  RecurrentLayer floatLayer() {
    RecurrentLayer f = held;
    if (f != null) {
      return f;
    }
    Cache c = CACHE.get();
    for (int i = 0; i < c.count; i++) {
      if (c.keys[i] == key) {
        f = c.layers[i];
        c.toFront(i, key, f, floats);
        return f;
      }
    }
    f = dequantized(w, r);
    if (c.dropped(key)) {
      held = f; // threads that race here hold equal layers; either serves
      return f;
    }
    c.add(key, f, floats);
    return f;
  }

  /** The float layer on the weights dequantized as DequantizeLinear does. */
  private RecurrentLayer dequantized(byte[] wq, byte[] rq) {
    int gh = type.gates() * hidden;
    return RecurrentLayer.of(type, hidden, input, directions, reverse,
        dequantize(wq, wScale, wZp, input, gh), dequantize(rq, rScale, rZp, hidden, gh), params,
        linearBeforeReset, cells);
  }

  /**
   * {@code [directions, gh, k]} floats {@code (q - zp) * scale} (the integer difference is exact,
   * then one rounding, as DequantizeLinear) from the {@code [directions, k, gh]} bytes.
   */
  private float[] dequantize(byte[] q, float[] scale, int[] zp, int k, int gh) {
    float[] f = new float[directions * gh * k];
    int mask = unsigned ? 0xff : -1;
    for (int d = 0; d < directions; d++) {
      for (int p = 0; p < k; p++) {
        int src = (d * k + p) * gh;
        for (int j = 0; j < gh; j++) {
          int c = d * gh + j;
          int v = (q[src + j] & mask) - (zp == null ? 0 : zp[c]);
          f[c * k + p] = v * scale[c];
        }
      }
    }
    return f;
  }

  /**
   * The float layers a thread ran last, most recent first, at most {@link #THREAD_LAYERS} of them
   * and {@link #THREAD_FLOATS} floats together, and the keys of the last ones it dropped.
   */
  private static final class Cache {
    final Object[] keys = new Object[THREAD_LAYERS];
    final RecurrentLayer[] layers = new RecurrentLayer[THREAD_LAYERS];
    final long[] sizes = new long[THREAD_LAYERS];
    final Object[] dropped = new Object[2 * THREAD_LAYERS];
    int count;
    long floats;
    int nextDropped;

    /** Adds a layer at the front, dropping the least recent ones until it fits. */
    void add(Object key, RecurrentLayer layer, long size) {
      while (count > 0 && (count == THREAD_LAYERS || floats + size > THREAD_FLOATS)) {
        drop(count - 1);
      }
      count++;
      floats += size;
      toFront(count - 1, key, layer, size);
    }

    /** Whether this cache dropped the layer of {@code key} lately. */
    boolean dropped(Object key) {
      for (Object k : dropped) {
        if (k == key) {
          return true;
        }
      }
      return false;
    }

    /** Moves entry i to the front as (key, layer, size), shifting the ones before it back. */
    void toFront(int i, Object key, RecurrentLayer layer, long size) {
      System.arraycopy(keys, 0, keys, 1, i);
      System.arraycopy(layers, 0, layers, 1, i);
      System.arraycopy(sizes, 0, sizes, 1, i);
      keys[0] = key;
      layers[0] = layer;
      sizes[0] = size;
    }

    void drop(int i) {
      dropped[nextDropped] = keys[i];
      nextDropped = (nextDropped + 1) % dropped.length;
      floats -= sizes[i];
      count--;
      System.arraycopy(keys, i + 1, keys, i, count - i);
      System.arraycopy(layers, i + 1, layers, i, count - i);
      System.arraycopy(sizes, i + 1, sizes, i, count - i);
      keys[count] = null;
      layers[count] = null;
    }
  }

  private static final ThreadLocal<Cache> CACHE = ThreadLocal.withInitial(Cache::new);
}
