package org.quantlens.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.kernels.simd.SimdInt8Gemm;
import org.quantlens.engine.kernels.simd.SimdInt8Quantize;
import org.quantlens.engine.kernels.simd.SimdInt8Requantize;

/**
 * The int8-weight recurrent layer: SIMD integer kernels equal the scalar ones bit for bit, the
 * layer equals a naive reference written here (per-row uint8 quantization of x and h, integer
 * products in long, float gates), results do not depend on the thread count, and it stays close to
 * the float layer.
 */
class QuantRecurrentLayerTest {
  private static final RecurrentLayer.Type LSTM = RecurrentLayer.Type.LSTM;
  private static final RecurrentLayer.Type GRU = RecurrentLayer.Type.GRU;

  /** One randomly drawn configuration with its data. */
  static final class Case {
    RecurrentLayer.Type type;
    int hidden;
    int input;
    int dirs;
    boolean reverse;
    boolean lbr;
    boolean unsigned;
    boolean peep;
    int seqLen;
    int batch;
    byte[] w;
    byte[] r;
    float[] wScale;
    int[] wZp;
    float[] rScale;
    int[] rZp;
    float[] b;
    float[] p;
    float[] x;
    int[] lens;
    float[] h0;
    float[] c0;

    int gh() {
      return type.gates() * hidden;
    }

    List<List<RnnActivation>> acts() {
      List<RnnActivation> one = type == LSTM
          ? List.of(RnnActivation.SIGMOID, RnnActivation.TANH, RnnActivation.TANH)
          : List.of(RnnActivation.SIGMOID, RnnActivation.TANH);
      List<List<RnnActivation>> a = new ArrayList<>();
      for (int d = 0; d < dirs; d++) {
        a.add(one);
      }
      return a;
    }

    QuantRecurrentLayer layer(QuantRecurrentLayer.KernelSet k) {
      return QuantRecurrentLayer.of(type, hidden, input, dirs, reverse,
          new QuantRecurrentLayer.Weights(w, r, unsigned, wScale, wZp, rScale, rZp), b, p, acts(),
          Float.POSITIVE_INFINITY, false, lbr, RowQuantizer.dynamic(k.qk), RowQuantizer.dynamic(k.qk), k);
    }

    float[][] run(QuantRecurrentLayer l, Parallel par) {
      float[] y = new float[seqLen * dirs * batch * hidden];
      float[] yh = new float[dirs * batch * hidden];
      float[] yc = type == LSTM ? new float[dirs * batch * hidden] : null;
      l.run(par, x, seqLen, batch, false, lens, h0, c0, y, yh, yc);
      return new float[][] {y, yh, yc};
    }
  }

