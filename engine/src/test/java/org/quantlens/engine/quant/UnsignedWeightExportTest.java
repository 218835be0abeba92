package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * The uint8 weight form written for ONNX Runtime is the same model: its dequantized weights equal
 * the int8 ones (QDQ semantics run unfolded give identical outputs), and {@link QdqFolding} folds it
 * onto the same int8 weights (identical int8-path outputs).
 */
class UnsignedWeightExportTest {
  private static Ptq.Result ptq(QuantConfig cfg) {
    return Ptq.quantize(QuantTestModels.centeredCnn(3, 13), Calibration.of(QuantTestModels.images(4, 4, 8)),
        cfg);
  }

  private static float[] run(Graph g, boolean optimize) {
    try (Session s = new Session(g, new Session.Options().optimize(optimize))) {
      return s.run(QuantTestModels.images(5, 1, 20).get(0)).get("logits").floats();
    }
  }

  /** The weight tensor read by the DequantizeLinear feeding input 1 of node {@code name}. */
  private static Node weightDq(Graph g, String name) {
    Node n = g.nodes().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
    return g.nodes().stream().filter(x -> x.outputs().contains(n.input(1))).findFirst().orElseThrow();
  }

  @Test
  void uint8WeightsDequantizeToTheSameValuesAndFoldToTheSameInt8Path() {
    Ptq.Result p = ptq(QuantConfig.defaults());
    Graph u = UnsignedWeightExport.lower(p.graph());
    for (String name : List.of("conv1", "conv2", "fc")) {
      Node dq = weightDq(u, name);
      Tensor q = u.initializers().get(dq.input(0));
      Tensor z = u.initializers().get(dq.input(2));
      Tensor s8 = p.graph().initializers().get(weightDq(p.graph(), name).input(0));
      assertEquals(DType.U8, q.dtype(), name);
      assertEquals(DType.U8, z.dtype(), name);
      for (int i = 0; i < z.size(); i++) {
        assertEquals(128, z.getLong(i), name + " zero point");
      }
      for (int i = 0; i < q.size(); i++) {
        assertEquals(s8.getLong(i) + 128, q.getLong(i), name + " element " + i);
      }
    }
    assertEquals(DType.I8, p.graph().initializers().get(weightDq(p.graph(), "conv1").input(0)).dtype(),
        "the source graph is not changed");
    assertArrayEquals(run(p.graph(), false), run(u, false), "QDQ semantics (fake quantization)");
    assertArrayEquals(run(p.graph(), true), run(u, true), "int8 kernels");
    QdqFolding.Result folded = QdqFolding.fold(u);
    for (Node n : folded.graph().nodes()) {
      if (n.opType().equals("QLinearConv") || n.opType().equals("QGemm")) {
        assertEquals(DType.I8, folded.graph().initializers().get(n.input(3)).dtype(), n.name());
      }
    }
    assertTrue(folded.report().entry("conv1").int8() && folded.report().entry("fc").int8(),
        folded.report().toString());
  }

  @Test
  void int8ActivationsAndFloatGraphsAreLeftAlone() {
    Ptq.Result p = ptq(QuantConfig.defaults().withActivationType(DType.I8));
    assertSame(p.graph(), UnsignedWeightExport.lower(p.graph()));
    Graph f = QuantTestModels.cnn(3, 13);
    assertSame(f, UnsignedWeightExport.lower(f));
  }

  @Test
  void uint8WeightsWithAnotherZeroPointRunTheSameOnTheInt8Path() {
    Graph u = UnsignedWeightExport.lower(ptq(QuantConfig.defaults()).graph());
    Node dq = weightDq(u, "conv2");
    // the same real values with zero point 127: q' = q - 1 (symmetric int8 codes are -127..127)
    Tensor q = u.initializers().get(dq.input(0));
    byte[] shifted = new byte[q.size()];
    for (int i = 0; i < shifted.length; i++) {
      long v = q.getLong(i) - 1;
      assertTrue(v >= 0, "test premise: code " + v);
      shifted[i] = (byte) v;
    }
    Graph moved = u.copy();
    moved.initializers().put(dq.input(0), Tensor.wrap(DType.U8, shifted, q.shape()));
    Tensor z = Tensor.zeros(DType.U8, 16);
    for (int i = 0; i < 16; i++) {
      z.setLong(i, 127);
    }
    moved.initializers().put(dq.input(2), z);
    assertArrayEquals(run(u, false), run(moved, false), "same dequantized weights");
    assertArrayEquals(run(u, true), run(moved, true), "folded with zero point 127 (no int8 rewrite)");
  }
}
