package org.quantlens.bench.peer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.quantlens.bench.models.BenchModel;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.quant.Calibration;
import org.quantlens.engine.quant.Ptq;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.tensor.Tensor;

/**
 * The model file both engines load for a variant:
 * <ul>
 *   <li>{@code float}: the model as built;
 *   <li>{@code static-int8}: our calibrated QDQ model (PTQ, default config: per-channel weights),
 *       which ONNX Runtime lowers to its int8 kernels and our session folds onto ours;
 *   <li>{@code dynamic-int8}: our dynamically quantized graph (int8 weights, activations
 *       quantized per batch: DynamicQuantizeMatMul, ConvInteger; LSTM/GRU stay float), which
 *       ONNX Runtime runs with its own kernels for those ops.
 * </ul>
 */
final class Variant {
  /** Calibration batches (of 32): inputs from seeds other than the timed inputs'. */
  private static final int CALIB_BATCHES = 4;

  private Variant() {}

  static Graph graph(BenchModel m, String variant) {
    switch (variant) {
      case "float":
        return m.graph();
      case "static-int8": {
        List<Map<String, Tensor>> calib = new ArrayList<>();
        for (int i = 0; i < CALIB_BATCHES; i++) {
          calib.add(m.inputs(32, 100 + i));
        }
        return Ptq.quantize(Ptq.prepare(m.graph()), Calibration.of(calib), QuantConfig.defaults())
            .graph();
      }
      case "dynamic-int8":
        return Variants.build(m.graph(), "dynamic-int8", null, QuantConfig.defaults());
      default:
        throw new IllegalArgumentException("variant '" + variant
            + "' not supported side by side; use float, static-int8, dynamic-int8");
    }
  }
}
