package org.quantlens.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Backpropagation through time of LSTM, GRU and RNN against central differences of an independent
 * double-precision forward ({@link RecurrentReference}, h = 1e-6, so the reference gradient is
 * exact to about 1e-9). The analytic gradients are computed in float32 by the training session;
 * an element passes when {@code |analytic - reference| <= 2e-5 * max(1, |reference|)} (float32
 * rounding over a few steps stays near 1e-6). Every case checks X, W, R, B, initial_h, initial_c
 * and P (when present), with gradient reaching the outputs each case lists; the forward outputs
 * are also checked against the reference (1e-5) and against the engine's inference operator.
 */
class RecurrentGradTest {
  private static final double TOL = 2e-5;
  private static final double FD_STEP = 1e-6;

  /** One configuration: the node's attributes and optional inputs, and which outputs get gradient. */
  private static final class Case {
    String type = "LSTM";
    String direction = "forward";
    int layout;
    int seqLen = 4;
    int batch = 3;
    int input = 3;
    int hidden = 3;
    boolean bias = true;
    boolean h0;
    boolean c0;
    boolean peep;
    int[] lens;
    float clip = Float.POSITIVE_INFINITY;
    boolean inputForget;
    Boolean linearBeforeReset;
    List<String> acts;
    float[] alphas;
    float[] betas;
    /** Which of Y, Y_h, Y_c are node outputs that reach the graph outputs. */
    boolean[] used = {true, true, true};
    long seed = 1;

    Case with(Consumer<Case> c) {
      c.accept(this);
      return this;
    }
  }

  private static Case lstm() {
    return new Case();
  }

  private static Case gru(boolean lbr) {
    return new Case().with(c -> {
      c.type = "GRU";
      c.linearBeforeReset = lbr;
      c.used = new boolean[] {true, true, false};
    });
  }

  private static Case rnn() {
    return new Case().with(c -> {
      c.type = "RNN";
      c.used = new boolean[] {true, true, false};
    });
  }

  private static int gates(Case c) {
    return c.type.equals("LSTM") ? 4 : c.type.equals("GRU") ? 3 : 1;
  }

