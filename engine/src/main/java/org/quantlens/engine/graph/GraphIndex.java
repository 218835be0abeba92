package org.quantlens.engine.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who produces and who reads each value of a graph, computed once per pass (the graph's own
 * {@code producer}/{@code consumers} scan every node per call). Values read inside a node's
 * subgraphs (If, Loop, Scan bodies capture outer values by name) count as read by that node.
 */
final class GraphIndex {
  final Map<String, Node> producer = new HashMap<>();
  final Map<String, List<Node>> consumers = new HashMap<>();
  final Set<String> outputs = new HashSet<>();
  /** Every value name in use: inputs, outputs, initializers, node inputs and outputs. */
  final Set<String> names = new HashSet<>();

  GraphIndex(Graph g) {
    for (Node n : g.nodes()) {
      for (String o : n.outputs()) {
        if (!o.isEmpty()) {
          producer.put(o, n);
        }
      }
      for (String in : reads(n)) {
        List<Node> c = consumers.computeIfAbsent(in, k -> new ArrayList<>());
        if (!c.contains(n)) {
          c.add(n);
        }
      }
      names.addAll(n.outputs());
      names.addAll(n.inputs());
    }
    g.outputs().forEach(v -> outputs.add(v.name()));
    g.inputs().forEach(v -> names.add(v.name()));
    names.addAll(outputs);
    names.addAll(g.initializers().keySet());
  }

  /** The value names a node reads: its inputs and whatever its subgraphs read. */
  static Set<String> reads(Node n) {
    Set<String> r = new HashSet<>();
    for (String in : n.inputs()) {
      if (!in.isEmpty()) {
        r.add(in);
      }
    }
    for (Attribute a : n.attributes().values()) {
      if (a.kind() == Attribute.Kind.GRAPH) {
        subgraphReads(a.asGraph(), r);
      }
    }
    return r;
  }

  private static void subgraphReads(Graph g, Set<String> into) {
    for (Node n : g.nodes()) {
      into.addAll(reads(n));
    }
    g.outputs().forEach(v -> into.add(v.name()));
  }

  /** Nodes reading {@code value} (never null). */
  List<Node> consumersOf(String value) {
    return consumers.getOrDefault(value, List.of());
  }

  /** True when {@code value} is read by exactly {@code node} and is no graph output. */
  boolean onlyFeeds(String value, Node node) {
    List<Node> c = consumersOf(value);
    return c.size() == 1 && c.get(0) == node && !outputs.contains(value);
  }

  /** A value name starting with {@code base} that is not used yet (and is reserved now). */
  String fresh(String base) {
    String name = base;
    for (int i = 1; names.contains(name); i++) {
      name = base + "_" + i;
    }
    names.add(name);
    return name;
  }
}
