package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * BatchNormalization against its formula evaluated here in double:
 * {@code (x - mean) / sqrt(var + eps) * scale + B}, per channel (or per element for opset-7
 * {@code spatial = 0}), and training mode's batch statistics and running averages. Float32
 * tolerance 1e-5 relative: the engine folds the statistics into one multiply-add per element.
 */
class BatchNormOpTest {
  private static Tensor positive(Random rnd, int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = 0.1f + rnd.nextFloat();
    }
    return Tensor.of(f, n);
  }

  private static Tensor[] stats(Random rnd, int n) {
    return new Tensor[] {ConvTestGraphs.randomF32(rnd, n), ConvTestGraphs.randomF32(rnd, n),
        ConvTestGraphs.randomF32(rnd, n), positive(rnd, n)};
  }

  private static void checkInference(int[] shape, int opset, boolean constants, int threads, long seed) {
    Random rnd = new Random(seed);
    Tensor x = ConvTestGraphs.randomF32(rnd, shape);
    int c = shape.length >= 2 ? shape[1] : shape[0];
    Tensor[] st = stats(rnd, c);
    float eps = 1e-3f;
    Tensor y = ConvTestGraphs.run("BatchNormalization", opset, Map.of("epsilon", Attribute.of(eps)),
        new Tensor[] {x, st[0], st[1], st[2], st[3]},
        new boolean[] {false, constants, constants, constants, constants}, 1, threads)[0];
    assertArrayEquals(shape, y.shape());
    int inner = 1;
    for (int i = 2; i < shape.length; i++) {
      inner *= shape[i];
    }
    for (int i = 0; i < x.size(); i++) {
      int ch = (i / inner) % c;
      double want = (x.floats()[i] - st[2].floats()[ch]) / Math.sqrt(st[3].floats()[ch] + (double) eps)
          * st[0].floats()[ch] + st[1].floats()[ch];
      assertEquals(want, y.floats()[i], 1e-5 * (1 + Math.abs(want)), java.util.Arrays.toString(shape));
    }
  }

  @Test
  void inferenceMatchesFormulaForRanks1To5() {
    int[][] shapes = {{7}, {3, 7}, {2, 3, 11}, {2, 4, 9, 13}, {1, 3, 4, 5, 6}, {2, 64, 40, 40}};
    long seed = 1;
    for (int[] shape : shapes) {
      for (int opset : new int[] {6, 7, 9, 14, 15}) {
        checkInference(shape, opset, true, 2, seed++);
        checkInference(shape, opset, false, 1 + (int) (seed % 3), seed++);
      }
    }
  }

  @Test
  void spatialZeroUsesPerElementStatistics() {
    Random rnd = new Random(2);
    int n = 2;
    int c = 3;
    int inner = 4;
    Tensor x = ConvTestGraphs.randomF32(rnd, n, c, 2, 2);
    Tensor[] st = stats(rnd, c * inner);
    Tensor[] shaped = new Tensor[4];
    for (int i = 0; i < 4; i++) {
      shaped[i] = st[i].reshape(c, 2, 2);
    }
    Map<String, Attribute> a = Map.of("spatial", Attribute.of(0L), "epsilon", Attribute.of(1e-5f));
    Tensor y = ConvTestGraphs.run("BatchNormalization", 7, a,
        new Tensor[] {x, shaped[0], shaped[1], shaped[2], shaped[3]},
        new boolean[] {false, true, true, true, true}, 1, 1)[0];
    for (int i = 0; i < x.size(); i++) {
      int e = i % (c * inner);
      double want = (x.floats()[i] - st[2].floats()[e]) / Math.sqrt(st[3].floats()[e] + 1e-5)
          * st[0].floats()[e] + st[1].floats()[e];
      assertEquals(want, y.floats()[i], 1e-5 * (1 + Math.abs(want)));
    }
  }

  @Test
  void trainingModeNormalisesWithBatchStatisticsAndUpdatesRunningOnes() {
    Random rnd = new Random(3);
    int n = 3;
    int c = 4;
    int inner = 10;
    Tensor x = ConvTestGraphs.randomF32(rnd, n, c, 2, 5);
    Tensor[] st = stats(rnd, c);
    float momentum = 0.8f;
    float eps = 1e-2f;
    Map<String, Attribute> a = new HashMap<>();
    a.put("training_mode", Attribute.of(1L));
    a.put("momentum", Attribute.of(momentum));
    a.put("epsilon", Attribute.of(eps));
    for (int threads = 1; threads <= 3; threads++) {
      Tensor[] r = ConvTestGraphs.run("BatchNormalization", 15, a,
          new Tensor[] {x, st[0], st[1], st[2], st[3]}, new boolean[] {false, true, true, true, true},
          3, threads);
      assertNotNull(r[1]);
      for (int ch = 0; ch < c; ch++) {
        double sum = 0;
        for (int b = 0; b < n; b++) {
          for (int i = 0; i < inner; i++) {
            sum += x.floats()[(b * c + ch) * inner + i];
          }
        }
        double mean = sum / (n * inner);
        double sq = 0;
        for (int b = 0; b < n; b++) {
          for (int i = 0; i < inner; i++) {
            double dv = x.floats()[(b * c + ch) * inner + i] - mean;
            sq += dv * dv;
          }
        }
        double var = sq / (n * inner); // biased, as the ONNX reference and its test data use
        assertEquals(st[2].floats()[ch] * (double) momentum + mean * (1 - (double) momentum),
            r[1].floats()[ch], 1e-6);
        assertEquals(st[3].floats()[ch] * (double) momentum + var * (1 - (double) momentum),
            r[2].floats()[ch], 1e-6);
        for (int b = 0; b < n; b++) {
          for (int i = 0; i < inner; i++) {
            int at = (b * c + ch) * inner + i;
            double want = (x.floats()[at] - mean) / Math.sqrt(var + eps) * st[0].floats()[ch]
                + st[1].floats()[ch];
            assertEquals(want, r[0].floats()[at], 1e-5 * (1 + Math.abs(want)));
          }
        }
      }
    }
  }

  @Test
  void handComputedInference() {
    // x = [1, 2, 3] in channel 0 and [4, 5, 6] in channel 1; mean (2, 5), var (1, 4), eps 0,
    // scale (1, 2), B (0, 1): channel 0 -> x - 2, channel 1 -> (x - 5) / 2 * 2 + 1.
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
    Tensor[] in = {x, Tensor.of(new float[] {1, 2}, 2), Tensor.of(new float[] {0, 1}, 2),
        Tensor.of(new float[] {2, 5}, 2), Tensor.of(new float[] {1, 4}, 2)};
    Tensor y = ConvTestGraphs.run("BatchNormalization", 15, Map.of("epsilon", Attribute.of(0f)), in,
        new boolean[] {false, true, true, true, true}, 1, 1)[0];
    assertArrayEquals(new float[] {-1, 0, 1, 0, 1, 2}, y.floats());
  }

  @Test
  void float64AndFloat16Inputs() {
    Random rnd = new Random(4);
    Tensor x = ConvTestGraphs.randomF32(rnd, 2, 3, 5);
    Tensor[] st = stats(rnd, 3);
    Tensor f = ConvTestGraphs.run("BatchNormalization", 15, Map.of(),
        new Tensor[] {x, st[0], st[1], st[2], st[3]}, new boolean[] {false, true, true, true, true}, 1, 1)[0];
    for (DType t : new DType[] {DType.F64, DType.F16}) {
      Tensor y = ConvTestGraphs.run("BatchNormalization", 15, Map.of(), new Tensor[] {x.cast(t),
          st[0].cast(t), st[1].cast(t), st[2].cast(t), st[3].cast(t)},
          new boolean[] {false, true, true, true, true}, 1, 1)[0];
      assertEquals(t, y.dtype());
      for (int i = 0; i < x.size(); i++) {
        // float16 inputs carry 11-bit mantissas: results agree to a few 1e-3
        assertEquals(f.floats()[i], y.getDouble(i), t == DType.F16 ? 2e-2 * (1 + Math.abs(f.floats()[i])) : 1e-5);
      }
    }
  }
}
