package org.quantlens.engine;

/** A node attribute or constant input has a value the operator's specification does not allow. */
public class InvalidAttributeException extends QuantLensException {
  private static final long serialVersionUID = 1L;

  public InvalidAttributeException(String message) {
    super(message);
  }
}
