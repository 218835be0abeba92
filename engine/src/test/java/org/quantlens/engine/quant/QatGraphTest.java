package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Sgd;
import org.quantlens.engine.train.SoftmaxCrossEntropy;
import org.quantlens.engine.train.TrainingSession;
import org.quantlens.engine.train.grad.GradRegistry;

/**
 * Quantization-aware training: the straight-through gradient against a naive fake-quantized Gemm
 * written here, the moving-average range update, and the converted static-int8 model (int8 kernels)
 * against the fake-quantized float graph it was trained as.
 */
class QatGraphTest {
  private static Tensor uniform(Random r, float lo, float hi, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    for (int i = 0; i < t.size(); i++) {
      t.floats()[i] = lo + (hi - lo) * r.nextFloat();
    }
    return t;
  }

  /** x[N,4] -> Gemm(W[3,4] transB, b[3]) -> y. */
  private static Graph gemm(Random r) {
    Graph g = new Graph("gemm");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 4));
    g.initializers().put("w", uniform(r, -1, 1, 3, 4));
    g.initializers().put("b", uniform(r, -0.2f, 0.2f, 3));
    g.nodes().add(new Node("fc", "Gemm", List.of("x", "w", "b"), List.of("y"),
        QuantTestModels.attrs("transB", 1)));
    g.outputs().add(new Value("y", DType.F32, -1, 3));
    return g;
  }

  /** Naive fake quantization of one value; {@code mask[0]} tells whether it stayed in the grid. */
  private static float fq(float x, float s, int zp, int qmin, int qmax, boolean[] inside) {
    double q = Math.rint(x / s) + zp;
    inside[0] = q >= qmin && q <= qmax;
    q = Math.max(qmin, Math.min(qmax, q));
    return (float) ((q - zp) * s);
  }

  @Test
  void straightThroughGradientPassesInsideTheGridAndStopsWhereValuesWereClipped() {
    Random r = new Random(3);
    Graph f = gemm(r);
    Calibration calib = Calibration.of(List.of(Map.of("x", uniform(r, -1, 1, 16, 4))));
    QatGraph qat = QatGraph.insert(f, calib, QuantConfig.defaults());
    Tensor x = uniform(r, -3, 3, 8, 4); // wider than the calibrated range: some inputs clip
    float[] dy = uniform(r, -1, 1, 8, 3).floats();
    float[] w = f.initializers().get("w").floats();
    float[] b = f.initializers().get("b").floats();
    Graph before = qat.graph().copy();
    float xs0 = before.initializers().get("x_scale").floats()[0];
    long xz0 = before.initializers().get("x_zero_point").getLong(0);
    try (TrainingSession s = new TrainingSession(qat.graph(), new TrainingSession.Options()
        .threads(1).trainable(qat.trainable()).rules(qat.rules(GradRegistry.standard()))
        .inputGradients("x"))) {
      float[] y = s.forward(Map.of("x", x)).get("y").floats().clone();
      s.zeroGrad();
      s.backward("y", dy);
      Graph now = s.exportGraph();
      // The input's range moved 1% of the way from the calibrated range to this batch's.
      double lo0 = (0 - xz0) * (double) xs0;
      double hi0 = (255 - xz0) * (double) xs0;
      double bmin = Double.MAX_VALUE;
      double bmax = -Double.MAX_VALUE;
      for (float v : x.floats()) {
        bmin = Math.min(bmin, v);
        bmax = Math.max(bmax, v);
      }
      QuantMath.Params px = QuantMath.params(lo0 + 0.01 * (bmin - lo0), hi0 + 0.01 * (bmax - hi0),
          QuantMath.intRange(8, false, false, false), false);
      float xs = now.initializers().get("x_scale").floats()[0];
      int xz = (int) now.initializers().get("x_zero_point").getLong(0);
      assertEquals(px.scale, xs, 1e-7f);
      assertEquals(px.zeroPoint, xz);
      float ys = now.initializers().get("y_scale").floats()[0];
      int yz = (int) now.initializers().get("y_zero_point").getLong(0);
      float[] ws = now.initializers().get("w_scale").floats();
      // Reference: a float Gemm on fake-quantized operands, gradients passed where not clipped.
      boolean[] in = new boolean[1];
      float[] xq = new float[32];
      boolean[] xIn = new boolean[32];
      int clippedX = 0;
      for (int i = 0; i < 32; i++) {
        xq[i] = fq(x.floats()[i], xs, xz, 0, 255, in);
        xIn[i] = in[0];
        clippedX += in[0] ? 0 : 1;
      }
      float[] wq = new float[12];
      for (int c = 0; c < 3; c++) {
        double absmax = 0;
        for (int k = 0; k < 4; k++) {
          absmax = Math.max(absmax, Math.abs(w[c * 4 + k]));
        }
        assertEquals((float) (absmax / 127), ws[c], 1e-7f);
        for (int k = 0; k < 4; k++) {
          wq[c * 4 + k] = fq(w[c * 4 + k], ws[c], 0, -127, 127, in);
        }
      }
      double[] dw = new double[12];
      double[] db = new double[3];
      double[] dx = new double[32];
      int clippedY = 0;
      for (int n = 0; n < 8; n++) {
        for (int c = 0; c < 3; c++) {
          float acc = b[c];
          for (int k = 0; k < 4; k++) {
            acc += xq[n * 4 + k] * wq[c * 4 + k];
          }
          float yq = fq(acc, ys, yz, 0, 255, in);
          assertEquals(yq, y[n * 3 + c], 1e-4f + ys, "y[" + n + "," + c + "]");
          if (!in[0]) {
            clippedY++;
            continue;
          }
          double g = dy[n * 3 + c];
          db[c] += g;
          for (int k = 0; k < 4; k++) {
            dw[c * 4 + k] += g * xq[n * 4 + k];
            dx[n * 4 + k] += xIn[n * 4 + k] ? g * wq[c * 4 + k] : 0;
          }
        }
      }
      assertTrue(clippedX > 0, "some inputs must clip for the test to mean anything");
      for (int i = 0; i < 12; i++) {
        assertEquals(dw[i], s.parameter("w").grad()[i], 1e-4, "dW[" + i + "]");
      }
      for (int i = 0; i < 3; i++) {
        assertEquals(db[i], s.parameter("b").grad()[i], 1e-4, "db[" + i + "]");
      }
      float[] gx = s.inputGradient("x").floats();
      for (int i = 0; i < 32; i++) {
        assertEquals(dx[i], gx[i], 1e-4, "dx[" + i + "]");
        if (!xIn[i]) {
          assertEquals(0f, gx[i], "clipped input " + i + " gets no gradient");
        }
      }
      System.out.println("STE check: " + clippedX + " inputs and " + clippedY + " outputs clipped");
    }
  }

  @Test
  void convertedStaticInt8AgreesWithTheFakeQuantGraphOnTop1() {
    Graph f = QuantTestModels.centeredCnn(5, 13);
    List<Map<String, Tensor>> data = QuantTestModels.images(6, 8, 25);
    QatGraph qat = QatGraph.insert(f, Calibration.of(data.subList(0, 2)), QuantConfig.defaults());
    Graph trained;
    try (TrainingSession s = new TrainingSession(qat.graph(), new TrainingSession.Options()
        .threads(1).trainable(qat.trainable()).rules(qat.rules(GradRegistry.standard())))) {
      SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
      Sgd sgd = new Sgd(0.9, false, 0);
      Random r = new Random(7);
      for (int step = 0; step < 12; step++) {
        Tensor x = data.get(step % 6).get("x");
        Tensor y = s.forward(Map.of("x", x)).get("logits");
        long[] labels = new long[x.dim(0)];
        for (int i = 0; i < labels.length; i++) {
          labels[i] = r.nextInt(QuantTestModels.CLASSES);
        }
        float[] grad = new float[y.size()];
        loss.compute(y, Tensor.of(labels, labels.length), grad);
        s.zeroGrad();
        s.backward("logits", grad);
        sgd.step(s.parameters(), 0.05);
      }
      trained = s.exportGraph();
    }
    assertTrue(!java.util.Arrays.equals(f.initializers().get("w1").floats(),
        trained.initializers().get("w1").floats()), "training must have moved the weights");
    Graph fake = qat.fakeQuantGraph(trained);
    Graph qdq = qat.convert(trained, null).graph();
    QdqFolding.Result folded = QdqFolding.fold(qdq, java.util.Set.of());
    assertTrue(folded.report().entry("conv1").int8() && folded.report().entry("fc").int8(),
        folded.report().toString());
    int agree = 0;
    int total = 0;
    int[] counts = new int[QuantTestModels.CLASSES];
    try (Session a = new Session(fake, new Session.Options().optimize(false));
        Session b = new Session(qdq)) {
      for (Map<String, Tensor> feed : data) {
        float[] ya = a.run(feed).get("logits").floats();
        float[] yb = b.run(feed).get("logits").floats();
        QuantTestModels.classCounts(ya, counts);
        for (int n = 0; n < ya.length / QuantTestModels.CLASSES; n++) {
          agree += QuantTestModels.argmax(ya, n, QuantTestModels.CLASSES)
              == QuantTestModels.argmax(yb, n, QuantTestModels.CLASSES) ? 1 : 0;
          total++;
        }
      }
    }
    int classesUsed = 0;
    for (int c : counts) {
      classesUsed += c > 0 ? 1 : 0;
    }
    assertTrue(classesUsed >= 3, "predictions must vary: " + java.util.Arrays.toString(counts));
    // The int8 kernels add the bias on its int32 grid and requantize once per op, where the fake
    // graph rounds in float: rare near-ties may flip.
    assertTrue(agree >= total * 0.97, agree + "/" + total + " top-1 agree");
    System.out.println("QAT int8 vs fake-quant top-1 agreement: " + agree + "/" + total);
  }

  /** x[T=5, N, 3] -> LSTM(hidden 4) -> Y_h[1, N, 4]. */
  private static Graph lstm(Random r) {
    return recurrent(r, "LSTM", 4);
  }

  /** x[T=5, N, 3] -> LSTM or GRU (hidden 4, {@code gates} gates) -> Y_h[1, N, 4]. */
  private static Graph recurrent(Random r, String op, int gates) {
    Graph g = new Graph(op.toLowerCase());
    g.opsets().put("", 14);
    g.inputs().add(new Value("x", DType.F32, 5, -1, 3));
    g.initializers().put("W", uniform(r, -0.5f, 0.5f, 1, gates * 4, 3));
    g.initializers().put("R", uniform(r, -0.5f, 0.5f, 1, gates * 4, 4));
    g.initializers().put("B", uniform(r, -0.1f, 0.1f, 1, gates * 8));
    g.nodes().add(new Node("rnn", op, List.of("x", "W", "R", "B"), List.of("y", "h"),
        QuantTestModels.attrs("hidden_size", 4)));
    g.outputs().add(new Value("h", DType.F32, 1, -1, 4));
    return g;
  }

  @Test
  void recurrentWeightsPerGateRowAndTheSequenceInputGetFakeQuantPairs() {
    Random r = new Random(8);
    Graph f = lstm(r);
    Tensor x = uniform(r, -1, 1, 5, 6, 3);
    QatGraph qat = QatGraph.insert(f, Calibration.of(List.of(Map.of("x", x))), QuantConfig.defaults());
    Map<String, Node> byInput = new java.util.HashMap<>();
    for (Node n : qat.graph().nodes()) {
      if (n.opType().equals("QuantizeLinear")) {
        byInput.put(n.input(0), n);
      }
    }
    assertTrue(byInput.keySet().containsAll(java.util.Set.of("x", "W", "R")), byInput.keySet().toString());
    assertEquals(1L, byInput.get("W").attributes().get("axis").asLong());
    assertEquals(16, qat.graph().initializers().get("W_scale").size(), "one scale per gate row");
    assertTrue(qat.trainable().containsAll(java.util.Set.of("W", "R", "B")));
    float[] yf;
    float[] yq;
    try (Session a = new Session(f); Session b = new Session(qat.graph(), new Session.Options().optimize(false))) {
      yf = a.run(Map.of("x", x)).get("h").floats();
      yq = b.run(Map.of("x", x)).get("h").floats();
    }
    double maxDiff = 0;
    boolean differs = false;
    for (int i = 0; i < yf.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(yf[i] - yq[i]));
      differs |= yf[i] != yq[i];
    }
    assertTrue(differs, "fake quantization must change the output");
    assertTrue(maxDiff < 0.05, "8-bit fake quantization stays close to float: " + maxDiff);
  }

  @Test
  void recurrentModelsTrainThroughTheirFakeQuantPairs() {
    for (String op : new String[] {"LSTM", "GRU"}) {
      Random r = new Random(9);
      Graph f = recurrent(r, op, op.equals("LSTM") ? 4 : 3);
      Tensor x = uniform(r, -1, 1, 5, 6, 3);
      float[] target = uniform(r, -0.5f, 0.5f, 1, 6, 4).floats();
      QatGraph qat = QatGraph.insert(f, Calibration.of(List.of(Map.of("x", x))), QuantConfig.defaults());
      try (TrainingSession s = new TrainingSession(qat.graph(), new TrainingSession.Options()
          .threads(1).trainable(qat.trainable()).rules(qat.rules(GradRegistry.standard())))) {
        double first = 0;
        double last = 0;
        for (int step = 0; step < 30; step++) {
          float[] h = s.forward(Map.of("x", x)).get("h").floats();
          float[] dh = new float[h.length];
          double loss = 0;
          for (int i = 0; i < h.length; i++) {
            dh[i] = h[i] - target[i];
            loss += 0.5 * dh[i] * dh[i];
          }
          first = step == 0 ? loss : first;
          last = loss;
          s.zeroGrad();
          s.backward("h", dh);
          new Sgd(0, false, 0).step(s.parameters(), 0.1);
        }
        assertTrue(last < 0.7 * first, op + ": squared error " + first + " -> " + last
            + " through fake-quantized weights and input");
      }
    }
  }
}
