package org.quantlens.engine;

import java.util.List;

/** One or more nodes use an operator (or an opset, or an attribute value) the engine does not run. */
public class UnsupportedOpException extends QuantLensException {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  /** @param problems one line per unsupported node: node name, op type, domain, opset and why */
  public UnsupportedOpException(List<String> problems) {
    super(problems.size() == 1
        ? "unsupported: " + problems.get(0)
        : problems.size() + " unsupported nodes:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  public UnsupportedOpException(String problem) {
    this(List.of(problem));
  }

  /** Every unsupported node, one line each. */
  public List<String> problems() {
    return problems;
  }
}
