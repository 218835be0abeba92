package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Embedding tables in int8: the float constant a Gather (axis 0) reads becomes a symmetric int8
 * table with one scale per row (per tensor when per-channel is off or the opset is below 13),
 * read through {@code DequantizeLinear(axis 0)} whose output keeps the table's name, so the
 * Gather is unchanged and ONNX Runtime runs the file as it is. Our session folds the pair into
 * {@code com.quantlens.QuantizedGather} ({@link QdqFolding}), which dequantizes only the rows it
 * gathers: the float table never exists. Used by the static and dynamic int8 variants; an
 * embedding is often most of a text model's bytes.
 *
 * <p>A table is converted only when every reader is such a Gather (not kept in float by
 * configuration) and it is neither a graph input nor a graph output.
 */
final class EmbeddingTables {
  private EmbeddingTables() {}

  /**
   * Converts every eligible table of {@code g} in place; returns the names of the Gather nodes
   * that now read an int8 table.
   */
  static Set<String> quantize(Graph g, QuantConfig cfg) {
    Set<String> gathers = new LinkedHashSet<>();
    if (g.opset("") < 10) {
      return gathers; // no DequantizeLinear before opset 10
    }
    Map<String, List<Node>> readers = Ptq.consumers(g);
    Set<String> used = names(g);
    boolean perRow = cfg.perChannel() && g.opset("") >= 13;
    List<Node> added = new ArrayList<>();
    for (String table : new ArrayList<>(g.initializers().keySet())) {
      List<Node> rs = readers.getOrDefault(table, List.of());
      if (!eligible(g, table, rs, cfg)) {
        continue;
      }
      added.add(convert(g, table, perRow, cfg.weightRange(8), used));
      rs.forEach(n -> gathers.add(n.name()));
    }
    g.nodes().addAll(added);
    return gathers;
  }

  private static boolean eligible(Graph g, String table, List<Node> readers, QuantConfig cfg) {
    Tensor t = g.initializers().get(table);
    if (t.dtype() != DType.F32 || t.rank() < 2 || t.size() == 0 || readers.isEmpty()
        || g.isOutput(table) || g.inputs().stream().anyMatch(v -> v.name().equals(table))) {
      return false;
    }
    for (Node n : readers) {
      boolean gather = n.domain().isEmpty() && n.opType().equals("Gather") && n.inputs().size() == 2
          && n.input(0).equals(table) && !n.input(1).equals(table);
      long axis = gather ? Ptq.attrLong(n, "axis", 0) : -1;
      if (!gather || axis != 0 && axis != -t.rank() || cfg.keepFloat().contains(n.name())) {
        return false;
      }
    }
    return true;
  }

  /** Replaces {@code table} by its int8 form; returns the DequantizeLinear that restores its name. */
  private static Node convert(Graph g, String table, boolean perRow, QuantMath.IntRange wr, Set<String> used) {
    Tensor t = g.initializers().remove(table);
    int axis = perRow ? 0 : -1;
    QuantMath.Params[] p = QuantMath.perAxisParams(t, axis, wr, true);
    float[] x = t.toFloats();
    int inner = x.length / t.dim(0);
    byte[] q = new byte[x.length];
    float[] scales = new float[p.length];
    for (int r = 0; r < p.length; r++) {
      scales[r] = p[r].scale;
    }
    for (int i = 0; i < x.length; i++) {
      QuantMath.Params c = p[perRow ? i / inner : 0];
      q[i] = (byte) QuantMath.quantize(x[i], c.scale, c.zeroPoint, wr);
    }
    String qn = unique(table + "_quantized", used);
    String sn = unique(table + "_scale", used);
    g.initializers().put(qn, Tensor.wrap(DType.I8, q, t.shape()));
    g.initializers().put(sn, perRow ? Tensor.of(scales, scales.length) : Tensor.of(scales));
    g.valueInfo().put(table, new Value(table, DType.F32, t.shape(), null));
    // no zero point: symmetric, and an omitted one is 0 of the data's type (one byte per row less)
    return new Node(unique(table + "_DequantizeLinear", used), "DequantizeLinear", List.of(qn, sn),
        List.of(table), perRow ? Map.of("axis", Attribute.of(0L)) : Map.of());
  }

  private static Set<String> names(Graph g) {
    Set<String> used = new HashSet<>(g.initializers().keySet());
    for (Node n : g.nodes()) {
      used.add(n.name());
      used.addAll(n.inputs());
      used.addAll(n.outputs());
    }
    g.inputs().forEach(v -> used.add(v.name()));
    g.outputs().forEach(v -> used.add(v.name()));
    return used;
  }

  private static String unique(String base, Set<String> used) {
    String n = base;
    for (int i = 1; used.contains(n); i++) {
      n = base + "_" + i;
    }
    used.add(n);
    return n;
  }
}
