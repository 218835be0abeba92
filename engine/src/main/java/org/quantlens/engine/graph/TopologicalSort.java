package org.quantlens.engine.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.ModelLoadException;

/** Kahn's algorithm over value names; iterative, so deep graphs cannot overflow the stack. */
final class TopologicalSort {
  private TopologicalSort() {}

  static List<Node> sort(Graph g, Set<String> outerScope) {
    Set<String> available = new HashSet<>(outerScope);
    available.add("");
    available.addAll(g.initializers().keySet());
    g.inputs().forEach(v -> available.add(v.name()));

    Map<String, Integer> producerOf = new HashMap<>();
    List<Node> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      for (String o : nodes.get(i).outputs()) {
        if (o.isEmpty()) {
          continue;
        }
        if (producerOf.put(o, i) != null || available.contains(o) && !outerScope.contains(o)) {
          throw new ModelLoadException("value '" + o + "' is produced twice (by "
              + nodes.get(i).describe() + " and another node or an initializer/input)");
        }
      }
    }
    int[] missing = new int[nodes.size()];
    Map<String, List<Integer>> waiting = new HashMap<>();
    ArrayDeque<Integer> ready = new ArrayDeque<>();
    for (int i = 0; i < nodes.size(); i++) {
      Set<String> needs = new HashSet<>();
      for (String in : nodes.get(i).inputs()) {
        if (producerOf.containsKey(in)) {
          needs.add(in);
        } else if (!available.contains(in)) {
          throw new ModelLoadException(nodes.get(i).describe() + " reads '" + in
              + "', which is no graph input, initializer or node output");
        }
      }
      missing[i] = needs.size();
      for (String in : needs) {
        waiting.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
      }
      if (needs.isEmpty()) {
        ready.add(i);
      }
    }
    List<Node> order = new ArrayList<>(nodes.size());
    while (!ready.isEmpty()) {
      Node n = nodes.get(ready.poll());
      order.add(n);
      for (String o : n.outputs()) {
        for (int c : waiting.getOrDefault(o, List.of())) {
          if (--missing[c] == 0) {
            ready.add(c);
          }
        }
      }
    }
    if (order.size() != nodes.size()) {
      for (int i = 0; i < nodes.size(); i++) {
        if (missing[i] > 0) {
          throw new ModelLoadException("the graph has a cycle through " + nodes.get(i).describe());
        }
      }
    }
    return order;
  }
}
