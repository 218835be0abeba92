package org.quantlens.engine.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.tensor.Tensor;

/**
 * A computation graph: nodes (in any order; {@link #topologicalOrder()} sorts them), constant
 * initializers, declared inputs and outputs, known intermediate value types, and the opset version
 * of each operator domain ("" is the default ONNX domain). Mutable: passes rewrite it in place;
 * {@link #copy()} first when the original must be kept.
 */
public final class Graph {
  private String name;
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, Tensor> initializers = new LinkedHashMap<>();
  private final List<Value> inputs = new ArrayList<>();
  private final List<Value> outputs = new ArrayList<>();
  private final Map<String, Value> valueInfo = new LinkedHashMap<>();
  private final Map<String, Integer> opsets = new LinkedHashMap<>();

  public Graph(String name) {
    this.name = name == null ? "" : name;
  }

  public String name() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  /** The nodes, mutable. */
  public List<Node> nodes() {
    return nodes;
  }

  /** Constant tensors by value name, mutable. */
  public Map<String, Tensor> initializers() {
    return initializers;
  }

  /** Graph inputs that are fed at run time (initializers excluded), mutable. */
  public List<Value> inputs() {
    return inputs;
  }

  /** Graph outputs, mutable. */
  public List<Value> outputs() {
    return outputs;
  }

  /** Known types of intermediate values by name, mutable. */
  public Map<String, Value> valueInfo() {
    return valueInfo;
  }

  /** Opset version per domain, mutable. */
  public Map<String, Integer> opsets() {
    return opsets;
  }

  /** The opset version of {@code domain}, or the default domain's when the domain is not listed. */
  public int opset(String domain) {
    Integer v = opsets.get(domain == null ? "" : domain);
    if (v == null) {
      v = opsets.get("");
    }
    return v == null ? 0 : v;
  }

  /** What is known about value {@code name}: input, output or intermediate, or null. */
  public Value value(String name) {
    for (Value v : inputs) {
      if (v.name().equals(name)) {
        return v;
      }
    }
    Value v = valueInfo.get(name);
    if (v != null) {
      return v;
    }
    for (Value o : outputs) {
      if (o.name().equals(name)) {
        return o;
      }
    }
    return null;
  }

  /** The node producing {@code valueName}, or null for inputs and initializers. */
  public Node producer(String valueName) {
    for (Node n : nodes) {
      if (n.outputs().contains(valueName)) {
        return n;
      }
    }
    return null;
  }

  /** Nodes reading {@code valueName}. */
  public List<Node> consumers(String valueName) {
    List<Node> r = new ArrayList<>();
    for (Node n : nodes) {
      if (n.inputs().contains(valueName)) {
        r.add(n);
      }
    }
    return r;
  }

  /** True if {@code valueName} is a graph output. */
  public boolean isOutput(String valueName) {
    for (Value o : outputs) {
      if (o.name().equals(valueName)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Nodes in an order where every node follows the producers of its inputs. Values not produced by
   * a node must be graph inputs, initializers or names in {@code outerScope} (for subgraphs).
   *
   * @throws org.quantlens.engine.ModelLoadException on a cycle or an input nobody produces
   */
  public List<Node> topologicalOrder(java.util.Set<String> outerScope) {
    return TopologicalSort.sort(this, outerScope);
  }

  /** {@link #topologicalOrder(java.util.Set)} with no outer scope. */
  public List<Node> topologicalOrder() {
    return TopologicalSort.sort(this, java.util.Set.of());
  }

  /** A copy whose lists and maps can be changed without touching this graph (tensors shared). */
  public Graph copy() {
    Graph g = new Graph(name);
    g.nodes.addAll(nodes);
    g.initializers.putAll(initializers);
    g.inputs.addAll(inputs);
    g.outputs.addAll(outputs);
    g.valueInfo.putAll(valueInfo);
    g.opsets.putAll(opsets);
    return g;
  }
}
