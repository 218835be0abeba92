package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.RecurrentReference.Act;
import org.quantlens.engine.ops.RecurrentReference.Config;
import org.quantlens.engine.ops.RecurrentReference.Op;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** Builds one-node graphs of recurrent configurations, runs them, checks them on the reference. */
final class RecurrentTesting {
  private RecurrentTesting() {}

  /**
   * Tolerance of the float32 op against the double reference: |got - want| <= ATOL + RTOL*|want|.
   * Each step sums at most a few hundred float products (relative error ~1e-6) and the
   * gates (slopes <= 1) carry it over at most a few dozen steps: 1e-4 leaves a wide margin while
   * any wrong gate, bias or index shows errors of order 1e-2 and more.
   */
  static final double ATOL = 1e-4;
  static final double RTOL = 1e-4;

  /** How to build and run the node. */
  static final class Run {
    int opset = 14;
    boolean constWeights = true;
    boolean wantY = true;
    boolean wantYh = true;
    boolean wantYc = true;
    int threads = 1;
    /** Element type of every float input and output (the op computes in float32). */
    DType dtype = DType.F32;
    /**
     * Runs of the same session on other inputs (X scaled by -3) before the checked run, so that
     * the checked run works in recycled buffers that still hold those runs' numbers.
     */
    int dirtyRuns = 0;
  }

  /** A random configuration: weights scaled for stable dynamics, bias included when asked. */
  static Config random(Op op, int seqLen, int batch, int input, int hidden, String direction,
      boolean bias, long seed) {
    Random rnd = new Random(seed);
    Config c = new Config();
    c.op = op;
    c.seqLen = seqLen;
    c.batch = batch;
    c.input = input;
    c.hidden = hidden;
    c.direction = direction;
    int d = c.dirs();
    int gh = c.gates() * hidden;
    c.x = uniform(rnd, seqLen * batch * input, 1.0);
    c.w = uniform(rnd, d * gh * input, 1.5 / Math.sqrt(input));
    c.r = uniform(rnd, d * gh * hidden, 1.5 / Math.sqrt(hidden));
    c.b = bias ? uniform(rnd, d * 2 * gh, 0.5) : null;
    return c;
  }

