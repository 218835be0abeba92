package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * PTQ of a small CNN (Conv-Relu-MaxPool-Conv-Relu-GlobalAveragePool-Flatten-Gemm): the QDQ graph
 * has the structure the ONNX QDQ format asks for, and the folded int8 graph computes what the
 * fake-quant QDQ graph computes, to one output quantization step.
 */
class PtqCnnTest {
  /** QDQ graphs run as written (fake-quant): a session would otherwise fold them to int8 kernels. */
  private static final Session.Options SIMULATE = new Session.Options().optimize(false);

  static Graph floatGraph;
  static List<Map<String, Tensor>> calib;
  static Ptq.Result ptq;

  @BeforeAll
  static void quantize() {
    Graph plain = QuantTestModels.cnn(11, 13);
    floatGraph = QuantTestModels.centeredCnn(11, 13);
    calib = QuantTestModels.images(100, 8, 8);
    ptq = Ptq.quantize(floatGraph, Calibration.of(calib), QuantConfig.defaults());
  }

  private static Node node(Graph g, String name) {
    for (Node n : g.nodes()) {
      if (n.name().equals(name)) {
        return n;
      }
    }
    return null;
  }

  private static Node producer(Graph g, String value) {
    return g.producer(value);
  }

  @Test
  void floatGraphIsLeftUntouched() {
    Graph fresh = QuantTestModels.centeredCnn(11, 13);
    assertEquals(fresh.nodes().size(), floatGraph.nodes().size());
    assertEquals(fresh.initializers().keySet(), floatGraph.initializers().keySet());
    for (int i = 0; i < fresh.nodes().size(); i++) {
      assertEquals(fresh.nodes().get(i).toString(), floatGraph.nodes().get(i).toString());
    }
  }

  @Test
  void convWeightsArePerChannelSymmetricInt8() {
    Graph g = ptq.graph();
    Tensor wq = g.initializers().get("w1_quantized");
    assertEquals(DType.I8, wq.dtype());
    Tensor s = g.initializers().get("w1_scale");
    assertEquals(8, s.size());
    Tensor w = floatGraph.initializers().get("w1");
    int per = 27;
    for (int c = 0; c < 8; c++) {
      float absmax = 0;
      for (int i = 0; i < per; i++) {
        absmax = Math.max(absmax, Math.abs(w.floats()[c * per + i]));
      }
      assertEquals(absmax / 127f, s.floats()[c], absmax * 1e-6f, "channel " + c + " scale");
      for (int i = 0; i < per; i++) {
        float back = wq.bytes()[c * per + i] * s.floats()[c];
        assertTrue(Math.abs(back - w.floats()[c * per + i]) <= s.floats()[c] / 2 * 1.0001f);
      }
    }
    Node dq = producer(g, "w1");
    assertEquals("DequantizeLinear", dq.opType());
    assertEquals(0L, dq.attributes().get("axis").asLong());
    Node dqf = producer(g, "wf");
    assertEquals(0L, dqf.attributes().get("axis").asLong(), "Gemm transB=1: output columns are rows of B");
    assertEquals(10, g.initializers().get("wf_scale").size());
  }

