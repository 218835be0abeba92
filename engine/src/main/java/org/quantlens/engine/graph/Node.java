package org.quantlens.engine.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One operator application. Inputs and outputs are value names; an empty name marks an omitted
 * optional input or output, as in ONNX. The domain is "" for the default ONNX domain.
 */
public final class Node {
  private final String name;
  private final String opType;
  private final String domain;
  private final List<String> inputs;
  private final List<String> outputs;
  private final Map<String, Attribute> attributes;

  public Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
      Map<String, Attribute> attributes) {
    this.name = name == null ? "" : name;
    this.opType = opType;
    this.domain = domain == null || domain.equals("ai.onnx") ? "" : domain;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
  }

  /** A node in the default domain. */
  public Node(String name, String opType, List<String> inputs, List<String> outputs,
      Map<String, Attribute> attributes) {
    this(name, opType, "", inputs, outputs, attributes);
  }

  public String name() {
    return name;
  }

  public String opType() {
    return opType;
  }

  public String domain() {
    return domain;
  }

  public List<String> inputs() {
    return inputs;
  }

  public List<String> outputs() {
    return outputs;
  }

  public Map<String, Attribute> attributes() {
    return attributes;
  }

  /** The input name at {@code i}, or "" when absent. */
  public String input(int i) {
    return i < inputs.size() ? inputs.get(i) : "";
  }

  /** A copy with other inputs and outputs. */
  public Node withIO(List<String> newInputs, List<String> newOutputs) {
    return new Node(name, opType, domain, newInputs, newOutputs, attributes);
  }

  /** A copy with one attribute added or replaced. */
  public Node withAttribute(String key, Attribute value) {
    Map<String, Attribute> a = new LinkedHashMap<>(attributes);
    a.put(key, value);
    return new Node(name, opType, domain, inputs, outputs, a);
  }

  /** A short description for error messages: {@code node 'conv1' (Conv)}. */
  public String describe() {
    return "node '" + (name.isEmpty() ? outputs.isEmpty() ? "?" : outputs.get(0) : name) + "' ("
        + (domain.isEmpty() ? "" : domain + ".") + opType + ")";
  }

  @Override
  public String toString() {
    List<String> attrs = new ArrayList<>();
    attributes.forEach((k, v) -> attrs.add(k + "=" + v));
    return describe() + " " + inputs + " -> " + outputs + (attrs.isEmpty() ? "" : " " + attrs);
  }
}
