package org.quantlens.engine;

/**
 * Base of every error the engine raises on bad input. Subclasses name what was expected and where
 * (file, node, tensor); callers such as the command line print {@link #getMessage()} alone.
 */
public class QuantLensException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public QuantLensException(String message) {
    super(message);
  }

  public QuantLensException(String message, Throwable cause) {
    super(message, cause);
  }
}