  static float[] uniform(Random rnd, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
    }
    return a;
  }

  static List<Act> defaultActs(Config c) {
    List<Act> one = c.op == Op.LSTM ? List.of(Act.of("Sigmoid"), Act.of("Tanh"), Act.of("Tanh"))
        : c.op == Op.GRU ? List.of(Act.of("Sigmoid"), Act.of("Tanh")) : List.of(Act.of("Tanh"));
    List<Act> all = new ArrayList<>();
    for (int i = 0; i < c.dirs(); i++) {
      all.addAll(one);
    }
    return all;
  }

  static boolean usesAlpha(String name) {
    return List.of("Affine", "LeakyRelu", "ThresholdedRelu", "ScaledTanh", "HardSigmoid", "Elu")
        .contains(name);
  }

  static boolean usesBeta(String name) {
    return List.of("Affine", "ScaledTanh", "HardSigmoid").contains(name);
  }

  /** Runs the node built from {@code c} and returns its outputs by name ("Y", "Y_h", "Y_c"). */
  static Map<String, Tensor> runOp(Config c, Run run) {
    String opType = c.op.name();
    Graph g = new Graph("t");
    g.opsets().put("", run.opset);
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    int[] xShape = c.layout == 0 ? new int[] {c.seqLen, c.batch, c.input}
        : new int[] {c.batch, c.seqLen, c.input};
    if (run.dtype == DType.F16) {
      roundToHalf(c);
    }
    addInput(g, feeds, "X", Tensor.of(c.x.clone(), xShape), false, run.dtype);
    int d = c.dirs();
    int gh = c.gates() * c.hidden;
    addInput(g, feeds, "W", Tensor.of(c.w.clone(), d, gh, c.input), run.constWeights, run.dtype);
    addInput(g, feeds, "R", Tensor.of(c.r.clone(), d, gh, c.hidden), run.constWeights, run.dtype);
    List<String> ins = new ArrayList<>(List.of("X", "W", "R", "", "", "", "", ""));
    if (c.b != null) {
      addInput(g, feeds, "B", Tensor.of(c.b.clone(), d, 2 * gh), run.constWeights, run.dtype);
      ins.set(3, "B");
    }
    if (c.lens != null) {
      addInput(g, feeds, "L", Tensor.of(c.lens.clone(), c.batch), false, run.dtype);
      ins.set(4, "L");
    }
    int[] sShape = c.layout == 0 ? new int[] {d, c.batch, c.hidden}
        : new int[] {c.batch, d, c.hidden};
    if (c.h0 != null) {
      addInput(g, feeds, "H0", Tensor.of(c.h0.clone(), sShape), false, run.dtype);
      ins.set(5, "H0");
    }
    if (c.c0 != null) {
      addInput(g, feeds, "C0", Tensor.of(c.c0.clone(), sShape), false, run.dtype);
      ins.set(6, "C0");
    }
    if (c.p != null) {
      addInput(g, feeds, "P", Tensor.of(c.p.clone(), d, 3 * c.hidden), run.constWeights, run.dtype);
      ins.set(7, "P");
    }
    while (ins.get(ins.size() - 1).isEmpty()) {
      ins.remove(ins.size() - 1);
    }
    List<String> outs = new ArrayList<>(List.of(run.wantY ? "Y" : "", run.wantYh ? "Y_h" : ""));
    if (c.op == Op.LSTM) {
      outs.add(run.wantYc ? "Y_c" : "");
    }
    while (!outs.isEmpty() && outs.get(outs.size() - 1).isEmpty()) {
      outs.remove(outs.size() - 1);
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("hidden_size", Attribute.of((long) c.hidden));
    attrs.put("direction", Attribute.of(c.direction));
    if (c.layout != 0) {
      attrs.put("layout", Attribute.of((long) c.layout));
    }
    if (c.clip != null) {
      attrs.put("clip", Attribute.of(c.clip.floatValue()));
    }
    if (c.inputForget) {
      attrs.put("input_forget", Attribute.of(1L));
    }
    if (c.op == Op.GRU) {
      attrs.put("linear_before_reset", Attribute.of(c.linearBeforeReset ? 1L : 0L));
    }
    if (c.acts == null) {
      c.acts = defaultActs(c);
    } else {
      List<String> names = new ArrayList<>();
      List<Float> alphas = new ArrayList<>();
      List<Float> betas = new ArrayList<>();
      for (Act a : c.acts) {
        names.add(a.name);
        if (usesAlpha(a.name) && a.inAttributes) {
          alphas.add((float) a.alpha);
        }
        if (usesBeta(a.name) && a.inAttributes) {
          betas.add((float) a.beta);
        }
      }
      attrs.put("activations", Attribute.ofStrings(names));
      if (!alphas.isEmpty()) {
        attrs.put("activation_alpha", Attribute.of(toFloats(alphas)));
      }
      if (!betas.isEmpty()) {
        attrs.put("activation_beta", Attribute.of(toFloats(betas)));
      }
    }
    g.nodes().add(new Node("rec", opType, ins, outs, attrs));
    for (String o : outs) {
      if (!o.isEmpty()) {
        g.outputs().add(new Value(o, run.dtype, (int[]) null, null));
      }
    }
    try (Session s = new Session(g, new Session.Options().threads(run.threads))) {
      if (run.dirtyRuns > 0) {
        Map<String, Tensor> other = new LinkedHashMap<>(feeds);
        Tensor x = feeds.get("X");
        float[] v = x.cast(DType.F32).floats().clone();
        for (int i = 0; i < v.length; i++) {
          v[i] *= -3;
        }
        other.put("X", Tensor.of(v, x.shape()).cast(x.dtype()));
        for (int i = 0; i < run.dirtyRuns; i++) {
          s.run(other);
        }
      }
      return s.run(feeds);
    }
  }

  /** Rounds every float array of c to float16, so that the reference sees what the op sees. */
  private static void roundToHalf(Config c) {
    float[][] all = {c.x, c.w, c.r, c.b, c.p, c.h0, c.c0};
    for (float[] a : all) {
      if (a != null) {
        float[] h = Tensor.of(a.clone(), a.length).cast(DType.F16).cast(DType.F32).floats();
        System.arraycopy(h, 0, a, 0, a.length);
      }
    }
  }

  private static float[] toFloats(List<Float> l) {
    float[] f = new float[l.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = l.get(i);
    }
    return f;
  }

  private static void addInput(Graph g, Map<String, Tensor> feeds, String name, Tensor t0,
      boolean initializer, DType dtype) {
    Tensor t = t0.dtype() == DType.F32 && dtype != DType.F32 ? t0.cast(dtype) : t0;
    if (initializer) {
      g.initializers().put(name, t);
    } else {
      g.inputs().add(new Value(name, t.dtype(), t.shape()));
      feeds.put(name, t);
    }
  }

  /** Runs the op and checks every requested output against the reference. */
  static void check(Config c, Run run) {
    Map<String, Tensor> got = runOp(c, run);
    RecurrentReference.Result want = RecurrentReference.run(c);
    int d = c.dirs();
    int[] yShape = c.layout == 0 ? new int[] {c.seqLen, d, c.batch, c.hidden}
        : new int[] {c.batch, c.seqLen, d, c.hidden};
    int[] sShape = c.layout == 0 ? new int[] {d, c.batch, c.hidden}
        : new int[] {c.batch, d, c.hidden};
    assertEquals(count(run, c), got.size(), "outputs returned");
    if (run.wantY) {
      compare("Y", got.get("Y"), run.dtype, yShape, want.y);
    }
    if (run.wantYh) {
      compare("Y_h", got.get("Y_h"), run.dtype, sShape, want.yh);
    }
    if (run.wantYc && c.op == Op.LSTM) {
      compare("Y_c", got.get("Y_c"), run.dtype, sShape, want.yc);
    }
  }

  private static int count(Run run, Config c) {
    return (run.wantY ? 1 : 0) + (run.wantYh ? 1 : 0) + (run.wantYc && c.op == Op.LSTM ? 1 : 0);
  }

  static void compare(String name, Tensor t, int[] shape, double[] want) {
    compare(name, t, DType.F32, shape, want);
  }

  /** Float16 outputs add their own rounding (2^-11 relative) to the tolerance. */
  static void compare(String name, Tensor t, DType dtype, int[] shape, double[] want) {
    assertNotNull(t, name + " missing");
    assertEquals(dtype, t.dtype(), name + " dtype");
    assertArrayEquals(shape, t.shape(), name + " shape");
    double rtol = dtype == DType.F16 ? RTOL + 0x1p-11 : RTOL;
    for (int i = 0; i < want.length; i++) {
      double got = t.getDouble(i);
      double err = Math.abs(got - want[i]);
      if (!(err <= ATOL + rtol * Math.abs(want[i]))) {
        fail(name + "[" + i + "] = " + got + ", reference " + want[i] + " (error " + err + ")");
      }
    }
  }
}
