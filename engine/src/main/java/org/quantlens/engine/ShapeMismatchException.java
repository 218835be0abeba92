package org.quantlens.engine;

/** A tensor has another shape or type than the node or graph input expects. */
public class ShapeMismatchException extends QuantLensException {
  private static final long serialVersionUID = 1L;

  public ShapeMismatchException(String message) {
    super(message);
  }
}
