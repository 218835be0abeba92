package org.quantlens.bench.peer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.quantlens.bench.models.BenchModel;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.quant.Calibration;
import org.quantlens.engine.quant.Ptq;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.quant.RecurrentExport;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.tensor.Tensor;

/**
 * The model file both engines load for a variant:
 * <ul>
 *   <li>{@code float}: the model as built;
 *   <li>{@code static-int8}: our calibrated QDQ model (PTQ, default config: per-channel weights),
 *       which ONNX Runtime lowers to its int8 kernels and our session folds onto ours; LSTM/GRU
 *       weights as int8 per gate unit behind DequantizeLinear ({@link RecurrentExport#int8Weights}):
 *       ONNX Runtime dequantizes them once and runs its float LSTM/GRU, our session folds them
 *       into a weight-only layer that holds the bytes and computes the same float LSTM/GRU on
 *       weights dequantized into each running thread's cache; an
 *       embedding table as int8 per row behind DequantizeLinear (Ptq does it): ONNX Runtime runs
 *       Gather(DequantizeLinear) as it is, our session as one int8 lookup (no float table);
 *   <li>{@code dynamic-int8}: our dynamically quantized graph (int8 weights, activations
 *       quantized per batch: DynamicQuantizeMatMul, ConvInteger; LSTM as
 *       com.microsoft.DynamicQuantizeLSTM, which both engines run as an int8 layer; GRU written as
 *       int8 weights behind DequantizeLinear, which both engines run as a float GRU on the
 *       dequantized weights (ours holding the bytes, as in static-int8); the embedding table int8
 *       per row, as in static-int8).
 * </ul>
 */
public final class Variant {
  /** Calibration batches (of 32): inputs from seeds other than the timed inputs'. */
  private static final int CALIB_BATCHES = 4;

  private Variant() {}

  public static Graph graph(BenchModel m, String variant) {
    switch (variant) {
      case "float":
        return m.graph();
      case "static-int8": {
        List<Map<String, Tensor>> calib = new ArrayList<>();
        for (int i = 0; i < CALIB_BATCHES; i++) {
          calib.add(m.inputs(32, 100 + i));
        }
        Graph qdq = Ptq.quantize(Ptq.prepare(m.graph()), Calibration.of(calib), QuantConfig.defaults())
            .graph();
        return RecurrentExport.int8Weights(qdq, QuantConfig.defaults());
      }
      case "dynamic-int8":
        return Variants.build(m.graph(), "dynamic-int8", null, QuantConfig.defaults());
      default:
        throw new IllegalArgumentException("variant '" + variant
            + "' not supported side by side; use float, static-int8, dynamic-int8");
    }
  }
}