  @Test
  void inputScaleComesFromTheCalibrationMinMax() {
    double lo = 0;
    double hi = 0;
    for (Map<String, Tensor> f : calib) {
      for (float v : f.get("x").floats()) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    float scale = ptq.graph().initializers().get("x_scale").floats()[0];
    assertEquals((hi - lo) / 255, scale, 1e-6 * scale);
    long zp = ptq.graph().initializers().get("x_zero_point").getLong(0);
    assertEquals(Math.rint(-lo / scale), zp);
  }

  @Test
  void biasIsInt32WithScaleInputTimesWeight() {
    Graph g = ptq.graph();
    Tensor bq = g.initializers().get("b2_quantized");
    assertEquals(DType.I32, bq.dtype());
    Tensor bs = g.initializers().get("b2_scale");
    float sIn = ptq.activations().get("p1").scale;
    Tensor ws = g.initializers().get("w2_scale");
    Tensor b = floatGraph.initializers().get("b2");
    for (int c = 0; c < 16; c++) {
      assertEquals(sIn * ws.floats()[c], bs.floats()[c], 0f, "channel " + c);
      assertEquals(Math.rint(b.floats()[c] / bs.floats()[c]), bq.ints()[c], 0.0);
    }
    Tensor bz = g.initializers().get("b2_zero_point");
    for (int c = 0; c < 16; c++) {
      assertEquals(0, bz.ints()[c]);
    }
  }

  @Test
  void reluStaysWithItsConvAndPoolingSharesItsInputParameters() {
    Graph g = ptq.graph();
    Node relu = node(g, "relu1");
    assertEquals("conv1", producer(g, relu.input(0)).name(), "no Q/DQ between conv1 and relu1");
    Node qAfterRelu = g.consumers(relu.outputs().get(0)).get(0);
    assertEquals("QuantizeLinear", qAfterRelu.opType());
    Node pool = node(g, "pool1");
    Node qAfterPool = g.consumers(pool.outputs().get(0)).get(0);
    assertEquals("QuantizeLinear", qAfterPool.opType());
    assertEquals(qAfterRelu.input(1), qAfterPool.input(1), "MaxPool output reuses the input scale");
    assertEquals(qAfterRelu.input(2), qAfterPool.input(2));
    QuantMath.Params r1 = ptq.activations().get("r1");
    assertEquals(0, r1.zeroPoint, "ReLU output range starts at 0: uint8 zero point 0");
    assertNull(ptq.activations().get("c1"), "conv1's own output is not quantized");
    assertEquals(Set.of("conv1", "relu1", "pool1", "conv2", "relu2", "gap", "flatten", "fc"), ptq.quantizedNodes());
  }

  @Test
  void foldingTurnsEveryOpIntoInt8AndTheReportNamesEveryNode() {
    QdqFolding.Result f = QdqFolding.fold(ptq.graph());
    List<String> ops = new ArrayList<>();
    for (Node n : f.graph().nodes()) {
      ops.add((n.domain().isEmpty() ? "" : n.domain() + ".") + n.opType());
    }
    assertEquals(2, ops.stream().filter("QLinearConv"::equals).count(), ops.toString());
    assertTrue(ops.contains("MaxPool") && ops.contains("Flatten") && ops.contains("com.microsoft.QGemm")
        && ops.contains("com.microsoft.QLinearGlobalAveragePool"), ops.toString());
    assertEquals(1, ops.stream().filter("QuantizeLinear"::equals).count(), "only the input is quantized in float");
    assertEquals(1, ops.stream().filter("DequantizeLinear"::equals).count(), "only the logits are dequantized");
    assertTrue(ops.stream().noneMatch(o -> o.equals("Relu") || o.equals("Conv") || o.equals("Gemm")));
    Node c1 = node(f.graph(), "conv1");
    assertEquals("Relu", c1.attributes().get("ql.activation").asString());
    Int8Report rep = f.report();
    for (Node n : ptq.graph().nodes()) {
      assertNotNull(rep.entry(n.name()), "report entry for " + n.name());
    }
    assertEquals(ptq.graph().nodes().size(), rep.entries().size());
    for (String n : List.of("conv1", "relu1", "pool1", "conv2", "relu2", "gap", "flatten", "fc")) {
      assertTrue(rep.entry(n).int8(), rep.entry(n).toString());
    }
    assertTrue(rep.entry("x_QuantizeLinear").reason().startsWith("boundary"), rep.toString());
    // read back from the folded graph alone (as inspect does for a loaded model)
    Int8Report read = Int8Report.of(f.graph());
    assertEquals(f.graph().nodes().size(), read.entries().size());
    for (String n : List.of("conv1", "pool1", "conv2", "gap", "flatten", "fc")) {
      assertTrue(read.entry(n).int8(), read.toString());
    }
    assertTrue(!read.entry("x_QuantizeLinear").int8() && !read.entry("logits_DequantizeLinear").int8());
    assertTrue(!rep.entry("logits_DequantizeLinear").int8());
  }

  @Test
  void foldedInt8MatchesFakeQuantToOneOutputStepAndTop1On2000Inputs() {
    QdqFolding.Result f = QdqFolding.fold(ptq.graph());
    float step = ptq.activations().get("logits").scale;
    int n = 0;
    int agree = 0;
    double maxSteps = 0;
    int[] classes = new int[10];
    try (Session qdq = new Session(ptq.graph(), SIMULATE); Session int8 = new Session(f.graph())) {
      for (Map<String, Tensor> feed : QuantTestModels.images(200, 40, 50)) {
        float[] a = qdq.run(feed).get("logits").floats();
        float[] b = int8.run(feed).get("logits").floats();
        QuantTestModels.classCounts(a, classes);
        for (int i = 0; i < a.length; i++) {
          maxSteps = Math.max(maxSteps, Math.abs(a[i] - b[i]) / step);
        }
        for (int r = 0; r < 50; r++) {
          n++;
          agree += QuantTestModels.argmax(a, r, 10) == QuantTestModels.argmax(b, r, 10) ? 1 : 0;
        }
      }
    }
    System.out.printf("folded int8 vs QDQ: max logit diff %.3f steps, top-1 agreement %d/%d, classes %s%n",
        maxSteps, agree, n, java.util.Arrays.toString(classes));
    assertTrue(java.util.Arrays.stream(classes).filter(c -> c >= 20).count() >= 4, "predictions too uniform");
    assertTrue(maxSteps <= 1.0001, "max logit difference " + maxSteps + " steps");
    assertTrue(agree >= 0.999 * n, "top-1 agreement " + agree + "/" + n);
  }
}
