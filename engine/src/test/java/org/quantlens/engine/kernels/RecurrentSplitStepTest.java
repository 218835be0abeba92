package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A one-row LSTM on several threads cuts each step by hidden units ({@code recurSplit}): outputs
 * must be those of one thread bit for bit, for every thread count, direction, length and cell
 * option, and also when the pool runs the tasks one after another (no helper ever comes).
 */
class RecurrentSplitStepTest {
  private static final int HIDDEN = 256;
  private static final int INPUT = 24;
  private static final int SEQ = 7;

  /** Claims several threads but runs every task on the caller, in order. */
  private static final Parallel SERIAL_TWO = new Parallel() {
    @Override
    public void forRange(int tasks, IntConsumer body) {
      SERIAL.forRange(tasks, body);
    }

    @Override
    public int threads() {
      return 2;
    }
  };

  private static float[] rand(Random r, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return a;
  }

  @ParameterizedTest(name = "reverse {0}, len {1}, peepholes {2}, input_forget {3}, clip {4}")
  @CsvSource({"false, 7, false, false, -1", "true, 7, true, false, 0.9", "false, 4, true, true, -1",
      "true, 3, false, false, 0.5", "false, 0, false, false, -1", "false, 1, true, false, -1"})
  void stepsSplitAmongThreadsGiveTheOneThreadResult(boolean reverse, int len, boolean peep,
      boolean inputForget, double clip) {
    Random r = new Random(len * 31L + (reverse ? 1 : 0));
    int gh = 4 * HIDDEN;
    float c = clip < 0 ? Float.POSITIVE_INFINITY : (float) clip;
    RecurrentLayer layer = RecurrentLayer.of(RecurrentLayer.Type.LSTM, HIDDEN, INPUT, 1, reverse,
        rand(r, gh * INPUT, 1.5 / Math.sqrt(INPUT)), rand(r, gh * HIDDEN, 1.5 / Math.sqrt(HIDDEN)),
        rand(r, 2 * gh, 0.5), peep ? rand(r, 3 * HIDDEN, 0.9) : null,
        List.of(List.of(RnnActivation.SIGMOID, RnnActivation.TANH, RnnActivation.TANH)), c,
        inputForget, false, RecurrentCells.get());
    float[] x = rand(r, SEQ * INPUT, 1);
    float[] h0 = rand(r, HIDDEN, 0.5);
    float[] c0 = rand(r, HIDDEN, 0.5);
    int[] lens = {len};
    float[][] want = run(layer, Parallel.SERIAL, x, lens, h0, c0);
    for (Parallel par : new Parallel[] {new GemmTestPool(2), new GemmTestPool(3),
        new GemmTestPool(4), SERIAL_TWO}) {
      assertTrue(layer.pieces(par) > 1, "the step is split on " + par.threads() + " threads");
      float[][] got = run(layer, par, x, lens, h0, c0);
      String what = par.threads() + " threads" + (par == SERIAL_TWO ? " run serially" : "");
      assertArrayEquals(want[0], got[0], what + ": Y");
      assertArrayEquals(want[1], got[1], what + ": Y_h");
      assertArrayEquals(want[2], got[2], what + ": Y_c");
      if (par instanceof GemmTestPool pool) {
        pool.close();
      }
    }
  }

  private static float[][] run(RecurrentLayer layer, Parallel par, float[] x, int[] lens,
      float[] h0, float[] c0) {
    float[] y = new float[SEQ * HIDDEN];
    float[] yh = new float[HIDDEN];
    float[] yc = new float[HIDDEN];
    layer.run(par, x, SEQ, 1, false, lens, h0, c0, y, yh, yc);
    return new float[][] {y, yh, yc};
  }
}
