package org.quantlens.study.run;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.quant.QuantMath;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.study.analysis.LayerError;

/**
 * Which layer's quantization causes disagreements: runs the float and the quantized graph (without
 * graph passes, so value names stay the graph's) on a sample of agreeing and disagreeing inputs,
 * records every intermediate value, matches them by tensor name (as ONNX Runtime's
 * {@code qdq_loss_debug} and PyTorch's Numeric Suite do) and aggregates SQNR, cosine and max abs
 * error over each group. An int8 value {@code t_quantized} of a static-int8 graph is dequantized
 * with the calibrated parameters of {@code t} and compared with the float {@code t}.
 */
final class LayerwiseError {
  private LayerwiseError() {}

  /**
   * @param inputs the sampled inputs, laid out for the model, agreements and disagreements together
   * @param disagree per sampled input, whether it is a disagreement
   */
  static List<StudyResults.Layer> compare(String model, String variant, String set, Graph floatGraph,
      Variants.Built built, String inputName, Tensor inputs, boolean[] disagree) {
    Map<String, Tensor> f = record(floatGraph, inputName, inputs);
    Map<String, Tensor> q = record(built.graph(), inputName, inputs);
    Map<String, QuantMath.Params> params = built.ptq() == null ? Map.of() : built.ptq().activations();
    int n = inputs.dim(0);
    List<StudyResults.Layer> out = new ArrayList<>();
    for (Node node : floatGraph.topologicalOrder()) {
      for (String t : node.outputs()) {
        Tensor ref = f.get(t);
        if (t.isEmpty() || ref == null || ref.dtype() != DType.F32 || ref.rank() == 0 || ref.dim(0) != n) {
          continue;
        }
        float[] other = matching(q, t, ref.size(), params);
        if (other == null) {
          continue;
        }
        out.add(new StudyResults.Layer(model, variant, set, t, node.opType(),
            group(ref.floats(), other, n, disagree, false), group(ref.floats(), other, n, disagree, true)));
      }
    }
    return out;
  }

  /** The quantized run's value for float tensor {@code t}, as float, or null when it has none. */
  private static float[] matching(Map<String, Tensor> q, String t, int size, Map<String, QuantMath.Params> params) {
    Tensor same = q.get(t);
    if (same != null && same.dtype() == DType.F32 && same.size() == size) {
      return same.floats();
    }
    Tensor iq = q.get(t + "_quantized");
    QuantMath.Params p = params.get(t);
    if (iq != null && p != null && iq.size() == size && (iq.dtype() == DType.I8 || iq.dtype() == DType.U8)) {
      float[] x = new float[size];
      for (int i = 0; i < size; i++) {
        x[i] = p.scale * (iq.getLong(i) - p.zeroPoint);
      }
      return x;
    }
    return null;
  }

  /** The error over the rows of one group (rows concatenated), or null when the group is empty. */
  private static LayerError group(float[] ref, float[] other, int n, boolean[] disagree, boolean which) {
    int per = ref.length / n;
    int rows = 0;
    for (boolean d : disagree) {
      rows += d == which ? 1 : 0;
    }
    if (rows == 0) {
      return null;
    }
    float[] a = new float[rows * per];
    float[] b = new float[rows * per];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (disagree[i] == which) {
        System.arraycopy(ref, i * per, a, k * per, per);
        System.arraycopy(other, i * per, b, k * per, per);
        k++;
      }
    }
    return LayerError.between(a, b, 0, a.length);
  }

  private static Map<String, Tensor> record(Graph g, String input, Tensor x) {
    Map<String, Tensor> seen = new HashMap<>();
    try (Session s = new Session(g, new Session.Options().threads(1).optimize(false)
        .observer((name, value) -> seen.put(name, value)))) {
      s.run(Map.of(input, x));
    }
    return seen;
  }
}