  private static Tensor rand(Random r, double scale, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    for (int i = 0; i < t.size(); i++) {
      t.floats()[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return t;
  }

  /** The inputs of a case, by ONNX input name. */
  private static Map<String, Tensor> data(Case c) {
    Random r = new Random(c.seed);
    int d = c.direction.equals("bidirectional") ? 2 : 1;
    int gh = gates(c) * c.hidden;
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("X", rand(r, 1, c.layout == 0 ? new int[] {c.seqLen, c.batch, c.input}
        : new int[] {c.batch, c.seqLen, c.input}));
    m.put("W", rand(r, 0.8, d, gh, c.input));
    m.put("R", rand(r, 0.8, d, gh, c.hidden));
    if (c.bias) {
      m.put("B", rand(r, 0.5, d, 2 * gh));
    }
    int[] state = c.layout == 0 ? new int[] {d, c.batch, c.hidden} : new int[] {c.batch, d, c.hidden};
    if (c.h0) {
      m.put("initial_h", rand(r, 0.8, state));
    }
    if (c.c0) {
      m.put("initial_c", rand(r, 0.8, state));
    }
    if (c.peep) {
      m.put("P", rand(r, 0.8, d, 3 * c.hidden));
    }
    return m;
  }

  private static final String[] INPUTS = {"X", "W", "R", "B", "sequence_lens", "initial_h",
      "initial_c", "P"};
  private static final String[] OUTPUTS = {"Y", "Y_h", "Y_c"};

  private static Graph graph(Case c, Map<String, Tensor> data) {
    Graph g = new Graph("rnn");
    g.opsets().put("", 14);
    List<String> in = new ArrayList<>();
    for (String name : INPUTS) {
      boolean present = data.containsKey(name) || name.equals("sequence_lens") && c.lens != null;
      in.add(present ? name : "");
    }
    while (in.get(in.size() - 1).isEmpty()) {
      in.remove(in.size() - 1);
    }
    for (String name : new String[] {"X", "initial_h", "initial_c"}) {
      if (data.containsKey(name)) {
        g.inputs().add(new Value(name, DType.F32, data.get(name).shape()));
      }
    }
    for (String name : new String[] {"W", "R", "B", "P"}) {
      if (data.containsKey(name)) {
        g.initializers().put(name, data.get(name));
      }
    }
    if (c.lens != null) {
      g.initializers().put("sequence_lens", Tensor.of(c.lens, c.lens.length));
    }
    List<String> out = new ArrayList<>();
    int count = c.type.equals("LSTM") ? 3 : 2;
    for (int i = 0; i < count; i++) {
      out.add(c.used[i] ? OUTPUTS[i] : "");
    }
    Map<String, Attribute> a = new LinkedHashMap<>();
    a.put("hidden_size", Attribute.of((long) c.hidden));
    a.put("direction", Attribute.of(c.direction));
    a.put("layout", Attribute.of((long) c.layout));
    if (c.clip != Float.POSITIVE_INFINITY) {
      a.put("clip", Attribute.of(c.clip));
    }
    if (c.inputForget) {
      a.put("input_forget", Attribute.of(1L));
    }
    if (c.linearBeforeReset != null) {
      a.put("linear_before_reset", Attribute.of(c.linearBeforeReset ? 1L : 0L));
    }
    if (c.acts != null) {
      a.put("activations", Attribute.ofStrings(c.acts));
    }
    if (c.alphas != null) {
      a.put("activation_alpha", Attribute.of(c.alphas));
    }
    if (c.betas != null) {
      a.put("activation_beta", Attribute.of(c.betas));
    }
    g.nodes().add(new Node("rnn", c.type, in, out, a));
    for (int i = 0; i < count; i++) {
      if (c.used[i]) {
        g.outputs().add(new Value(OUTPUTS[i], DType.F32, (int[]) null));
      }
    }
    return g;
  }

  private static RecurrentReference reference(Case c, Map<String, Tensor> data) {
    RecurrentReference ref = new RecurrentReference();
    ref.type = c.type;
    ref.direction = c.direction;
    ref.layout = c.layout;
    ref.hidden = c.hidden;
    ref.clip = c.clip;
    ref.inputForget = c.inputForget;
    ref.linearBeforeReset = c.linearBeforeReset != null && c.linearBeforeReset;
    ref.acts = c.acts;
    ref.alphas = c.alphas == null ? null : expand(c.acts, c.alphas, true);
    ref.betas = c.betas == null ? null : expand(c.acts, c.betas, false);
    ref.seqLen = c.seqLen;
    ref.batch = c.batch;
    ref.input = c.input;
    ref.lens = c.lens;
    ref.x = doubles(data.get("X"));
    ref.w = doubles(data.get("W"));
    ref.r = doubles(data.get("R"));
    ref.b = doubles(data.get("B"));
    ref.p = doubles(data.get("P"));
    ref.h0 = doubles(data.get("initial_h"));
    ref.c0 = doubles(data.get("initial_c"));
    return ref;
  }

  /** Per activation entry, its alpha (or beta), the listed values taken in order by the functions using them. */
  private static double[] expand(List<String> acts, float[] vals, boolean alpha) {
    double[] out = new double[acts.size()];
    int k = 0;
    for (int i = 0; i < acts.size(); i++) {
      String a = acts.get(i);
      boolean uses = alpha ? List.of("LeakyRelu", "HardSigmoid", "ScaledTanh", "Elu", "Affine")
          .contains(a) : List.of("HardSigmoid", "ScaledTanh", "Affine").contains(a);
      out[i] = uses && k < vals.length ? vals[k++] : Double.NaN;
    }
    return out;
  }

  private static double[] doubles(Tensor t) {
    if (t == null) {
      return null;
    }
    double[] d = new double[t.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = t.floats()[i];
    }
    return d;
  }

  private static double loss(RecurrentReference ref, Case c, Map<String, float[]> seeds) {
    ref.run();
    double l = 0;
    double[][] outs = {ref.y, ref.yh, ref.yc};
    for (int i = 0; i < 3; i++) {
      float[] s = seeds.get(OUTPUTS[i]);
      if (s != null) {
        for (int k = 0; k < s.length; k++) {
          l += s[k] * outs[i][k];
        }
      }
    }
    return l;
  }

  private static double[] field(RecurrentReference ref, String name) {
    switch (name) {
      case "X": return ref.x;
      case "W": return ref.w;
      case "R": return ref.r;
      case "B": return ref.b;
      case "P": return ref.p;
      case "initial_h": return ref.h0;
      default: return ref.c0;
    }
  }

  /** Runs a case: forward checks, then every gradient element against the reference. */
  private static void check(Case c) {
    Map<String, Tensor> data = data(c);
    Graph g = graph(c, data);
    RecurrentReference ref = reference(c, data);
    List<String> watched = new ArrayList<>();
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    for (Value v : g.inputs()) {
      watched.add(v.name());
      feeds.put(v.name(), data.get(v.name()));
    }
    TrainingSession.Options o = new TrainingSession.Options().threads(1)
        .inputGradients(watched.toArray(new String[0]));
    Map<String, float[]> analytic = new LinkedHashMap<>();
    Map<String, float[]> seeds = new LinkedHashMap<>();
    try (TrainingSession s = new TrainingSession(g, o);
        Session inference = new Session(g)) {
      Map<String, Tensor> out = s.forward(feeds);
      Map<String, Tensor> eval = inference.run(feeds);
      ref.run();
      double[][] refOut = {ref.y, ref.yh, ref.yc};
      Random rnd = new Random(c.seed + 100);
      for (int i = 0; i < 3; i++) {
        Tensor t = out.get(OUTPUTS[i]);
        if (t == null) {
          continue;
        }
        for (int k = 0; k < t.size(); k++) {
          double want = refOut[i][k];
          if (Math.abs(t.floats()[k] - want) > 1e-5 * Math.max(1, Math.abs(want))
              || Math.abs(eval.get(OUTPUTS[i]).floats()[k] - t.floats()[k]) > 1e-5) {
            fail(OUTPUTS[i] + "[" + k + "]: training forward " + t.floats()[k] + ", inference "
                + eval.get(OUTPUTS[i]).floats()[k] + ", reference " + want);
          }
        }
        float[] seed = new float[t.size()];
        for (int k = 0; k < seed.length; k++) {
          seed[k] = (float) (rnd.nextDouble() * 2 - 1);
        }
        seeds.put(OUTPUTS[i], seed);
      }
      s.zeroGrad();
      s.backward(seeds);
      for (Parameter p : s.parameters()) {
        analytic.put(p.name(), p.grad().clone());
      }
      for (String name : watched) {
        analytic.put(name, s.inputGradient(name).floats().clone());
      }
      // evaluation mode: the engine's operator runs forward, backward records its own tape
      s.setTraining(false);
      s.forward(feeds);
      s.zeroGrad();
      s.backward(seeds);
      for (Parameter p : s.parameters()) {
        assertArrayEquals(analytic.get(p.name()), p.grad(),
            p.name() + ": evaluation-mode gradient differs from training mode");
      }
      for (String name : watched) {
        float[] e = s.inputGradient(name).floats();
        float[] t = analytic.get(name);
        for (int k = 0; k < data.get(name).size(); k++) {
          if (e[k] != t[k]) {
            fail(name + "[" + k + "]: evaluation-mode gradient " + e[k] + " vs training " + t[k]);
          }
        }
      }
    }
    List<String> bad = new ArrayList<>();
    int compared = 0;
    for (Map.Entry<String, float[]> e : analytic.entrySet()) {
      double[] v = field(ref, e.getKey());
      float[] a = e.getValue();
      for (int k = 0; k < v.length; k++) {
        double keep = v[k];
        v[k] = keep + FD_STEP;
        double lp = loss(ref, c, seeds);
        v[k] = keep - FD_STEP;
        double lm = loss(ref, c, seeds);
        v[k] = keep;
        double numeric = (lp - lm) / (2 * FD_STEP);
        double err = Math.abs(a[k] - numeric);
        double allowed = TOL * Math.max(1, Math.abs(numeric));
        if (err > allowed) {
          bad.add(String.format("%s[%d]: analytic %.7g, reference %.7g", e.getKey(), k, a[k],
              numeric));
        }
        compared++;
      }
    }
    if (!bad.isEmpty()) {
      fail(bad.size() + " of " + compared + " gradient elements disagree, e.g.\n  "
          + String.join("\n  ", bad.subList(0, Math.min(10, bad.size()))));
    }
    assertTrue(compared > 0);
  }

  // ---- LSTM

  @Test
  void lstmForwardEveryOutputWithBias() {
    check(lstm());
  }

  @Test
  void lstmReverseWithInitialStatesAndSequenceLengthsOnlyY() {
    check(lstm().with(c -> {
      c.direction = "reverse";
      c.h0 = true;
      c.c0 = true;
      c.lens = new int[] {4, 2, 3};
      c.used = new boolean[] {true, false, false};
    }));
  }

  @Test
  void lstmBidirectionalOnlyFinalStatesWithoutY() {
    check(lstm().with(c -> {
      c.direction = "bidirectional";
      c.h0 = true;
      c.c0 = true;
      c.used = new boolean[] {false, true, true};
    }));
  }

  @Test
  void lstmBidirectionalBatchMajorWithEmptyAndShortSequences() {
    check(lstm().with(c -> {
      c.direction = "bidirectional";
      c.layout = 1;
      c.h0 = true;
      c.lens = new int[] {3, 0, 1};
      c.bias = false;
    }));
  }

  @Test
  void lstmPeepholesInputForgetAndClip() {
    check(lstm().with(c -> {
      c.peep = true;
      c.h0 = true;
      c.c0 = true;
      c.inputForget = true;
      c.clip = 0.9f;
    }));
    check(lstm().with(c -> {
      c.peep = true;
      c.direction = "bidirectional";
      c.c0 = true;
      c.seed = 2;
    }));
  }

  @Test
  void lstmOtherActivationsWithAlphaAndBeta() {
    check(lstm().with(c -> {
      c.acts = List.of("HardSigmoid", "Softsign", "ScaledTanh");
      c.alphas = new float[] {0.3f, 0.9f};
      c.betas = new float[] {0.45f, 1.2f};
      c.h0 = true;
    }));
  }

  // ---- GRU

  @Test
  void gruBothResetVariantsEveryDirection() {
    for (boolean lbr : new boolean[] {false, true}) {
      for (String dir : new String[] {"forward", "reverse", "bidirectional"}) {
        check(gru(lbr).with(c -> {
          c.direction = dir;
          c.h0 = true;
        }));
      }
    }
  }

  @Test
  void gruSequenceLengthsBatchMajorOnlyFinalState() {
    for (boolean lbr : new boolean[] {false, true}) {
      check(gru(lbr).with(c -> {
        c.direction = "bidirectional";
        c.layout = 1;
        c.lens = new int[] {2, 4, 0};
        c.h0 = true;
        c.used = new boolean[] {false, true, false};
      }));
      check(gru(lbr).with(c -> {
        c.direction = "reverse";
        c.lens = new int[] {1, 3, 4};
        c.bias = false;
        c.used = new boolean[] {true, false, false};
      }));
    }
  }

  @Test
  void gruClipAndOtherActivations() {
    for (boolean lbr : new boolean[] {false, true}) {
      check(gru(lbr).with(c -> {
        c.clip = 0.8f;
        c.h0 = true;
      }));
      check(gru(lbr).with(c -> {
        c.acts = List.of("Softsign", "Elu");
        c.alphas = new float[] {0.7f};
      }));
    }
  }

  // ---- RNN

  @Test
  void rnnEveryDirectionWithInitialStateAndLengths() {
    check(rnn().with(c -> c.h0 = true));
    check(rnn().with(c -> {
      c.direction = "reverse";
      c.lens = new int[] {2, 4, 1};
    }));
    check(rnn().with(c -> {
      c.direction = "bidirectional";
      c.h0 = true;
      c.layout = 1;
      c.lens = new int[] {4, 0, 3};
    }));
  }

  @Test
  void rnnClipAndLeakyRelu() {
    check(rnn().with(c -> {
      c.clip = 0.7f;
      c.h0 = true;
    }));
    check(rnn().with(c -> {
      c.acts = List.of("LeakyRelu");
      c.alphas = new float[] {0.2f};
    }));
  }
}
