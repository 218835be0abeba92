package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which nodes of a model run in int8 and which do not, and why: one entry per node of the graph
 * the report was made for. Printed by {@code inspect} and run summaries, so nothing falls back to
 * float silently.
 */
public final class Int8Report {
  /** One node's path. */
  public static final class Entry {
    private final String node;
    private final String opType;
    private final boolean int8;
    private final String reason;

    public Entry(String node, String opType, boolean int8, String reason) {
      this.node = node;
      this.opType = opType;
      this.int8 = int8;
      this.reason = reason;
    }

    /** The node's name in the graph the report describes. */
    public String node() {
      return node;
    }

    public String opType() {
      return opType;
    }

    /** True when the node's work is done by an int8 kernel (or absorbed into one). */
    public boolean int8() {
      return int8;
    }

    /** What the node became, or why it stays float. */
    public String reason() {
      return reason;
    }

    @Override
    public String toString() {
      return node + " (" + opType + "): " + (int8 ? "int8" : "float") + " - " + reason;
    }
  }

  /** Ops that compute on integer tensors. */
  private static final java.util.Set<String> INT8_OPS = java.util.Set.of("QLinearConv", "QLinearMatMul",
      "MatMulInteger", "ConvInteger", "com.microsoft.QGemm", "com.microsoft.QLinearAdd",
      "com.microsoft.QLinearMul", "com.microsoft.QLinearGlobalAveragePool", "com.microsoft.QLinearAveragePool",
      "com.microsoft.QLinearConcat", "com.microsoft.QLinearSigmoid", "com.microsoft.QLinearLeakyRelu",
      "com.microsoft.QLinearSoftmax", "com.microsoft.DynamicQuantizeMatMul", "com.microsoft.MatMulIntegerToFloat",
      "com.microsoft.MatMulInteger16", "com.microsoft.DynamicQuantizeLSTM", "com.quantlens.QuantizedLSTM",
      "com.quantlens.QuantizedGRU", "com.quantlens.QuantizedGather");
  /** Ops that only move or select values: they run on whatever type their input has. */
  private static final java.util.Set<String> MOVERS = java.util.Set.of("MaxPool", "Reshape", "Flatten",
      "Transpose", "Squeeze", "Unsqueeze", "Identity", "Slice", "Gather", "Concat", "Split", "Pad",
      "DepthToSpace", "SpaceToDepth", "Tile", "Expand", "GlobalMaxPool");

  /** Input index of the output zero point of each QLinear op (its type is the output's). */
  private static final java.util.Map<String, Integer> OUTPUT_ZERO_POINT = java.util.Map.ofEntries(
      java.util.Map.entry("QLinearConv", 7), java.util.Map.entry("QLinearMatMul", 7),
      java.util.Map.entry("QGemm", 8), java.util.Map.entry("QLinearAdd", 7), java.util.Map.entry("QLinearMul", 7),
      java.util.Map.entry("QLinearGlobalAveragePool", 4), java.util.Map.entry("QLinearAveragePool", 4),
      java.util.Map.entry("QLinearConcat", 1), java.util.Map.entry("QLinearSigmoid", 4),
      java.util.Map.entry("QLinearLeakyRelu", 4), java.util.Map.entry("QLinearSoftmax", 4));

  private final List<Entry> entries;

  /**
   * The report of any graph, read from its ops and the element types flowing into them: integer
   * ops are int8, data-movement ops on int8/uint8 tensors are int8, QuantizeLinear /
   * DequantizeLinear / DynamicQuantizeLinear are float/int8 boundaries, everything else is float.
   * For a graph made by {@link QdqFolding}, prefer the fold's own report (it also says why).
   */
  public static Int8Report of(org.quantlens.engine.graph.Graph g) {
    java.util.Map<String, org.quantlens.engine.tensor.DType> type = new java.util.HashMap<>();
    g.initializers().forEach((k, t) -> type.put(k, t.dtype()));
    g.inputs().forEach(v -> type.put(v.name(), v.dtype()));
    List<Entry> r = new ArrayList<>();
    for (org.quantlens.engine.graph.Node n : g.topologicalOrder()) {
      String op = (n.domain().isEmpty() ? "" : n.domain() + ".") + n.opType();
      org.quantlens.engine.tensor.DType in = type.get(n.input(0));
      boolean intIn = in == org.quantlens.engine.tensor.DType.I8 || in == org.quantlens.engine.tensor.DType.U8;
      org.quantlens.engine.tensor.DType out = org.quantlens.engine.tensor.DType.F32;
      Entry e;
      if (INT8_OPS.contains(op) && RecurrentQdqFolding.isWeightOnly(n)) {
        e = new Entry(n.name(), n.opType(), false, "float compute on 8-bit weights (" + op
            + " weight_only)");
      } else if (INT8_OPS.contains(op)) {
        e = new Entry(n.name(), n.opType(), true, "int8 op " + op);
        Integer zpAt = OUTPUT_ZERO_POINT.get(n.opType());
        String zp = zpAt == null ? "" : n.input(zpAt);
        out = type.containsKey(zp) ? type.get(zp)
            : op.endsWith("Integer") ? org.quantlens.engine.tensor.DType.I32 : org.quantlens.engine.tensor.DType.F32;
      } else if (op.equals("QuantizeLinear") || op.equals("DynamicQuantizeLinear")) {
        e = new Entry(n.name(), n.opType(), false, "boundary: quantizes float '" + n.input(0) + "'");
        out = op.equals("DynamicQuantizeLinear") || n.input(2).isEmpty() || !type.containsKey(n.input(2))
            ? org.quantlens.engine.tensor.DType.U8 : type.get(n.input(2));
      } else if (op.equals("DequantizeLinear")) {
        e = new Entry(n.name(), n.opType(), false, "boundary: dequantizes '" + n.input(0) + "' to float");
      } else if (MOVERS.contains(op) && intIn) {
        e = new Entry(n.name(), n.opType(), true, "runs on the " + in + " tensor '" + n.input(0) + "'");
        out = in;
      } else {
        e = new Entry(n.name(), n.opType(), false, "float");
      }
      r.add(e);
      for (String o : n.outputs()) {
        type.put(o, out);
      }
    }
    return new Int8Report(r);
  }

  public Int8Report(List<Entry> entries) {
    this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
  }

  public List<Entry> entries() {
    return entries;
  }

  /** The entry of node {@code name}, or null. */
  public Entry entry(String name) {
    for (Entry e : entries) {
      if (e.node.equals(name)) {
        return e;
      }
    }
    return null;
  }

  /** Number of entries running int8. */
  public int int8Count() {
    int n = 0;
    for (Entry e : entries) {
      n += e.int8 ? 1 : 0;
    }
    return n;
  }

  /** One line per node, then a count. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Entry e : entries) {
      sb.append(e).append('\n');
    }
    return sb.append(int8Count()).append(" of ").append(entries.size()).append(" nodes int8\n").toString();
  }
}