  private static float[] rand(Random rnd, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
    }
    return a;
  }

  static Case randomCase(Random rnd, RecurrentLayer.Type type, int hidden, int input, int dirs,
      boolean reverse, boolean lbr, boolean unsigned, int seqLen, int batch) {
    Case c = new Case();
    c.type = type;
    c.hidden = hidden;
    c.input = input;
    c.dirs = dirs;
    c.reverse = reverse;
    c.lbr = lbr;
    c.unsigned = unsigned;
    c.seqLen = seqLen;
    c.batch = batch;
    int gh = c.gh();
    c.w = new byte[dirs * input * gh];
    c.r = new byte[dirs * hidden * gh];
    rnd.nextBytes(c.w);
    rnd.nextBytes(c.r);
    c.wScale = new float[dirs * gh];
    c.rScale = new float[dirs * gh];
    c.wZp = new int[dirs * gh];
    c.rZp = new int[dirs * gh];
    for (int j = 0; j < dirs * gh; j++) {
      c.wScale[j] = 0.002f + rnd.nextFloat() * 0.004f;
      c.rScale[j] = 0.002f + rnd.nextFloat() * 0.004f;
      // uint8 weights carry zero points near the middle; int8 ones sometimes a nonzero one too
      c.wZp[j] = unsigned ? 110 + rnd.nextInt(36) : rnd.nextInt(4) == 0 ? rnd.nextInt(9) - 4 : 0;
      c.rZp[j] = unsigned ? 110 + rnd.nextInt(36) : 0;
    }
    c.b = rand(rnd, dirs * 2 * gh, 0.5);
    c.peep = type == LSTM && rnd.nextBoolean();
    c.p = c.peep ? rand(rnd, dirs * 3 * hidden, 0.5) : null;
    c.x = rand(rnd, seqLen * batch * input, 2);
    if (rnd.nextBoolean()) {
      c.lens = new int[batch];
      for (int i = 0; i < batch; i++) {
        c.lens[i] = rnd.nextInt(seqLen + 1);
      }
    }
    if (rnd.nextBoolean()) {
      c.h0 = rand(rnd, dirs * batch * hidden, 1);
      c.c0 = type == LSTM ? rand(rnd, dirs * batch * hidden, 1) : null;
    }
    return c;
  }

  private static QuantRecurrentLayer.KernelSet scalarKernels() {
    return new QuantRecurrentLayer.KernelSet(Int8Gemm.SCALAR, Requantize.SCALAR,
        QuantizeKernels.SCALAR, new RecurrentCellsScalar());
  }

  /** Odd shapes: hidden/input sizes off the panel width, every direction, both weight types. */
  private static List<Case> cases() {
    Random rnd = new Random(7);
    List<Case> out = new ArrayList<>();
    int[][] shapes = {{1, 1}, {7, 5}, {16, 16}, {19, 37}, {33, 3}};
    int i = 0;
    for (int[] s : shapes) {
      for (RecurrentLayer.Type t : new RecurrentLayer.Type[] {LSTM, GRU}) {
        for (int dir = 0; dir < 3; dir++) {
          i++;
          out.add(randomCase(rnd, t, s[0], s[1], dir == 2 ? 2 : 1, dir == 1, i % 2 == 0,
              i % 3 == 0, 1 + rnd.nextInt(6), 1 + rnd.nextInt(9)));
        }
      }
    }
    return out;
  }

  @Test
  void simdIntegerKernelsGiveBitIdenticalOutputsToScalarOnes() {
    Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        "SIMD kernels need --add-modules jdk.incubator.vector");
    // the same scalar cells on both sides: any difference would come from the integer parts
    QuantRecurrentLayer.KernelSet simd = new QuantRecurrentLayer.KernelSet(new SimdInt8Gemm(),
        new SimdInt8Requantize(), new SimdInt8Quantize(), new RecurrentCellsScalar());
    for (Case c : cases()) {
      float[][] want = c.run(c.layer(scalarKernels()), Parallel.SERIAL);
      float[][] got = c.run(c.layer(simd), Parallel.SERIAL);
      for (int o = 0; o < 3; o++) {
        if (want[o] != null) {
          assertArrayEquals(want[o], got[o], c.type + " hidden " + c.hidden + " output " + o);
        }
      }
    }
  }

  @Test
  void resultsDoNotDependOnTheThreadCount() throws Exception {
    Random rnd = new Random(11);
    try (GemmTestPool pool = new GemmTestPool(3)) {
      for (RecurrentLayer.Type t : new RecurrentLayer.Type[] {LSTM, GRU}) {
        // many batch rows: split into row blocks; few rows and a wide R: each step's product split,
        // on R read as bytes (hidden 256: over WIDEN_MAX_FLOATS) or widened once per call (128)
        Case[] cs = {randomCase(rnd, t, 24, 10, 2, false, false, false, 5, 70),
            randomCase(rnd, t, 256, 10, 1, false, false, false, 3, 3),
            randomCase(rnd, t, 128, 10, 1, false, false, false, 3, 3)};
        for (Case c : cs) {
          QuantRecurrentLayer l = c.layer(QuantRecurrentLayer.KernelSet.selected());
          float[][] serial = c.run(l, Parallel.SERIAL);
          float[][] parallel = c.run(l, pool);
          assertArrayEquals(serial[0], parallel[0]);
          assertArrayEquals(serial[1], parallel[1]);
        }
      }
    }
  }

  /**
   * A one-row LSTM's steps cut by hidden units among 2 and 3 threads: the same bits as one thread,
   * forward and reverse, with a length short of the sequence or none, with and without initial
   * states. Hidden 128 reads R widened; 192 and 256 read it as bytes (past WIDEN_MAX_FLOATS), 192
   * in pieces of unequal width on two threads where the kernel's unit is 64 columns (AVX2; with
   * AVX-512's 128 only 256 is cut).
   */
  @Test
  void oneRowLstmSplitAmongThreadsGivesTheOneThreadBits() throws Exception {
    Random rnd = new Random(13);
    int cut = 0;
    try (GemmTestPool two = new GemmTestPool(2); GemmTestPool three = new GemmTestPool(3)) {
      for (int hidden : new int[] {128, 192, 256}) {
        for (int variant = 0; variant < 4; variant++) {
          boolean reverse = variant % 2 == 1;
          Case c = randomCase(rnd, LSTM, hidden, 9, 1, reverse, false, variant == 3, 6, 1);
          c.lens = variant < 2 ? new int[] {4} : null;
          c.h0 = variant == 1 || variant == 2 ? rand(rnd, hidden, 1) : null;
          c.c0 = c.h0 == null ? null : rand(rnd, hidden, 1);
          QuantRecurrentLayer l = c.layer(QuantRecurrentLayer.KernelSet.selected());
          cut += l.pieces(two) > 1 ? 1 : 0;
          float[][] want = c.run(l, Parallel.SERIAL);
          for (GemmTestPool pool : new GemmTestPool[] {two, three}) {
            float[][] got = c.run(l, pool);
            for (int o = 0; o < 3; o++) {
              assertArrayEquals(want[o], got[o], "hidden " + hidden + " variant " + variant
                  + " threads " + pool.threads() + " output " + o);
            }
          }
        }
      }
    }
    assertTrue(cut >= 4, "some layers were cut into pieces: " + cut);
  }

  /**
   * Two layers of one shape taking turns on one thread: each call reads its own R, never the
   * widened copy the other left in the thread's scratch (nor a copy of its own from another
   * direction).
   */
  @Test
  void layersTakingTurnsOnAThreadEachReadTheirOwnWeights() {
    Random rnd = new Random(21);
    for (RecurrentLayer.Type t : new RecurrentLayer.Type[] {LSTM, GRU}) {
      Case a = randomCase(rnd, t, 24, 6, 2, false, false, false, 4, 1);
      Case b = randomCase(rnd, t, 24, 6, 2, false, false, false, 4, 1);
      QuantRecurrentLayer la = a.layer(QuantRecurrentLayer.KernelSet.selected());
      QuantRecurrentLayer lb = b.layer(QuantRecurrentLayer.KernelSet.selected());
      float[] wantA = NaiveQuantRecurrent.run(a)[0];
      float[] wantB = NaiveQuantRecurrent.run(b)[0];
      for (int turn = 0; turn < 4; turn++) {
        boolean isA = turn % 2 == 0;
        float[] got = (isA ? a : b).run(isA ? la : lb, Parallel.SERIAL)[0];
        float[] want = isA ? wantA : wantB;
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], got[i], 1e-6f, t + " turn " + turn + " [" + i + "]");
        }
      }
    }
  }

  /**
   * {@code -Dquantlens.int8.widen=false} (read when a layer is built) leaves the thread's widened
   * copy alone and reads R as bytes; the outputs are the same bits.
   */
  @Test
  void widenSwitchKeepsRAsBytesWithTheSameResults() {
    Case c = randomCase(new Random(31), LSTM, 32, 5, 1, false, false, false, 6, 1);
    float[][] widened = c.run(c.layer(QuantRecurrentLayer.KernelSet.selected()), Parallel.SERIAL);
    Object sentinel = new Object();
    QuantScratch.derived(0).key = sentinel;
    QuantRecurrentLayer bytes;
    System.setProperty("quantlens.int8.widen", "false");
    try {
      bytes = c.layer(QuantRecurrentLayer.KernelSet.selected());
    } finally {
      System.clearProperty("quantlens.int8.widen");
    }
    float[][] got = c.run(bytes, Parallel.SERIAL);
    assertEquals(sentinel, QuantScratch.derived(0).key, "the switched-off layer widened R");
    for (int o = 0; o < 3; o++) {
      assertArrayEquals(widened[o], got[o], "output " + o);
    }
    c.run(c.layer(QuantRecurrentLayer.KernelSet.selected()), Parallel.SERIAL);
    assertNotEquals(sentinel, QuantScratch.derived(0).key, "a layer built after should widen again");
  }

  @Test
  void layerEqualsNaiveReferenceOfPerStepQuantizationAndLongProducts() {
    for (Case c : cases()) {
      float[][] got = c.run(c.layer(scalarKernels()), Parallel.SERIAL);
      float[][] want = NaiveQuantRecurrent.run(c);
      for (int o = 0; o < 3; o++) {
        if (want[o] == null) {
          continue;
        }
        for (int i = 0; i < want[o].length; i++) {
          // same float32 operations in the same order: only the summation could differ, and the
          // integer sums are exact
          assertEquals(want[o][i], got[o][i], 1e-6f, c.type + " dirs " + c.dirs + " lbr " + c.lbr
              + " unsigned " + c.unsigned + " hidden " + c.hidden + " output " + o + "[" + i + "]");
        }
      }
    }
  }

  @Test
  void rowWithNanGivesNanNotAQuietlyReplacedValue() {
    Random rnd = new Random(3);
    Case c = randomCase(rnd, LSTM, 8, 4, 1, false, false, false, 3, 2);
    c.lens = null;
    c.x[0] = Float.NaN; // step 0, batch row 0
    float[][] got = c.run(c.layer(scalarKernels()), Parallel.SERIAL);
    assertTrue(Float.isNaN(got[1][0]), "Y_h of the row that saw NaN");
    assertTrue(Float.isFinite(got[1][8]), "the other row is not affected");
  }

  /**
   * Float weights quantized to int8 per gate row: each product then carries the weight rounding
   * (<= s_w / 2 per term, s_w = max|w| / 127) and the activation rounding (<= s_x / 2, s_x = range /
   * 255); with |x| <= 2, |h| <= 1, |w| <= 0.4 and k <= 24 terms of random sign the gate inputs move
   * by a few 1e-3, and sigmoid/tanh (slope <= 1) and the LSTM's forget gate do not amplify that:
   * 0.03 bounds every output with margin (measured max ~0.01), the mean stays under 0.005.
   */
  @Test
  void int8LayerStaysCloseToTheFloatLayer() {
    Random rnd = new Random(5);
    for (RecurrentLayer.Type t : new RecurrentLayer.Type[] {LSTM, GRU}) {
      for (boolean lbr : new boolean[] {false, true}) {
        int hidden = 24;
        int input = 12;
        int dirs = 2;
        int gh = t.gates() * hidden;
        float[] wf = rand(rnd, dirs * gh * input, 0.4);
        float[] rf = rand(rnd, dirs * gh * hidden, 0.4);
        Case c = randomCase(rnd, t, hidden, input, dirs, false, lbr, false, 12, 4);
        c.w = quantizeTransposed(wf, dirs, gh, input, c.wScale);
        c.r = quantizeTransposed(rf, dirs, gh, hidden, c.rScale);
        java.util.Arrays.fill(c.wZp, 0);
        java.util.Arrays.fill(c.rZp, 0);
        c.unsigned = false;
        float[][] q = c.run(c.layer(QuantRecurrentLayer.KernelSet.selected()), Parallel.SERIAL);
        RecurrentLayer fl = RecurrentLayer.of(t, hidden, input, dirs, false, wf, rf, c.b, c.p,
            c.acts(), Float.POSITIVE_INFINITY, false, lbr, RecurrentCells.get());
        float[] y = new float[c.seqLen * dirs * c.batch * hidden];
        fl.run(Parallel.SERIAL, c.x, c.seqLen, c.batch, false, c.lens, c.h0, c.c0, y, null, null);
        double max = 0;
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
          double e = Math.abs(y[i] - q[0][i]);
          max = Math.max(max, e);
          sum += e;
        }
        assertTrue(max < 0.03, t + " lbr " + lbr + ": max |float - int8| = " + max);
        assertTrue(sum / y.length < 0.005, t + " lbr " + lbr + ": mean |float - int8| = " + sum / y.length);
      }
    }
  }

  /** ONNX layout {@code [d][rows][k]} to symmetric int8 {@code [d][k][rows]}, scale per row. */
  static byte[] quantizeTransposed(float[] w, int dirs, int rows, int k, float[] scaleOut) {
    byte[] q = new byte[w.length];
    for (int d = 0; d < dirs; d++) {
      for (int j = 0; j < rows; j++) {
        float max = 0;
        for (int p = 0; p < k; p++) {
          max = Math.max(max, Math.abs(w[(d * rows + j) * k + p]));
        }
        float s = max == 0 ? 1f : max / 127f;
        scaleOut[d * rows + j] = s;
        for (int p = 0; p < k; p++) {
          q[(d * k + p) * rows + j] = (byte) Math.max(-127, Math.min(127,
              Math.rint(w[(d * rows + j) * k + p] / s)));
        }
      }
    }
    return q;
  }
}
