package org.quantlens.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.quant.Calibration;
import org.quantlens.engine.quant.Ptq;
import org.quantlens.engine.quant.QdqFolding;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Exported static-int8 models run in ONNX Runtime's default options (QDQ fused into its int8
 * kernels) exactly like our int8 path: the writer stores Conv/Gemm/MatMul weights as uint8 with
 * zero point 128, which ONNX Runtime computes on exact uint8 x uint8 kernels, and our importer folds
 * them back onto our int8 kernels. Full 8-bit weights, where int8 weights made ONNX Runtime's
 * saturating uint8 x int8 kernels differ by several output steps on CPUs without VNNI.
 */
class UnsignedWeightExportOrtTest {
  private static final int OUT = 10;

  private static Tensor gaussian(Random rnd, double std, int... shape) {
    Tensor t = Tensor.zeros(DType.F32, shape);
    for (int i = 0; i < t.size(); i++) {
      t.floats()[i] = (float) (rnd.nextGaussian() * std);
    }
    return t;
  }

  /** MatMul-Add-Relu-MatMul with large weights (sums of products that overflow int16 in pairs). */
  private static Graph mlp(long seed) {
    Random rnd = new Random(seed);
    Graph g = new Graph("mlp");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 64));
    g.initializers().put("w1", gaussian(rnd, 1.0, 64, 32));
    g.initializers().put("b1", gaussian(rnd, 1.0, 32));
    g.initializers().put("w2", gaussian(rnd, 1.0, 32, OUT));
    g.nodes().add(new Node("mm1", "MatMul", List.of("x", "w1"), List.of("h"), Map.of()));
    g.nodes().add(new Node("add1", "Add", List.of("h", "b1"), List.of("hb"), Map.of()));
    g.nodes().add(new Node("relu1", "Relu", List.of("hb"), List.of("r"), Map.of()));
    g.nodes().add(new Node("mm2", "MatMul", List.of("r", "w2"), List.of("logits"), Map.of()));
    g.outputs().add(new Value("logits", DType.F32, -1, OUT));
    return g;
  }

  /** Non-negative inputs spread over [0, 4): their uint8 codes reach 255, as after a Relu. */
  private static List<Tensor> vectors(long seed, int batches) {
    Random rnd = new Random(seed);
    List<Tensor> r = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      Tensor t = Tensor.zeros(DType.F32, 32, 64);
      for (int i = 0; i < t.size(); i++) {
        t.floats()[i] = 4 * rnd.nextFloat();
      }
      r.add(t);
    }
    return r;
  }

  private static Calibration calibration(List<Tensor> xs) {
    List<Map<String, Tensor>> c = new ArrayList<>();
    xs.forEach(x -> c.add(Map.of("x", x)));
    return Calibration.of(c);
  }

  /** Largest |ORT default - ours| over {@code inputs}, in units of {@code step}. */
  private static double maxSteps(byte[] model, Graph ours, List<Tensor> inputs, float step) throws OrtException {
    double worst = 0;
    try (Session s = new Session(ours)) {
      for (Tensor x : inputs) {
        float[] a = Ort.run(model, Map.of("x", x)).get("logits").floats();
        float[] b = s.run(Map.of("x", x)).get("logits").floats();
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
          worst = Math.max(worst, Math.abs(a[i] - b[i]) / step);
        }
      }
    }
    return worst;
  }

  private static List<Tensor> weightsOf(Graph g, String op) {
    List<Tensor> w = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (n.opType().equals(op)) {
        w.add(g.initializers().get(n.input(3)));
      }
    }
    return w;
  }

  @Test
  void cnnExportRunsBitExactlyInOnnxRuntimeDefaultMode() throws OrtException {
    Graph g = PtqOnnxRuntimeTest.cnn(5);
    List<Map<String, Tensor>> calib = new ArrayList<>();
    PtqOnnxRuntimeTest.images(7, 8, 16).forEach(x -> calib.add(Map.of("x", x)));
    Ptq.Result ptq = Ptq.quantize(g, Calibration.of(calib), QuantConfig.defaults());
    Graph int8 = QdqFolding.fold(ptq.graph()).graph();
    double steps = maxSteps(OnnxWriter.toBytes(ptq.graph()), int8, PtqOnnxRuntimeTest.images(8, 6, 50),
        ptq.activations().get("logits").scale);
    assertEquals(0.0, steps, "ONNX Runtime default mode vs our int8 path, in output steps");
  }

  @Test
  void matMulExportRunsBitExactlyInOnnxRuntimeDefaultMode() throws OrtException {
    Ptq.Result ptq = Ptq.quantize(mlp(3), calibration(vectors(4, 4)), QuantConfig.defaults());
    Graph int8 = QdqFolding.fold(ptq.graph()).graph();
    assertEquals(2, weightsOf(int8, "QLinearMatMul").size(), "both MatMuls fold onto int8 kernels");
    double steps = maxSteps(OnnxWriter.toBytes(ptq.graph()), int8, vectors(5, 4),
        ptq.activations().get("logits").scale);
    assertEquals(0.0, steps, "ONNX Runtime default mode vs our int8 path, in output steps");
  }

  @Test
  void dynamicInt8ConvolutionsRunInOnnxRuntimeAsUint8ConvIntegerAndMatchOurs() throws OrtException {
    Graph dyn = Variants.build(PtqOnnxRuntimeTest.cnn(5), "dynamic-int8", null, QuantConfig.defaults());
    assertTrue(dyn.nodes().stream().anyMatch(n -> n.opType().equals("ConvInteger")), "has ConvInteger");
    byte[] model = OnnxWriter.toBytes(dyn);
    Graph back = OnnxReader.read(model, "dyn.onnx", null);
    for (Node n : back.nodes()) {
      if (n.opType().equals("ConvInteger")) {
        assertEquals(DType.U8, back.initializers().get(n.input(1)).dtype(), n.name() + " weight");
        assertEquals(128L, back.initializers().get(n.input(3)).getLong(0), n.name() + " zero point");
      }
    }
    try (Session ours = new Session(dyn); Session read = new Session(back)) {
      for (Tensor x : PtqOnnxRuntimeTest.images(9, 3, 8)) {
        float[] want = ours.run(Map.of("x", x)).get("logits").floats();
        float[] ort = Ort.run(model, Map.of("x", x)).get("logits").floats();
        assertArrayEquals(want, read.run(Map.of("x", x)).get("logits").floats(), "ours, written and read back");
        double scale = 0;
        for (float v : want) {
          scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], ort[i], 1e-5 * scale, "ONNX Runtime vs ours, logit " + i);
        }
      }
    }
  }

  @Test
  void writtenWeightsAreUint8WithZeroPoint128AndFoldBackToTheSameInt8Weights() {
    Ptq.Result ptq = Ptq.quantize(PtqOnnxRuntimeTest.cnn(5), calibration(PtqOnnxRuntimeTest.images(7, 4, 16)),
        QuantConfig.defaults());
    Graph back = OnnxReader.read(OnnxWriter.toBytes(ptq.graph()), "cnn.onnx", null);
    int weights = 0;
    for (Node n : back.nodes()) {
      if (n.opType().equals("Conv") || n.opType().equals("Gemm")) {
        Node dq = producerOf(back, n.input(1));
        Tensor q = back.initializers().get(dq.input(0));
        Tensor z = back.initializers().get(dq.input(2));
        assertEquals(DType.U8, q.dtype(), n.name() + " weight");
        for (int c = 0; c < z.size(); c++) {
          assertEquals(128L, z.getLong(c), n.name() + " zero point " + c);
        }
        // the same real values: q_u8 - 128 == q_s8 element by element
        Node orig = producerOf(ptq.graph(), n.input(1));
        Tensor s8 = ptq.graph().initializers().get(orig.input(0));
        for (int i = 0; i < s8.size(); i++) {
          assertEquals(s8.getLong(i), q.getLong(i) - 128, n.name() + " weight element " + i);
        }
        weights++;
      }
    }
    assertEquals(3, weights);
    Graph fromFile = QdqFolding.fold(back).graph();
    Graph inMemory = QdqFolding.fold(ptq.graph()).graph();
    List<Tensor> a = weightsOf(fromFile, "QLinearConv");
    List<Tensor> b = weightsOf(inMemory, "QLinearConv");
    assertEquals(2, a.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(DType.I8, a.get(i).dtype(), "folded weight of the read-back model");
      assertArrayEquals(b.get(i).bytes(), a.get(i).bytes(), "folded conv weight " + i);
    }
    try (Session s1 = new Session(fromFile); Session s2 = new Session(inMemory)) {
      for (Tensor x : PtqOnnxRuntimeTest.images(9, 2, 20)) {
        assertArrayEquals(s2.run(Map.of("x", x)).get("logits").floats(),
            s1.run(Map.of("x", x)).get("logits").floats(), "read-back model vs in-memory model");
      }
    }
  }

  @Test
  void int8ActivationsKeepInt8WeightsInTheFile() {
    Ptq.Result ptq = Ptq.quantize(mlp(3), calibration(vectors(4, 2)),
        QuantConfig.defaults().withActivationType(DType.I8));
    Graph back = OnnxReader.read(OnnxWriter.toBytes(ptq.graph()), "mlp.onnx", null);
    int matmuls = 0;
    for (Node n : back.nodes()) {
      if (n.opType().equals("MatMul")) {
        assertEquals(DType.I8, back.initializers().get(producerOf(back, n.input(1)).input(0)).dtype(),
            "ONNX Runtime fuses int8 activations only with int8 weights");
        matmuls++;
      }
    }
    assertEquals(2, matmuls);
  }

  private static Node producerOf(Graph g, String value) {
    for (Node n : g.nodes()) {
      if (n.outputs().contains(value)) {
        return n;
      }
    }
    throw new AssertionError("no producer of '" + value + "'");
  }
}
