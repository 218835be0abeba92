package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;

/**
 * Every variant of the small CNN runs and stays close to float. Bounds are on the largest logit
 * difference relative to the largest float logit magnitude over 400 inputs, and on top-1
 * agreement with float; the measured values are printed.
 */
class VariantsTest {
  /** QDQ graphs run as written (fake-quant): a session would otherwise fold them to int8 kernels. */
  private static final Session.Options SIMULATE = new Session.Options().optimize(false);

  static Graph floatGraph;
  static List<Map<String, Tensor>> calib;
  static List<Map<String, Tensor>> test;

  @BeforeAll
  static void setUp() {
    Graph plain = QuantTestModels.cnn(21, 13);
    floatGraph = QuantTestModels.centeredCnn(21, 13);
    calib = QuantTestModels.images(300, 16, 16);
    test = QuantTestModels.images(301, 8, 50);
  }

  /** {max |q - f| / max |f|, top-1 agreement, mean |q - f| / mean |f|}. */
  private static double[] compare(Graph q) {
    double maxDiff = 0;
    double maxAbs = 0;
    double sumDiff = 0;
    double sumAbs = 0;
    int agree = 0;
    int n = 0;
    int[] classes = new int[10];
    try (Session fs = new Session(floatGraph); Session qs = new Session(q)) {
      for (Map<String, Tensor> feed : test) {
        float[] a = fs.run(feed).get("logits").floats();
        float[] b = qs.run(feed).get("logits").floats();
        QuantTestModels.classCounts(a, classes);
        for (int i = 0; i < a.length; i++) {
          assertTrue(Float.isFinite(b[i]));
          maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
          maxAbs = Math.max(maxAbs, Math.abs(a[i]));
          sumDiff += Math.abs(a[i] - b[i]);
          sumAbs += Math.abs(a[i]);
        }
        for (int r = 0; r < a.length / 10; r++) {
          n++;
          agree += QuantTestModels.argmax(a, r, 10) == QuantTestModels.argmax(b, r, 10) ? 1 : 0;
        }
      }
    }
    int used = 0;
    for (int c : classes) {
      used += c >= n / 50 ? 1 : 0;
    }
    assertTrue(used >= 4, "float predictions use too few classes to test top-1: " + java.util.Arrays.toString(classes));
    return new double[] {maxDiff / maxAbs, (double) agree / n, sumDiff / sumAbs};
  }

  private static void check(String variant, double maxRel, double meanRel, double minAgree) {
    check(variant, calib, maxRel, meanRel, minAgree);
  }

  private static void check(String variant, List<Map<String, Tensor>> calibration, double maxRel,
      double meanRel, double minAgree) {
    Variants.Built b = Variants.buildVariant(floatGraph, variant, Calibration.of(calibration), QuantConfig.defaults());
    double[] c = compare(b.graph());
    System.out.printf("%-13s max |logit diff| / max |logit| = %.5f, mean |diff| / mean |logit| = %.5f,"
        + " top-1 agreement %.4f%n", variant, c[0], c[2], c[1]);
    assertTrue(c[0] <= maxRel, variant + ": relative logit difference " + c[0] + " > " + maxRel);
    assertTrue(c[1] >= minAgree, variant + ": top-1 agreement " + c[1] + " < " + minAgree);
    assertTrue(c[2] <= meanRel, variant + ": mean relative difference " + c[2] + " > " + meanRel);
    assertEquals(floatGraph.nodes().size(), 8, "float graph untouched");
  }

  @Test
  void fp16StaysWithinHalfPrecision() {
    check("fp16", 2e-3, 3e-3, 0.99);
  }

  @Test
  void weightInt8StaysClose() {
    check("weight-int8", 0.03, 0.04, 0.98);
  }

  @Test
  void dynamicInt8StaysClose() {
    check("dynamic-int8", 0.05, 0.05, 0.98);
  }

  @Test
  void staticInt8StaysClose() {
    // The largest differences are test logits beyond the range calibrated on other images (the
    // output is clipped there); the mean difference is the quantization noise.
    check("static-int8", 0.3, 0.06, 0.95);
  }

  @Test
  void fakeVariantsLoseAccuracyAsBitsShrink() {
    // Calibrated on held-out data, the largest differences come from test values beyond the
    // calibrated ranges (clipping), whatever the width; calibrated on the test data itself, 16 bits
    // is float to rounding noise.
    List<Map<String, Tensor>> all = new java.util.ArrayList<>(calib);
    all.addAll(test);
    check("fake-16", all, 1e-3, 1e-3, 0.99);
    check("fake-8", 0.3, 0.06, 0.95);
    check("fake-4", 1.0, 1.0, 0.5);
  }

  @Test
  void fake8IsBitIdenticalToTheQdqGraph() {
    Graph qdq = Ptq.quantize(floatGraph, Calibration.of(calib), QuantConfig.defaults()).graph();
    Graph fake = Variants.build(floatGraph, "fake-8", Calibration.of(calib), QuantConfig.defaults());
    try (Session a = new Session(qdq, SIMULATE); Session b = new Session(fake)) {
      for (Map<String, Tensor> feed : test.subList(0, 3)) {
        float[] x = a.run(feed).get("logits").floats();
        float[] y = b.run(feed).get("logits").floats();
        for (int i = 0; i < x.length; i++) {
          assertEquals(x[i], y[i], 0f, "logit " + i); // equal values (0.0 and -0.0 may differ in sign)
        }
      }
    }
  }

