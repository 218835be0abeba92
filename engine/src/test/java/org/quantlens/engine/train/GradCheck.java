package org.quantlens.engine.train;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Finite-difference gradient checks. The scalar checked is {@code L = sum_o sum_i r_o[i] * y_o[i]}
 * over every graph output, with fixed random weights r in [-1, 1] (so every output element
 * matters, with its own weight); its gradient with respect to y is r, which seeds the backward
 * pass. The numeric derivative of every element of every parameter and watched input is the
 * central difference {@code (L(v + h) - L(v - h)) / (h+ - h-)} with the forward run in float32 on
 * the engine's own operators (the ones training uses) and L summed in double.
 *
 * <p>Tolerance: an element passes when {@code |analytic - numeric| <= REL * max(|analytic|,
 * |numeric|) + ABS} with REL = 5e-3 and ABS = 5e-4, at h = 1e-3 unless a test says otherwise.
 * Float32 rounding of the outputs (relative 6e-8 per element, summed over up to a few hundred
 * weighted terms) divided by 2h stays below ABS (the worst element of these tests uses 40% of its
 * allowance); inputs are chosen at least 10h away from kinks
 * (ReLU's zero, ties in a max) so the central difference does not straddle one.
 */
final class GradCheck {
  static final double REL = 5e-3;
  static final double ABS = 5e-4;

  private final Graph graph = new Graph("gradcheck");
  private final Map<String, Tensor> feeds = new LinkedHashMap<>();
  private final Set<String> params = new LinkedHashSet<>();
  private boolean training = true;
  private double h = 1e-3;
  private int threads = 1;

  GradCheck(int opset) {
    graph.opsets().put("", opset);
  }

  /** A watched graph input. */
  GradCheck input(String name, Tensor t) {
    graph.inputs().add(new Value(name, t.dtype(), t.shape()));
    feeds.put(name, t);
    return this;
  }

  /** A trainable initializer. */
  GradCheck param(String name, Tensor t) {
    graph.initializers().put(name, t);
    params.add(name);
    return this;
  }

  /** A fixed initializer (shapes, indices, running statistics). */
  GradCheck constant(String name, Tensor t) {
    graph.initializers().put(name, t);
    return this;
  }

  GradCheck node(String op, List<String> in, List<String> out, Map<String, Attribute> attrs) {
    graph.nodes().add(new Node(op + graph.nodes().size(), op, in, out, attrs));
    return this;
  }

  GradCheck output(String name) {
    graph.outputs().add(new Value(name, null, (int[]) null, null));
    return this;
  }

  GradCheck training(boolean on) {
    this.training = on;
    return this;
  }

  GradCheck step(double step) {
    this.h = step;
    return this;
  }

  GradCheck threads(int n) {
    this.threads = n;
    return this;
  }

  Graph graph() {
    return graph;
  }

  /** Runs the check; fails listing the worst mismatches. Returns the number of elements compared. */
  int run() {
    List<String> watched = new ArrayList<>();
    for (Value v : graph.inputs()) {
      if (v.dtype() == DType.F32) {
        watched.add(v.name());
      }
    }
    TrainingSession.Options o = new TrainingSession.Options().threads(threads).seed(5)
        .trainable(params).inputGradients(watched.toArray(new String[0]));
    try (TrainingSession s = new TrainingSession(graph, o)) {
      s.setTraining(training);
      Map<String, Tensor> out = s.forward(feeds);
      Map<String, double[]> r = new LinkedHashMap<>();
      Map<String, float[]> seeds = new LinkedHashMap<>();
      Random rnd = new Random(99);
      for (Map.Entry<String, Tensor> e : out.entrySet()) {
        int n = e.getValue().size();
        double[] w = new double[n];
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
          f[i] = (float) (rnd.nextDouble() * 2 - 1);
          w[i] = f[i];
        }
        r.put(e.getKey(), w);
        seeds.put(e.getKey(), f);
      }
      s.zeroGrad();
      s.backward(seeds);
      Map<String, float[]> analytic = new LinkedHashMap<>();
      Map<String, float[]> targets = new LinkedHashMap<>();
      for (Parameter p : s.parameters()) {
        analytic.put(p.name(), p.grad().clone());
        targets.put(p.name(), p.data());
      }
      for (String name : watched) {
        Tensor g = s.inputGradient(name);
        float[] a = new float[g.size()];
        System.arraycopy(g.floats(), 0, a, 0, a.length);
        analytic.put(name, a);
        targets.put(name, feeds.get(name).floats());
      }
      List<String> bad = new ArrayList<>();
      int compared = 0;
      double worst = 0;
      for (Map.Entry<String, float[]> e : targets.entrySet()) {
        float[] v = e.getValue();
        float[] a = analytic.get(e.getKey());
        for (int i = 0; i < a.length; i++) {
          float keep = v[i];
          float up = (float) (keep + h);
          float down = (float) (keep - h);
          v[i] = up;
          double lp = loss(s.forward(feeds), r);
          v[i] = down;
          double lm = loss(s.forward(feeds), r);
          v[i] = keep;
          double numeric = (lp - lm) / ((double) up - down);
          double err = Math.abs(a[i] - numeric);
          double allowed = REL * Math.max(Math.abs(a[i]), Math.abs(numeric)) + ABS;
          worst = Math.max(worst, err / allowed);
          if (err > allowed) {
            bad.add(String.format("%s[%d]: analytic %.6g, numeric %.6g", e.getKey(), i, a[i], numeric));
          }
          compared++;
        }
      }
      if (!bad.isEmpty()) {
        fail(bad.size() + " of " + compared + " gradient elements disagree, e.g.\n  "
            + String.join("\n  ", bad.subList(0, Math.min(8, bad.size()))));
      }
      if (compared == 0) {
        fail("nothing was compared");
      }
      return compared;
    }
  }

  private static double loss(Map<String, Tensor> out, Map<String, double[]> r) {
    double l = 0;
    for (Map.Entry<String, double[]> e : r.entrySet()) {
      float[] y = out.get(e.getKey()).floats();
      double[] w = e.getValue();
      for (int i = 0; i < w.length; i++) {
        l += w[i] * y[i];
      }
    }
    return l;
  }

  /** Uniform in [-1, 1). */
  static Tensor rand(long seed, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    Random r = new Random(seed);
    float[] f = t.floats();
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return t;
  }

  /** Uniform in [-1, -m] u [m, 1]: no element near zero (ReLU's kink). */
  static Tensor randAway(long seed, double m, int... shape) {
    Tensor t = rand(seed, shape);
    float[] f = t.floats();
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (Math.signum(f[i]) * (m + (1 - m) * Math.abs(f[i])));
    }
    return t;
  }

  /** Distinct values {@code 2 / size} apart in random order in [-1, 1): no ties in a pooling window. */
  static Tensor distinct(long seed, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    float[] f = t.floats();
    int n = f.length;
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      idx.add(i);
    }
    java.util.Collections.shuffle(idx, new Random(seed));
    for (int i = 0; i < n; i++) {
      f[idx.get(i)] = (float) (-1 + 2.0 * i / n);
    }
    return t;
  }

  static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      Attribute a;
      if (v instanceof Integer || v instanceof Long) {
        a = Attribute.of(((Number) v).longValue());
      } else if (v instanceof Float || v instanceof Double) {
        a = Attribute.of(((Number) v).floatValue());
      } else if (v instanceof String) {
        a = Attribute.of((String) v);
      } else if (v instanceof int[]) {
        int[] iv = (int[]) v;
        long[] l = new long[iv.length];
        for (int j = 0; j < l.length; j++) {
          l[j] = iv[j];
        }
        a = Attribute.of(l);
      } else {
        throw new IllegalArgumentException(String.valueOf(v));
      }
      m.put((String) kv[i], a);
    }
    return m;
  }
}
