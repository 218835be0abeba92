package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The weight-only recurrent layer against the float layer run on weights dequantized here by hand
 * ({@code (q - zp) * scale}, from the transposed int8 layout back to ONNX's): equal bit for bit,
 * on one thread and three, whichever layers the thread's cache holds.
 */
class WeightOnlyRecurrentLayerTest {
  private static final RecurrentLayer.Type LSTM = RecurrentLayer.Type.LSTM;
  private static final RecurrentLayer.Type GRU = RecurrentLayer.Type.GRU;

  /** W or R of a case in ONNX layout {@code [d][gh][k]}, dequantized from {@code [d][k][gh]}. */
  private static float[] dequantized(QuantRecurrentLayerTest.Case c, byte[] q, float[] scale,
      int[] zp, int k) {
    int gh = c.gh();
    float[] f = new float[c.dirs * gh * k];
    for (int d = 0; d < c.dirs; d++) {
      for (int j = 0; j < gh; j++) {
        for (int p = 0; p < k; p++) {
          byte b = q[(d * k + p) * gh + j];
          int v = c.unsigned ? Byte.toUnsignedInt(b) : b;
          f[(d * gh + j) * k + p] = (v - zp[d * gh + j]) * scale[d * gh + j];
        }
      }
    }
    return f;
  }

  private static WeightOnlyRecurrentLayer layer(QuantRecurrentLayerTest.Case c) {
    return WeightOnlyRecurrentLayer.of(c.type, c.hidden, c.input, c.dirs, c.reverse,
        new QuantRecurrentLayer.Weights(c.w, c.r, c.unsigned, c.wScale, c.wZp, c.rScale, c.rZp),
        c.b, c.p, c.acts(), Float.POSITIVE_INFINITY, false, c.lbr, RecurrentCells.get());
  }

  private static RecurrentLayer reference(QuantRecurrentLayerTest.Case c) {
    return RecurrentLayer.of(c.type, c.hidden, c.input, c.dirs, c.reverse,
        dequantized(c, c.w, c.wScale, c.wZp, c.input), dequantized(c, c.r, c.rScale, c.rZp, c.hidden),
        c.b, c.p, c.acts(), Float.POSITIVE_INFINITY, false, c.lbr, RecurrentCells.get());
  }

  /** Y, Y_h and Y_c (LSTM) of one run, work space sized by the layer. */
  private static float[][] run(SequenceLayer l, QuantRecurrentLayerTest.Case c, Parallel par) {
    float[] y = new float[c.seqLen * c.dirs * c.batch * c.hidden];
    float[] yh = new float[c.dirs * c.batch * c.hidden];
    float[] yc = c.type == LSTM ? new float[c.dirs * c.batch * c.hidden] : null;
    l.run(par, new float[l.workSize(c.seqLen, c.batch)], c.x, c.seqLen, c.batch, false, c.lens,
        c.h0, c.c0, y, yh, yc);
    return new float[][] {y, yh, yc};
  }

  private static void assertSame(float[][] want, float[][] got, String what) {
    for (int i = 0; i < want.length; i++) {
      assertArrayEquals(want[i], got[i], what + " output " + i);
    }
  }

  /** LSTM and GRU, both reset placements, each direction, int8 and uint8 with zero points. */
  @Test
  void equalsTheFloatLayerOnHandDequantizedWeights() {
    Random rnd = new Random(11);
    try (GemmTestPool pool = new GemmTestPool(3)) {
      for (RecurrentLayer.Type t : new RecurrentLayer.Type[] {LSTM, GRU}) {
        for (int dirs = 1; dirs <= 2; dirs++) {
          for (boolean unsigned : new boolean[] {false, true}) {
            for (int batch : new int[] {1, 3, 9}) { // an LSTM's one-row, split and fused paths
              boolean lbr = t == GRU && rnd.nextBoolean();
              boolean reverse = dirs == 1 && rnd.nextBoolean();
              QuantRecurrentLayerTest.Case c = QuantRecurrentLayerTest.randomCase(rnd, t,
                  8 + rnd.nextInt(40), 3 + rnd.nextInt(30), dirs, reverse, lbr, unsigned, 7, batch);
              float[][] want = run(reference(c), c, Parallel.SERIAL);
              WeightOnlyRecurrentLayer l = layer(c);
              String what = t + " dirs " + dirs + " unsigned " + unsigned + " batch " + batch;
              assertSame(want, run(l, c, Parallel.SERIAL), what);
              assertSame(want, run(l, c, pool), what + " on 3 threads");
            }
          }
        }
      }
    }
  }

  /**
   * Layers taking turns on one thread, more of them than its cache keeps, and one too large for
   * the cache (held in float by the layer): each keeps giving its own results.
   */
  @Test
  void layersTakingTurnsOnAThreadEachRunTheirOwnWeights() throws Exception {
    Random rnd = new Random(12);
    QuantRecurrentLayerTest.Case[] cs = new QuantRecurrentLayerTest.Case[6];
    for (int i = 0; i < cs.length - 1; i++) {
      cs[i] = QuantRecurrentLayerTest.randomCase(rnd, i % 2 == 0 ? LSTM : GRU, 16 + 4 * i, 10, 1,
          false, false, false, 5, 2);
    }
    // 1 * 4 * 160 * (100 + 160) * 2 floats of weights: over the cache's bound
    cs[5] = QuantRecurrentLayerTest.randomCase(rnd, LSTM, 160, 100, 1, false, false, false, 3, 1);
    assertTrue(2L * 4 * 160 * (100 + 160) > WeightOnlyRecurrentLayer.THREAD_FLOATS);
    WeightOnlyRecurrentLayer[] ls = new WeightOnlyRecurrentLayer[cs.length];
    float[][][] want = new float[cs.length][][];
    for (int i = 0; i < cs.length; i++) {
      ls[i] = layer(cs[i]);
      want[i] = run(reference(cs[i]), cs[i], Parallel.SERIAL);
    }
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        int[] order = {0, 1, 0, 2, 3, 4, 5, 0, 5, 1, 4, 4, 2, 0, 3};
        for (int i : order) {
          assertSame(want[i], run(ls[i], cs[i], Parallel.SERIAL), "layer " + i);
        }
      } catch (Throwable e) {
        failed.set(e);
      }
    });
    t.start();
    t.join();
    if (failed.get() != null) {
      throw new AssertionError(failed.get());
    }
  }
}