  @Test
  void everyCalibrationMethodGivesAWorkingStaticInt8Model() {
    for (QuantConfig.Method m : QuantConfig.Method.values()) {
      QuantConfig cfg = QuantConfig.defaults().withMethod(m);
      Graph q = Variants.build(floatGraph, "static-int8", Calibration.of(calib), cfg);
      double[] c = compare(q);
      System.out.printf("static-int8 %-22s max rel diff %.4f, top-1 agreement %.4f%n", m, c[0], c[1]);
      assertTrue(c[1] >= 0.93, m + ": top-1 agreement " + c[1]);
    }
  }

  @Test
  void int8ActivationsAndReducedRangeAlsoWork() {
    QuantConfig cfg = QuantConfig.defaults().withActivationType(org.quantlens.engine.tensor.DType.I8)
        .withActivationSymmetric(true).withReduceRange(true).withPerChannel(false);
    double[] c = compare(Variants.build(floatGraph, "static-int8", Calibration.of(calib), cfg));
    System.out.printf("static-int8 int8 symmetric reduce-range per-tensor: max rel diff %.4f, top-1 %.4f%n", c[0], c[1]);
    assertTrue(c[1] >= 0.9);
  }

  @Test
  void keepFloatNodesStayFloatAndTheReportSaysSo() {
    QuantConfig cfg = QuantConfig.defaults().withKeepFloat(Set.of("fc"));
    Variants.Built b = Variants.buildVariant(floatGraph, "static-int8", Calibration.of(calib), cfg);
    assertTrue(b.graph().nodes().stream().anyMatch(n -> n.opType().equals("Gemm") && n.name().equals("fc")));
    Int8Report.Entry e = b.report().entry("fc");
    assertTrue(!e.int8() && e.reason().contains("kept in float"), e.toString());
    assertTrue(b.report().entry("conv2").int8());
    double[] c = compare(b.graph());
    assertTrue(c[1] >= 0.9);
  }

  @Test
  void dynamicReportListsConvertedAndFloatNodes() {
    Variants.Built b = Variants.buildVariant(floatGraph, "dynamic-int8", null, QuantConfig.defaults());
    for (String n : List.of("conv1", "conv2", "fc")) {
      assertTrue(b.report().entry(n).int8(), b.report().toString());
    }
    assertTrue(!b.report().entry("relu1").int8());
    assertEquals(floatGraph.nodes().size(), b.report().entries().size());
    assertTrue(b.graph().nodes().stream().map(Node::opType).anyMatch("DynamicQuantizeMatMul"::equals));
  }

  @Test
  void batchNormalizationIsFoldedIntoTheConvBeforeQuantization() {
    Graph g = floatGraph.copy();
    java.util.Random rnd = new java.util.Random(5);
    g.initializers().put("bn_scale", QuantTestModels.gaussian(rnd, 0.2, 8));
    for (int i = 0; i < 8; i++) {
      g.initializers().get("bn_scale").floats()[i] += 1f;
    }
    g.initializers().put("bn_bias", QuantTestModels.gaussian(rnd, 0.1, 8));
    g.initializers().put("bn_mean", QuantTestModels.gaussian(rnd, 0.1, 8));
    Tensor var = QuantTestModels.gaussian(rnd, 0.1, 8);
    for (int i = 0; i < 8; i++) {
      var.floats()[i] = 1f + Math.abs(var.floats()[i]);
    }
    g.initializers().put("bn_var", var);
    List<Node> nodes = new java.util.ArrayList<>();
    for (Node n : g.nodes()) {
      if (n.name().equals("relu1")) {
        nodes.add(new Node("bn", "BatchNormalization", List.of("c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"),
            List.of("c1n"), Map.of()));
        n = n.withIO(List.of("c1n"), n.outputs());
      }
      nodes.add(n);
    }
    g.nodes().clear();
    g.nodes().addAll(nodes);
    Variants.Built b = Variants.buildVariant(g, "static-int8", Calibration.of(calib), QuantConfig.defaults());
    assertTrue(b.report().entry("bn") == null && b.report().entry("conv1").int8(), b.report().toString());
    try (Session fs = new Session(g); Session qs = new Session(b.graph())) {
      int agree = 0;
      int n = 0;
      for (Map<String, Tensor> feed : test) {
        float[] x = fs.run(feed).get("logits").floats();
        float[] y = qs.run(feed).get("logits").floats();
        for (int r = 0; r < x.length / 10; r++, n++) {
          agree += QuantTestModels.argmax(x, r, 10) == QuantTestModels.argmax(y, r, 10) ? 1 : 0;
        }
      }
      assertTrue(agree >= 0.95 * n, "top-1 agreement " + agree + "/" + n);
    }
  }

  @Test
  void unknownVariantListsTheValidOnes() {
    for (String bad : List.of("int4", "fake-1", "fake-17", "fake-x", "")) {
      UnknownVariantException e = assertThrows(UnknownVariantException.class,
          () -> Variants.build(floatGraph, bad, Calibration.of(calib), null));
      assertTrue(e.getMessage().contains("static-int8") && e.getMessage().contains("fake-N"), e.getMessage());
    }
  }

  @Test
  void calibratedVariantsNeedCalibrationData() {
    QuantLensException e = assertThrows(QuantLensException.class,
        () -> Variants.build(floatGraph, "static-int8", null, null));
    assertTrue(e.getMessage().contains("calibration"));
  }
}
