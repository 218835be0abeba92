package org.quantlens.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnxruntime.OrtException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.conformance.Conformance;
import org.quantlens.onnx.proto.Onnx.ModelProto;
import org.quantlens.onnx.proto.Onnx.TensorProto;

/**
 * Models built here as engine graphs, exported with {@link OnnxWriter}, run in ONNX Runtime and in
 * our {@link Session}: the outputs must agree. Each test runs only once every op it uses is
 * registered (op families land separately); until then it is skipped with the missing ops named.
 * The writer is also checked on its own: ONNX Runtime must give bit-identical outputs for backend
 * test models before and after a read/write round trip.
 */
class OnnxRuntimeAgreementTest {
  /**
   * Float32 results differ from ONNX Runtime only by summation order and transcendental function
   * approximations; accumulations here are at most 64 terms of O(1) values, so errors stay within a
   * few float32 ulps times sqrt(64): atol 1e-5 plus rtol 1e-4 leaves a wide margin without hiding
   * real bugs (a wrong index or activation moves values by far more).
   */
  private static final double ATOL = 1e-5;
  private static final double RTOL = 1e-4;

  private static Tensor random(Random rnd, float scale, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    float[] d = t.floats();
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) rnd.nextGaussian() * scale;
    }
    return t;
  }

  private static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      m.put((String) kv[i], v instanceof Attribute ? (Attribute) v
          : v instanceof long[] ? Attribute.of((long[]) v)
          : v instanceof Float ? Attribute.of((Float) v)
          : v instanceof String ? Attribute.of((String) v)
          : Attribute.of(((Number) v).longValue()));
    }
    return m;
  }

  /** x[2,1,8,8] -> Conv 3x3 pad 1 (4 ch) -> Relu -> MaxPool 2x2 -> Flatten -> Gemm(64->10) -> Softmax. */
  static Graph cnn(Random rnd, boolean fuseRelu) {
    Graph g = new Graph("cnn");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 2, 1, 8, 8));
    g.initializers().put("cw", random(rnd, 0.5f, 4, 1, 3, 3));
    g.initializers().put("cb", random(rnd, 0.1f, 4));
    g.initializers().put("fw", random(rnd, 0.2f, 10, 64));
    g.initializers().put("fb", random(rnd, 0.1f, 10));
    Map<String, Attribute> conv = attrs("kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1});
    if (fuseRelu) {
      conv.put(FusedActivation.ATTR, Attribute.of("Relu"));
      g.nodes().add(new Node("conv", "Conv", List.of("x", "cw", "cb"), List.of("r"), conv));
    } else {
      g.nodes().add(new Node("conv", "Conv", List.of("x", "cw", "cb"), List.of("c"), conv));
      g.nodes().add(new Node("relu", "Relu", List.of("c"), List.of("r"), Map.of()));
    }
    g.nodes().add(new Node("pool", "MaxPool", List.of("r"), List.of("p"),
        attrs("kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2})));
    g.nodes().add(new Node("flat", "Flatten", List.of("p"), List.of("f"), attrs("axis", 1)));
    g.nodes().add(new Node("fc", "Gemm", List.of("f", "fw", "fb"), List.of("logits"), attrs("transB", 1)));
    g.nodes().add(new Node("softmax", "Softmax", List.of("logits"), List.of("y"), attrs("axis", 1)));
    g.outputs().add(new Value("y", DType.F32, 2, 10));
    return g;
  }

  /** x[3,5] -> MatMul(5x7) -> Add -> Tanh -> MatMul(7x2) = z -> MatMul(2x2) with a fused Clip(0, 0.5) = y. */
  static Graph mlp(Random rnd) {
    Graph g = new Graph("mlp");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, 3, 5));
    g.initializers().put("w1", random(rnd, 0.7f, 5, 7));
    g.initializers().put("b1", random(rnd, 0.1f, 7));
    g.initializers().put("w2", random(rnd, 0.5f, 7, 2));
    g.initializers().put("w3", random(rnd, 0.5f, 2, 2));
    g.nodes().add(new Node("mm1", "MatMul", List.of("x", "w1"), List.of("h"), Map.of()));
    g.nodes().add(new Node("add1", "Add", List.of("h", "b1"), List.of("hb"), Map.of()));
    g.nodes().add(new Node("tanh", "Tanh", List.of("hb"), List.of("t"), Map.of()));
    g.nodes().add(new Node("mm2", "MatMul", List.of("t", "w2"), List.of("z"), Map.of()));
    g.nodes().add(new Node("mm3", "MatMul", List.of("z", "w3"), List.of("y"), attrs(
        FusedActivation.ATTR, "Clip", FusedActivation.ATTR_MIN, 0f, FusedActivation.ATTR_MAX, 0.5f)));
    g.outputs().add(new Value("z", DType.F32, 3, 2));
    g.outputs().add(new Value("y", DType.F32, 3, 2));
    return g;
  }

  /** One LSTM node (forward or bidirectional), all three outputs. */
  static Graph lstm(Random rnd, String direction) {
    int seq = 4, batch = 2, in = 3, hidden = 5, dirs = direction.equals("bidirectional") ? 2 : 1;
    Graph g = new Graph("lstm");
    g.opsets().put("", 14);
    g.inputs().add(new Value("X", DType.F32, seq, batch, in));
    g.initializers().put("W", random(rnd, 0.4f, dirs, 4 * hidden, in));
    g.initializers().put("R", random(rnd, 0.4f, dirs, 4 * hidden, hidden));
    g.initializers().put("B", random(rnd, 0.1f, dirs, 8 * hidden));
    g.nodes().add(new Node("lstm", "LSTM", List.of("X", "W", "R", "B"), List.of("Y", "Y_h", "Y_c"),
        attrs("hidden_size", hidden, "direction", direction)));
    g.outputs().add(new Value("Y", DType.F32, seq, dirs, batch, hidden));
    g.outputs().add(new Value("Y_h", DType.F32, dirs, batch, hidden));
    g.outputs().add(new Value("Y_c", DType.F32, dirs, batch, hidden));
    return g;
  }

  /** One GRU node with the given linear_before_reset, both outputs. */
  static Graph gru(Random rnd, int linearBeforeReset) {
    int seq = 5, batch = 3, in = 4, hidden = 6;
    Graph g = new Graph("gru");
    g.opsets().put("", 14);
    g.inputs().add(new Value("X", DType.F32, seq, batch, in));
    g.initializers().put("W", random(rnd, 0.4f, 1, 3 * hidden, in));
    g.initializers().put("R", random(rnd, 0.4f, 1, 3 * hidden, hidden));
    g.initializers().put("B", random(rnd, 0.1f, 1, 6 * hidden));
    g.nodes().add(new Node("gru", "GRU", List.of("X", "W", "R", "B"), List.of("Y", "Y_h"),
        attrs("hidden_size", hidden, "linear_before_reset", linearBeforeReset)));
    g.outputs().add(new Value("Y", DType.F32, seq, 1, batch, hidden));
    g.outputs().add(new Value("Y_h", DType.F32, 1, batch, hidden));
    return g;
  }

  /** Ops of {@code g} (subgraphs included) that the engine has no operator for. */
  static Set<String> unregistered(Graph g) {
    Set<String> r = new TreeSet<>();
    for (Node n : g.nodes()) {
      if (OpRegistry.standard().find(n.domain(), n.opType(), g.opset(n.domain())) == null) {
        r.add(n.opType() + "-" + g.opset(n.domain()));
      }
      for (Attribute a : n.attributes().values()) {
        if (a.kind() == Attribute.Kind.GRAPH) {
          r.addAll(unregistered(a.asGraph()));
        }
      }
    }
    return r;
  }

  /** Exports {@code g}, runs it in ONNX Runtime and in a Session, and compares every output. */
  private static void assertAgrees(Graph g, Map<String, Tensor> feeds) throws OrtException {
    Set<String> missing = unregistered(g);
    Assumptions.assumeTrue(missing.isEmpty(), "not registered yet (re-run after the op families merge): " + missing);
    Map<String, Tensor> ort = Ort.run(OnnxWriter.toBytes(g), feeds);
    Map<String, Tensor> ours;
    try (Session s = new Session(g)) {
      ours = s.run(feeds);
    }
    for (Value out : g.outputs()) {
      Tensor want = ort.get(out.name());
      Tensor got = ours.get(out.name());
      assertNotNull(got, out.name());
      assertEquals(want.dtype(), got.dtype(), out.name());
      assertArrayEquals(want.shape(), got.shape(), out.name());
      for (int i = 0; i < want.size(); i++) {
        double e = want.getDouble(i);
        double a = got.getDouble(i);
        assertTrue(Math.abs(a - e) <= ATOL + RTOL * Math.abs(e),
            g.name() + " output " + out.name() + "[" + i + "]: onnxruntime " + e + ", quantlens " + a);
      }
    }
  }

  @Test
  void cnnWithConvReluMaxPoolFlattenGemmSoftmaxAgreesWithOnnxRuntime() throws OrtException {
    Random rnd = new Random(1);
    Graph g = cnn(rnd, false);
    assertAgrees(g, Map.of("x", random(rnd, 1f, 2, 1, 8, 8)));
  }

  @Test
  void cnnWithFusedReluAgreesWithOnnxRuntime() throws OrtException {
    Random rnd = new Random(2);
    Graph g = cnn(rnd, true);
    assertAgrees(g, Map.of("x", random(rnd, 1f, 2, 1, 8, 8)));
  }

  @Test
  void mlpWithMatMulAddTanhAndFusedClipAgreesWithOnnxRuntime() throws OrtException {
    Random rnd = new Random(3);
    Graph g = mlp(rnd);
    assertAgrees(g, Map.of("x", random(rnd, 1f, 3, 5)));
  }

  @Test
  void lstmForwardAndBidirectionalAgreeWithOnnxRuntime() throws OrtException {
    for (String dir : List.of("forward", "bidirectional")) {
      Random rnd = new Random(4);
      Graph g = lstm(rnd, dir);
      assertAgrees(g, Map.of("X", random(rnd, 1f, 4, 2, 3)));
    }
  }

  @Test
  void gruWithAndWithoutLinearBeforeResetAgreesWithOnnxRuntime() throws OrtException {
    for (int lbr : new int[] {0, 1}) {
      Random rnd = new Random(5);
      Graph g = gru(rnd, lbr);
      assertAgrees(g, Map.of("X", random(rnd, 1f, 5, 3, 4)));
    }
  }

  /** Needs no engine op: ONNX Runtime runs the lowered fused graph and the explicit one alike. */
  @Test
  void exportedFusedActivationRunsInOnnxRuntimeLikeTheExplicitActivation() throws OrtException {
    Tensor x = random(new Random(9), 1f, 2, 1, 8, 8);
    Map<String, Tensor> fused = Ort.run(OnnxWriter.toBytes(cnn(new Random(6), true)), Map.of("x", x));
    Map<String, Tensor> plain = Ort.run(OnnxWriter.toBytes(cnn(new Random(6), false)), Map.of("x", x));
    GraphAssert.assertSameTensor(plain.get("y"), fused.get("y"), "y");
    // Clip lowered at opset 13 (bounds as inputs) and opset 9 (bounds as attributes).
    for (int opset : new int[] {13, 9}) {
      Graph g = mlp(new Random(7));
      g.opsets().put("", opset);
      Tensor in = random(new Random(8), 1f, 3, 5);
      Map<String, Tensor> r = Ort.run(OnnxWriter.toBytes(g), Map.of("x", in));
      float[] z = r.get("z").floats();
      float[] w3 = g.initializers().get("w3").floats();
      float[] y = r.get("y").floats();
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 2; j++) { // y = clip(z @ w3, 0, 0.5), computed here independently
          float v = z[i * 2] * w3[j] + z[i * 2 + 1] * w3[2 + j];
          assertEquals(Math.min(Math.max(v, 0f), 0.5f), y[i * 2 + j], 1e-6, "opset " + opset);
        }
      }
    }
  }

  /**
   * Every backend test model with types we read: ONNX Runtime gives bit-identical outputs on the
   * original file and on our read/write round trip (models whose outputs vary from run to run, or
   * which ONNX Runtime cannot run or feed, are left out).
   */
  @Test
  void backendModelsRunIdenticallyInOnnxRuntimeAfterOurReadAndWrite() throws Exception {
    List<Path> models = BackendData.models();
    Assumptions.assumeFalse(models.isEmpty(), "ONNX backend test data not installed");
    int compared = 0;
    List<String> problems = new ArrayList<>();
    for (Path m : models) {
      ModelProto proto = OnnxReader.parse(m);
      if (!Conformance.skipReasons(proto).stream().noneMatch(s -> s.startsWith("unsupported types"))) {
        continue;
      }
      Graph g = OnnxReader.convert(proto, m.toString(), m.getParent());
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      for (int i = 0; i < g.inputs().size(); i++) {
        Path f = m.getParent().resolve("test_data_set_0/input_" + i + ".pb");
        if (!Files.exists(f)) {
          break;
        }
        TensorProto p = TensorProtos.parse(f);
        String name = g.inputs().stream().anyMatch(v -> v.name().equals(p.getName())) ? p.getName()
            : g.inputs().get(i).name();
        feeds.put(name, TensorProtos.toTensor(p, f.toString()));
      }
      if (!feeds.values().stream().allMatch(Ort::canFeed)) {
        continue;
      }
      byte[] original = Files.readAllBytes(m);
      Map<String, Tensor> a;
      Map<String, Tensor> a2;
      try {
        a = Ort.run(original, feeds);
        a2 = Ort.run(original, feeds);
      } catch (OrtException | RuntimeException e) {
        continue; // ONNX Runtime itself cannot run the original
      }
      if (!sameOutputs(a, a2)) {
        continue; // random ops: nothing to compare
      }
      Map<String, Tensor> b;
      try {
        b = Ort.run(OnnxWriter.toBytes(g), feeds);
      } catch (OrtException | RuntimeException e) {
        problems.add(m + ": the rewritten model fails in onnxruntime: " + e.getMessage());
        continue;
      }
      if (!sameOutputs(a, b)) {
        problems.add(m + ": outputs differ after read/write");
      }
      compared++;
    }
    if (!problems.isEmpty()) {
      fail(problems.size() + " models:\n" + String.join("\n", problems));
    }
    assertTrue(compared > 700, "compared " + compared + " models");
  }

  private static boolean sameOutputs(Map<String, Tensor> a, Map<String, Tensor> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (String k : a.keySet()) {
      Tensor x = a.get(k);
      Tensor y = b.get(k);
      if (x.dtype() != y.dtype() || !java.util.Arrays.equals(x.shape(), y.shape())
          || !java.util.Arrays.equals(TensorProtos.rawBytes(x), TensorProtos.rawBytes(y))) {
        return false;
      }
    }
    return true;
  }
}
