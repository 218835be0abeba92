package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.kernels.simd.SimdRecurrentCells;

/** The SIMD cell kernels against the scalar reference, on every hidden size shape (tails too). */
class RecurrentCellsTest {
  @org.junit.jupiter.api.BeforeAll
  static void needsTheVectorApi() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        "SIMD kernels need --add-modules jdk.incubator.vector; the scalar ones are tested elsewhere");
  }

  /**
   * The SIMD cells' gate sigmoid/tanh are within 3.2e-7 absolute of the exact values the scalar
   * reference rounds once (SimdGateActivations); a cell chains at most three of them through a few
   * products and sums of terms below ~5 in magnitude, so 2e-6 * (1 + |value|) bounds the
   * difference with a margin.
   */
  private static final double TOL = 2e-6;

  private final RecurrentCells scalar = new RecurrentCellsScalar();
  private final RecurrentCells simd = new SimdRecurrentCells();

  private static float[] rand(Random r, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return a;
  }

  private static void close(float[] want, float[] got, String what) {
    for (int i = 0; i < want.length; i++) {
      boolean same = Float.isNaN(want[i]) ? Float.isNaN(got[i])
          : Math.abs(want[i] - got[i]) <= TOL * (1 + Math.abs(want[i]));
      assertTrue(same, what + "[" + i + "]: scalar " + want[i] + ", SIMD " + got[i]);
    }
  }

  private static RecurrentCells.Params params(int gates, int n, Random r, boolean peep,
      float clip, boolean rbh, RnnActivation f, RnnActivation g, RnnActivation h,
      boolean inputForget) {
    return new RecurrentCells.Params(n, f, g, h, clip, rand(r, gates * n, 1),
        rbh ? rand(r, n, 1) : null, peep ? rand(r, 3 * n, 1) : null, inputForget);
  }

  /**
   * One LSTM step's operands at offset {@code off}: random xw, hr and c, and a second copy of
   * what a call writes (hr, c, h) for the call it is compared with.
   */
  private static final class LstmOperands {
    final float[] xw;
    final float[] hr;
    final float[] hr2;
    final float[] c;
    final float[] c2;
    final float[] h;
    final float[] h2;

    LstmOperands(Random r, int n, int off) {
      xw = rand(r, off + 4 * n, 3);
      hr = rand(r, off + 4 * n, 3);
      hr2 = hr.clone();
      c = rand(r, off + n, 2);
      c2 = c.clone();
      h = new float[off + n];
      h2 = new float[off + n];
    }
  }

  @ParameterizedTest(name = "hidden {0}")
  @ValueSource(ints = {1, 3, 8, 17, 50, 75, 128})
  void lstmSimdMatchesScalarWithAndWithoutPeepholesAndClip(int n) {
    Random r = new Random(n);
    for (int variant = 0; variant < 4; variant++) {
      RecurrentCells.Params p = params(4, n, r, variant % 2 == 1,
          variant >= 2 ? 0.8f : Float.POSITIVE_INFINITY, false, RnnActivation.SIGMOID,
          RnnActivation.TANH, RnnActivation.TANH, false);
      int off = 5; // offsets inside larger arrays, as in the op's buffers
      LstmOperands a = new LstmOperands(r, n, off);
      scalar.lstm(p, a.xw, off, a.hr, off, a.c, off, a.h, off);
      simd.lstm(p, a.xw, off, a.hr2, off, a.c2, off, a.h2, off);
      close(a.c, a.c2, "c");
      close(a.h, a.h2, "h");
    }
  }

  @ParameterizedTest(name = "hidden {0}")
  @ValueSource(ints = {64, 50})
  void lstmOverUnitRangesIsTheWholeCallBitForBit(int n) {
    // a step split among threads runs the cell on ranges of units (RecurrentLayer.recurSplit):
    // every unit must come out as from the whole call. With hidden 50 the last range, 48..50, is
    // a loop's scalar tail where the whole call has those units in a vector: the tails must do
    // the vectors' arithmetic
    Random r = new Random(7);
    for (RecurrentCells kernel : new RecurrentCells[] {scalar, simd}) {
      for (int variant = 0; variant < 4; variant++) {
        RecurrentCells.Params p = params(4, n, r, variant % 2 == 1,
            variant >= 2 ? 0.8f : Float.POSITIVE_INFINITY, false, RnnActivation.SIGMOID,
            RnnActivation.TANH, variant == 3 ? RnnActivation.SIGMOID : RnnActivation.TANH,
            variant == 2);
        int off = 3;
        LstmOperands a = new LstmOperands(r, n, off);
        kernel.lstm(p, a.xw, off, a.hr, off, a.c, off, a.h, off);
        int[] cuts = {0, 16, 48, n};
        for (int i = 0; i + 1 < cuts.length; i++) {
          kernel.lstm(p, cuts[i], cuts[i + 1], a.xw, off, a.hr2, off, a.c2, off, a.h2, off);
        }
        String what = kernel.getClass().getSimpleName() + " variant " + variant;
        org.junit.jupiter.api.Assertions.assertArrayEquals(a.c, a.c2, what + ": c");
        org.junit.jupiter.api.Assertions.assertArrayEquals(a.h, a.h2, what + ": h");
      }
    }
  }

  @ParameterizedTest(name = "hidden {0}")
  @ValueSource(ints = {1, 3, 8, 17, 50, 75, 128})
  void gruSimdMatchesScalarForBothResetVariants(int n) {
    Random r = new Random(100 + n);
    for (float clip : new float[] {Float.POSITIVE_INFINITY, 0.7f}) {
      RecurrentCells.Params p = params(3, n, r, false, clip, false, RnnActivation.SIGMOID,
          RnnActivation.TANH, null, false);
      float[] xw = rand(r, 3 * n, 3);
      float[] hr = rand(r, 3 * n, 3);
      float[] hr2 = hr.clone(); // each kernel may use its row of hr as scratch
      float[] hr3 = hr.clone();
      float[] hr4 = hr.clone();
      float[] h = rand(r, n, 1);
      float[] h2 = h.clone();
      float[] rh = new float[n];
      float[] rh2 = new float[n];
      scalar.gruReset(p, xw, 0, hr, 0, h, 0, rh, 0);
      simd.gruReset(p, xw, 0, hr2, 0, h2, 0, rh2, 0);
      close(java.util.Arrays.copyOf(hr, n), java.util.Arrays.copyOf(hr2, n), "z");
      close(rh, rh2, "r*h");
      scalar.gruUpdate(p, xw, 0, hr, 0, h, 0);
      simd.gruUpdate(p, xw, 0, hr2, 0, h2, 0);
      close(h, h2, "h");

      RecurrentCells.Params q = params(3, n, r, false, clip, true, RnnActivation.SIGMOID,
          RnnActivation.TANH, null, false);
      float[] g = rand(r, n, 1);
      float[] g2 = g.clone();
      scalar.gruLinearBeforeReset(q, xw, 0, hr3, 0, g, 0);
      simd.gruLinearBeforeReset(q, xw, 0, hr4, 0, g2, 0);
      close(g, g2, "h (linear before reset)");
    }
  }

  @ParameterizedTest(name = "hidden {0}")
  @ValueSource(ints = {1, 3, 8, 17, 50, 75, 128})
  void rnnSimdMatchesScalar(int n) {
    Random r = new Random(200 + n);
    RecurrentCells.Params p = params(1, n, r, false, Float.POSITIVE_INFINITY, false,
        RnnActivation.TANH, null, null, false);
    float[] xw = rand(r, n, 4);
    float[] hr = rand(r, n, 4);
    float[] h = new float[n];
    float[] h2 = new float[n];
    scalar.rnn(p, xw, 0, hr.clone(), 0, h, 0);
    simd.rnn(p, xw, 0, hr.clone(), 0, h2, 0);
    close(h, h2, "h");
  }

  @ParameterizedTest(name = "hidden {0}")
  @ValueSource(ints = {3, 21, 64})
  void otherActivationsInputForgetAndPeepholesMatchScalar(int n) {
    Random r = new Random(7 + n);
    RnnActivation hs = new RnnActivation(RnnActivation.Kind.HARD_SIGMOID, 0.2f, 0.5f);
    RnnActivation soft = new RnnActivation(RnnActivation.Kind.SOFTSIGN, 0, 0);
    RnnActivation elu = new RnnActivation(RnnActivation.Kind.ELU, 0.5f, 0);
    RecurrentCells.Params[] ps = {
        params(4, n, r, true, Float.POSITIVE_INFINITY, false, hs, soft, elu, false),
        params(4, n, r, false, 0.9f, false, RnnActivation.SIGMOID, RnnActivation.TANH,
            RnnActivation.TANH, true),
        params(4, n, r, true, 0.9f, false, RnnActivation.SIGMOID, RnnActivation.TANH,
            soft, true)};
    for (RecurrentCells.Params p : ps) {
      float[] xw = rand(r, 4 * n, 3);
      float[] hr = rand(r, 4 * n, 3);
      float[] hr2 = hr.clone();
      float[] c = rand(r, n, 2);
      float[] c2 = c.clone();
      float[] h = new float[n];
      float[] h2 = new float[n];
      scalar.lstm(p, xw, 0, hr, 0, c, 0, h, 0);
      simd.lstm(p, xw, 0, hr2, 0, c2, 0, h2, 0);
      close(c, c2, "c");
      close(h, h2, "h");
    }
    for (boolean lbr : new boolean[] {false, true}) {
      RecurrentCells.Params p = params(3, n, r, false, 1.1f, lbr, hs, soft, null, false);
      float[] xw = rand(r, 3 * n, 3);
      float[] hr = rand(r, 3 * n, 3);
      float[] hr2 = hr.clone();
      float[] h = rand(r, n, 1);
      float[] h2 = h.clone();
      if (lbr) {
        scalar.gruLinearBeforeReset(p, xw, 0, hr, 0, h, 0);
        simd.gruLinearBeforeReset(p, xw, 0, hr2, 0, h2, 0);
      } else {
        float[] rh = new float[n];
        float[] rh2 = new float[n];
        scalar.gruReset(p, xw, 0, hr, 0, h, 0, rh, 0);
        simd.gruReset(p, xw, 0, hr2, 0, h2, 0, rh2, 0);
        close(rh, rh2, "r*h");
        scalar.gruUpdate(p, xw, 0, hr, 0, h, 0);
        simd.gruUpdate(p, xw, 0, hr2, 0, h2, 0);
      }
      close(h, h2, "GRU h");
    }
    RecurrentCells.Params p = params(1, n, r, false, 0.5f, false, elu, null, null, false);
    float[] xw = rand(r, n, 3);
    float[] hr = rand(r, n, 3);
    float[] h = new float[n];
    float[] h2 = new float[n];
    scalar.rnn(p, xw, 0, hr.clone(), 0, h, 0);
    simd.rnn(p, xw, 0, hr.clone(), 0, h2, 0);
    close(h, h2, "RNN h");
  }

  @Test
  void nanAndInfinitiesPropagateLikeTheScalarReference() {
    int n = 16;
    RecurrentCells.Params p = params(4, n, new Random(3), false, Float.POSITIVE_INFINITY, false,
        RnnActivation.SIGMOID, RnnActivation.TANH, RnnActivation.TANH, false);
    float[] xw = rand(new Random(4), 4 * n, 1);
    xw[0] = Float.NaN; // i gate of unit 0
    xw[3 * n + 1] = Float.POSITIVE_INFINITY; // cell input of unit 1
    xw[2 * n + 2] = Float.NEGATIVE_INFINITY; // forget gate of unit 2
    float[] hr = new float[4 * n];
    float[] hr2 = new float[4 * n];
    float[] c = rand(new Random(5), n, 1);
    float[] c2 = c.clone();
    float[] h = new float[n];
    float[] h2 = new float[n];
    scalar.lstm(p, xw, 0, hr, 0, c, 0, h, 0);
    simd.lstm(p, xw, 0, hr2, 0, c2, 0, h2, 0);
    assertTrue(Float.isNaN(h[0]) && Float.isNaN(h2[0]));
    close(c, c2, "c");
    close(h, h2, "h");
  }
}
