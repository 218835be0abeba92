package org.quantlens.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** The calibration driver: what it observes, and how it refuses bad calibration data. */
class CalibratorTest {
  private Graph g;

  @BeforeEach
  void graph() {
    g = new Graph("relu");
    g.opsets().put("", 13);
    g.inputs().add(new Value("x", DType.F32, -1, 3));
    g.nodes().add(new Node("relu", "Relu", List.of("x"), List.of("y"), Map.of()));
    g.outputs().add(new Value("y", DType.F32, -1, 3));
  }

  private static Map<String, Tensor> feed(float... v) {
    return Map.of("x", Tensor.of(v, v.length / 3, 3));
  }

  @Test
  void observesInputsAndIntermediatesByGraphName() {
    List<Map<String, Tensor>> data = List.of(feed(-1, 2, 3), feed(4, -5, 0.5f, 1, 1, 1));
    Map<String, double[]> r = Calibrator.ranges(g, Calibration.of(data), QuantConfig.defaults(), 8, List.of("x", "y"));
    assertArrayEquals(new double[] {-5, 4}, r.get("x"));
    assertArrayEquals(new double[] {0, 4}, r.get("y"));
  }

  @Test
  void iteratorOfBatchesIsReadOnce() {
    List<Map<String, Tensor>> data = List.of(feed(-1, 2, 3), feed(4, -5, 0.5f));
    Calibration c = Calibration.of(data.iterator());
    Map<String, double[]> r = Calibrator.ranges(g, c, QuantConfig.defaults(), 8, List.of("y"));
    assertArrayEquals(new double[] {0, 4}, r.get("y"));
    QuantLensException e = assertThrows(QuantLensException.class,
        () -> Calibrator.ranges(g, c, QuantConfig.defaults(), 8, List.of("y")));
    assertTrue(e.getMessage().contains("already used"), e.getMessage());
  }

  @Test
  void nanOrInfinityNamesTheTensorAndTheSample() {
    List<Map<String, Tensor>> data = new ArrayList<>(List.of(feed(1, 2, 3), feed(1, 2, 3), feed(1, Float.NaN, 3)));
    QuantLensException e = assertThrows(QuantLensException.class,
        () -> Calibrator.ranges(g, Calibration.of(data), QuantConfig.defaults(), 8, List.of("x", "y")));
    assertTrue(e.getMessage().contains("sample 2") && e.getMessage().contains("'x'") && e.getMessage().contains("NaN"),
        e.getMessage());
    data.set(2, feed(1, 2, Float.POSITIVE_INFINITY));
    QuantLensException inf = assertThrows(QuantLensException.class,
        () -> Calibrator.ranges(g, Calibration.of(data), QuantConfig.defaults(), 8, List.of("y")));
    assertTrue(inf.getMessage().contains("sample 2") && inf.getMessage().contains("'y'")
        && inf.getMessage().contains("Infinity"), inf.getMessage());
  }

  @Test
  void emptyCalibrationSetIsAnError() {
    QuantLensException e = assertThrows(QuantLensException.class,
        () -> Calibrator.ranges(g, Calibration.of(List.of()), QuantConfig.defaults(), 8, List.of("y")));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
    assertThrows(QuantLensException.class,
        () -> Ptq.quantize(g, Calibration.of(new ArrayList<Map<String, Tensor>>().iterator()), QuantConfig.defaults()));
  }

  @Test
  void aTensorNeverComputedIsNamed() {
    QuantLensException e = assertThrows(QuantLensException.class,
        () -> Calibrator.ranges(g, Calibration.of(List.of(feed(1, 2, 3))), QuantConfig.defaults(), 8, List.of("nope")));
    assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
  }

  @Test
  void methodNamesParse() {
    assertTrue(QuantConfig.Method.parse("entropy") == QuantConfig.Method.ENTROPY
        && QuantConfig.Method.parse("MSE") == QuantConfig.Method.MSE
        && QuantConfig.Method.parse("moving-average") == QuantConfig.Method.MOVING_AVERAGE_MINMAX);
    assertThrows(QuantLensException.class, () -> QuantConfig.Method.parse("kmeans"));
  }
}
