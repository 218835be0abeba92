package org.quantlens.engine;

/** A model file or graph cannot be read: truncated, garbage, inconsistent or too large. */
public class ModelLoadException extends QuantLensException {
  private static final long serialVersionUID = 1L;

  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
