package org.quantlens.study.zoo;

import org.quantlens.engine.QuantLensException;

/** An architecture name the zoo does not know; the message lists the known ones. */
public class UnknownArchitectureException extends QuantLensException {
  private static final long serialVersionUID = 1L;

  public UnknownArchitectureException(String message) {
    super(message);
  }
}
