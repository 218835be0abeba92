package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Writes our own quantized recurrent ops in a form ONNX Runtime runs: each
 * {@code com.quantlens.QuantizedGRU} / {@code QuantizedLSTM} becomes the standard GRU / LSTM
 * reading its int8 weights through DequantizeLinear (per gate unit, axis 0 of a {@code
 * [num_directions * gates * hidden, k]} matrix, then Reshape to the op's layout), i.e. weight-only
 * QDQ: ONNX Runtime computes in float on the dequantized weights, and the calibrated X/H
 * parameters of the static form are dropped (standard ONNX has no way to say "quantize the hidden
 * state each step"). Below opset 13 (no DequantizeLinear axis) the dequantized weights are written
 * as float initializers. {@code com.microsoft.DynamicQuantizeLSTM} is left as it is: ONNX Runtime
 * has it. Exporters call {@link #lower} before serializing.
 */
public final class RecurrentExport {
  private RecurrentExport() {}

  /**
   * {@code g} with every LSTM/GRU that has constant float weights rewritten as the standard op
   * reading int8 weights (symmetric, per gate unit when {@code cfg} is per-channel) through
   * DequantizeLinear: the portable file form of the int8 recurrent layers of {@link Variants}.
   * Both ONNX Runtime and our session (which folds it back into an int8 layer, see {@link
   * QdqFolding}) run it. Other nodes are untouched, so this composes with a {@link Ptq} QDQ graph.
   */
  public static Graph int8Weights(Graph g, QuantConfig cfg) {
    return lower(RecurrentQuantizer.quantizeWeights(g, cfg));
  }

  /** {@code g} unchanged when it has no such node, else a lowered copy. */
  public static Graph lower(Graph g) {
    boolean any = false;
    for (Node n : g.nodes()) {
      any |= isOurs(n);
    }
    if (!any) {
      return g;
    }
    Graph out = g.copy();
    Set<String> used = new HashSet<>(out.initializers().keySet());
    for (Node n : out.nodes()) {
      used.add(n.name());
      used.addAll(n.inputs());
      used.addAll(n.outputs());
    }
    DynamicQuantizer.Namer names = new DynamicQuantizer.Namer(used);
    List<Node> nodes = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (!isOurs(n)) {
        nodes.add(n);
        continue;
      }
      boolean lstm = n.opType().equals("QuantizedLSTM");
      int ws = lstm ? 8 : 6;
      String w = weight(out, n, 1, ws, names, nodes);
      String r = weight(out, n, 2, ws + 2, names, nodes);
      List<String> ins = new ArrayList<>(List.of(n.input(0), w, r, n.input(3), n.input(4), n.input(5)));
      if (lstm) {
        ins.add(n.input(6));
        ins.add(n.input(7));
      }
      while (!ins.isEmpty() && ins.get(ins.size() - 1).isEmpty()) {
        ins.remove(ins.size() - 1);
      }
      Map<String, Attribute> attrs = new LinkedHashMap<>(n.attributes());
      attrs.remove(RecurrentQdqFolding.WEIGHT_ONLY); // the standard op's meaning already
      nodes.add(new Node(n.name(), lstm ? "LSTM" : "GRU", "", ins, n.outputs(), attrs));
    }
    out.nodes().clear();
    out.nodes().addAll(nodes);
    boolean still = false;
    for (Node n : nodes) {
      still |= n.domain().equals(OpRegistry.QUANTLENS_DOMAIN);
    }
    out.initializers().keySet().removeIf(k -> !readBy(nodes, k) && !out.isOutput(k));
    if (!still) {
      out.opsets().remove(OpRegistry.QUANTLENS_DOMAIN);
    }
    return out;
  }

  private static boolean readBy(List<Node> nodes, String name) {
    for (Node n : nodes) {
      if (n.inputs().contains(name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isOurs(Node n) {
    return n.domain().equals(OpRegistry.QUANTLENS_DOMAIN)
        && (n.opType().equals("QuantizedLSTM") || n.opType().equals("QuantizedGRU"));
  }

  /**
   * The float weight in ONNX layout {@code [d, rows, k]} from the int8 {@code [d, k, rows]} at input
   * {@code wi} with scale/zero point at {@code si, si + 1}; returns its name.
   */
  private static String weight(Graph g, Node n, int wi, int si, DynamicQuantizer.Namer names,
      List<Node> nodes) {
    Tensor q = g.initializers().get(n.input(wi));
    Tensor s = g.initializers().get(n.input(si));
    Tensor z = n.input(si + 1).isEmpty() ? null : g.initializers().get(n.input(si + 1));
    if (q == null || s == null || !n.input(si + 1).isEmpty() && z == null) {
      throw new org.quantlens.engine.QuantLensException(n.describe()
          + ": only constant quantized weights can be exported");
    }
    int d = q.dim(0);
    int k = q.dim(1);
    int rows = q.dim(2);
    boolean unsigned = q.dtype() == DType.U8;
    byte[] src = q.bytes();
    byte[] std = new byte[src.length];
    float[] scale = new float[d * rows];
    byte[] zp = new byte[d * rows];
    float[] sv = s.toFloats();
    for (int dd = 0; dd < d; dd++) {
      for (int j = 0; j < rows; j++) {
        int c = dd * rows + j;
        scale[c] = sv[s.size() == d ? dd : c];
        zp[c] = z == null ? 0 : z.bytes()[z.size() == d ? dd : c];
        for (int p = 0; p < k; p++) {
          std[c * k + p] = src[(dd * k + p) * rows + j];
        }
      }
    }
    String base = n.input(wi);
    String floatName = names.get(base + "_float");
    if (g.opset("") < 13) {
      float[] f = new float[src.length];
      for (int c = 0; c < d * rows; c++) {
        int zc = unsigned ? zp[c] & 0xff : zp[c];
        for (int p = 0; p < k; p++) {
          int v = unsigned ? std[c * k + p] & 0xff : std[c * k + p];
          f[c * k + p] = (float) (v - zc) * scale[c];
        }
      }
      g.initializers().put(floatName, Tensor.of(f, d, rows, k));
      return floatName;
    }
    DType t = unsigned ? DType.U8 : DType.I8;
    String qn = names.get(base + "_rows");
    String sn = names.get(base + "_rows_scale");
    String zn = names.get(base + "_rows_zero_point");
    String flat = names.get(base + "_rows_float");
    String shape = names.get(base + "_shape");
    g.initializers().put(qn, Tensor.wrap(t, std, d * rows, k));
    g.initializers().put(sn, Tensor.of(scale, d * rows));
    g.initializers().put(zn, Tensor.wrap(t, zp, d * rows));
    g.initializers().put(shape, Tensor.of(new long[] {d, rows, k}, 3));
    nodes.add(new Node(names.get(base + "_DequantizeLinear"), "DequantizeLinear", List.of(qn, sn, zn),
        List.of(flat), Map.of("axis", Attribute.of(0L))));
    nodes.add(new Node(names.get(base + "_Reshape"), "Reshape", List.of(flat, shape), List.of(floatName),
        Map.of()));
    return floatName;
  }
}
