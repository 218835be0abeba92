package org.quantlens.engine.graph;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Removes nodes none of whose outputs reach a graph output, initializers nobody reads, and type
 * information of values that no longer exist. Graph inputs stay, even unused: callers feed them.
 */
public final class DeadCodeElimination {
  private DeadCodeElimination() {}

  /** Cleans {@code g} in place; returns the number of nodes removed. */
  public static int run(Graph g) {
    Map<String, Node> producer = new HashMap<>();
    for (Node n : g.nodes()) {
      for (String o : n.outputs()) {
        if (!o.isEmpty()) {
          producer.put(o, n);
        }
      }
    }
    Set<String> live = new HashSet<>();
    Set<Node> keep = new HashSet<>();
    ArrayDeque<String> work = new ArrayDeque<>();
    g.outputs().forEach(v -> work.add(v.name()));
    while (!work.isEmpty()) {
      String v = work.poll();
      if (!live.add(v)) {
        continue;
      }
      Node p = producer.get(v);
      if (p != null && keep.add(p)) {
        work.addAll(GraphIndex.reads(p));
      }
    }
    int before = g.nodes().size();
    g.nodes().removeIf(n -> !keep.contains(n));
    g.initializers().keySet().removeIf(name -> !live.contains(name));
    Set<String> exists = new HashSet<>(live);
    for (Node n : g.nodes()) {
      exists.addAll(n.outputs());
    }
    g.valueInfo().keySet().removeIf(name -> !exists.contains(name));
    return before - g.nodes().size();
  }
}
