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

  /** A layer with its case and the reference outputs. */
  private static final class Lay {
    final QuantRecurrentLayerTest.Case c;
    final WeightOnlyRecurrentLayer l;
    final float[][] want;

    Lay(Random rnd, RecurrentLayer.Type t, int hidden, int input) {
      c = QuantRecurrentLayerTest.randomCase(rnd, t, hidden, input, 1, false, false, false, 4, 2);
      l = layer(c);
      want = run(reference(c), c, Parallel.SERIAL);
    }

    void check(String what) {
      assertSame(want, run(l, c, Parallel.SERIAL), what);
    }
  }

  /** Runs {@code body} on a thread of its own, so that it starts from an empty cache. */
  private static void onFreshThread(Runnable body) throws Exception {
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        body.run();
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

  /**
   * Layers taking turns on one thread each keep giving their own results: two that the cache
   * keeps; more than it keeps, or together more floats than it keeps, where a layer the cache
   * dropped and needs again is held in float from then on (so no call dequantizes every layer);
   * one past the cached size, held from the start.
   */
  @Test
  void layersTakingTurnsOnAThreadEachRunTheirOwnWeights() throws Exception {
    Random rnd = new Random(12);
    onFreshThread(() -> {
      Lay a = new Lay(rnd, LSTM, 16, 10);
      Lay b = new Lay(rnd, GRU, 20, 10);
      for (int i = 0; i < 3; i++) {
        a.check("A, turn " + i);
        b.check("B, turn " + i);
      }
      assertTrue(!a.l.isHeld() && !b.l.isHeld(), "two small layers stay in the thread's cache");
    });
    onFreshThread(() -> {
      Lay[] many = new Lay[WeightOnlyRecurrentLayer.THREAD_LAYERS + 2];
      for (int i = 0; i < many.length; i++) {
        many[i] = new Lay(rnd, i % 2 == 0 ? LSTM : GRU, 8 + 4 * i, 10);
      }
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < many.length; i++) {
          many[i].check("layer " + i + " of " + many.length + ", round " + round);
        }
      }
      assertTrue(many[0].l.isHeld() && many[1].l.isHeld(), "the two the cache dropped are held");
      assertTrue(!many[2].l.isHeld(), "the others stay cached");
    });
    onFreshThread(() -> {
      Lay[] big = new Lay[5]; // 211,200 floats each (4 * 120 * (100 + 120) * 2): five pass 2^20
      for (int i = 0; i < big.length; i++) {
        big[i] = new Lay(rnd, LSTM, 120, 100);
      }
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < big.length; i++) {
          big[i].check("large layer " + i + ", round " + round);
        }
      }
      assertTrue(big[0].l.isHeld() && !big[1].l.isHeld(), "the floats' bound dropped the first");
    });
    assertTrue(2L * 4 * 160 * (100 + 160) > WeightOnlyRecurrentLayer.CACHED_MAX_FLOATS);
    onFreshThread(() -> {
      Lay huge = new Lay(rnd, LSTM, 160, 100);
      assertTrue(huge.l.isHeld(), "past the cached size: held from the start");
      huge.check("layer past the cached size");
    });
  }
}
