package org.quantlens.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * A session holds packed weights once: an operator that packed a constant at load declares it
 * (NodeContext.ownsCopyOf), and the session then frees the constant unless something else reads
 * it. Freed is checked with a weak reference to the constant's array once the caller dropped its
 * graph; the results are checked against products computed here.
 */
class PackedConstantsTest {
  private final Random rnd = new Random(11);

  @Test
  void gemmFreesTheWeightItPackedAndStillMatchesANaiveProduct() {
    float[] w = random(5 * 4);
    float[] x = random(3 * 5);
    Graph g = graph(new Value("x", DType.F32, 3, 5));
    g.nodes().add(new Node("fc", "Gemm", List.of("x", "w"), List.of("y"), Map.of()));
    g.initializers().put("w", Tensor.of(w.clone(), 5, 4));
    WeakReference<Object> held = new WeakReference<>(g.initializers().get("w").data());
    try (Session s = new Session(g)) {
      g = null;
      assertTrue(collected(held), "the float weight the Gemm packed is still held");
      float[] y = s.run(Map.of("x", Tensor.of(x, 3, 5))).get("y").floats();
      assertArrayEquals(naive(x, w, 3, 5, 4), y, 1e-5f);
    }
  }

  @Test
  void matMulFreesAConstantLeftOperandAndStillMatchesANaiveProduct() {
    float[] a = random(4 * 6);
    float[] b = random(6 * 3);
    Graph g = graph(new Value("b", DType.F32, 6, 3));
    g.nodes().add(new Node("mm", "MatMul", List.of("a", "b"), List.of("y"), Map.of()));
    g.initializers().put("a", Tensor.of(a.clone(), 4, 6));
    WeakReference<Object> held = new WeakReference<>(g.initializers().get("a").data());
    try (Session s = new Session(g)) {
      g = null;
      assertTrue(collected(held), "the constant A the MatMul packed is still held");
      float[] y = s.run(Map.of("b", Tensor.of(b, 6, 3))).get("y").floats();
      assertArrayEquals(naive(a, b, 4, 6, 3), y, 1e-5f);
    }
  }

  @Test
  void convFreesTheWeightsItPackedAndStillMatchesANaiveConvolution() {
    // 3 -> 4 channels, 3x3, on a 5x6 image with a 1-pixel pad: a path that packs its weights
    float[] w = random(4 * 3 * 9);
    float[] x = random(3 * 5 * 6);
    Graph g = graph(new Value("x", DType.F32, 1, 3, 5, 6));
    g.nodes().add(new Node("conv", "Conv", List.of("x", "w"), List.of("y"),
        Map.of("pads", Attribute.of(new long[] {1, 1, 1, 1}))));
    g.initializers().put("w", Tensor.of(w.clone(), 4, 3, 3, 3));
    WeakReference<Object> held = new WeakReference<>(g.initializers().get("w").data());
    try (Session s = new Session(g)) {
      g = null;
      assertTrue(collected(held), "the conv weights packed at load are still held");
      float[] y = s.run(Map.of("x", Tensor.of(x, 1, 3, 5, 6))).get("y").floats();
      float[] want = new float[4 * 5 * 6];
      for (int m = 0; m < 4; m++) {
        for (int oy = 0; oy < 5; oy++) {
          for (int ox = 0; ox < 6; ox++) {
            double sum = 0;
            for (int c = 0; c < 3; c++) {
              for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                  int iy = oy + ky - 1;
                  int ix = ox + kx - 1;
                  if (iy >= 0 && iy < 5 && ix >= 0 && ix < 6) {
                    sum += (double) w[((m * 3 + c) * 3 + ky) * 3 + kx] * x[(c * 5 + iy) * 6 + ix];
                  }
                }
              }
            }
            want[(m * 5 + oy) * 6 + ox] = (float) sum;
          }
        }
      }
      assertArrayEquals(want, y, 1e-5f);
    }
  }

  @Test
  void aPackedConstantThatAnotherNodeReadsIsKept() {
    float[] w = random(4 * 4);
    float[] x = random(4 * 4);
    Graph g = graph(new Value("x", DType.F32, 4, 4));
    g.nodes().add(new Node("mm", "MatMul", List.of("x", "w"), List.of("h"), Map.of()));
    g.nodes().add(new Node("add", "Add", List.of("h", "w"), List.of("y"), Map.of()));
    g.initializers().put("w", Tensor.of(w.clone(), 4, 4));
    WeakReference<Object> held = new WeakReference<>(g.initializers().get("w").data());
    try (Session s = new Session(g)) {
      g = null;
      assertFalse(collected(held), "Add reads w at run time, yet it was freed");
      float[] y = s.run(Map.of("x", Tensor.of(x, 4, 4))).get("y").floats();
      float[] want = naive(x, w, 4, 4, 4);
      for (int i = 0; i < want.length; i++) {
        want[i] += w[i];
      }
      assertArrayEquals(want, y, 1e-5f);
    }
  }

  @Test
  void lstmFreesItsWeightsAndGivesWhatItGivesWhenTheyAreFed() {
    int hidden = 3;
    int input = 2;
    float[] w = random(4 * hidden * input);
    float[] r = random(4 * hidden * hidden);
    float[] x = random(5 * input);
    Tensor xt = Tensor.of(x, 5, 1, input);
    // reference: W and R fed as inputs, so nothing is packed at load
    Graph fed = lstm(new Value("x", DType.F32, 5, 1, input), new Value("w", DType.F32, 1, 4 * hidden, input),
        new Value("r", DType.F32, 1, 4 * hidden, hidden));
    float[] want;
    try (Session s = new Session(fed)) {
      want = s.run(Map.of("x", xt, "w", Tensor.of(w.clone(), 1, 4 * hidden, input),
          "r", Tensor.of(r.clone(), 1, 4 * hidden, hidden))).get("y").floats();
    }
    Graph g = lstm(new Value("x", DType.F32, 5, 1, input));
    g.initializers().put("w", Tensor.of(w.clone(), 1, 4 * hidden, input));
    g.initializers().put("r", Tensor.of(r.clone(), 1, 4 * hidden, hidden));
    WeakReference<Object> heldR = new WeakReference<>(g.initializers().get("r").data());
    try (Session s = new Session(g)) {
      g = null;
      assertTrue(collected(heldR), "the recurrent weights the LSTM prepared are still held");
      float[] y = s.run(Map.of("x", xt)).get("y").floats();
      assertEquals(5 * hidden, y.length);
      assertArrayEquals(want, y, 1e-6f);
    }
  }

  private static Graph lstm(Value... inputs) {
    Graph g = graph(inputs);
    g.nodes().add(new Node("lstm", "LSTM", List.of("x", "w", "r"), List.of("y"),
        Map.of("hidden_size", Attribute.of(3L))));
    return g;
  }

  private static Graph graph(Value... inputs) {
    Graph g = new Graph("t");
    g.opsets().put("", 13);
    g.inputs().addAll(List.of(inputs));
    g.outputs().add(new Value("y", DType.F32, (int[]) null, null));
    return g;
  }

  /** Whether the referent is gone after full collections (a few tries: a collection may be late). */
  private static boolean collected(WeakReference<Object> ref) {
    for (int i = 0; i < 10 && ref.get() != null; i++) {
      System.gc();
    }
    return ref.get() == null;
  }

  private static float[] naive(float[] a, float[] b, int m, int k, int n) {
    float[] y = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += (double) a[i * k + p] * b[p * n + j];
        }
        y[i * n + j] = (float) s;
      }
    }
    return y;
  }

  private float[] random(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextFloat() * 2 - 1;
    }
    return v;
  }
}
