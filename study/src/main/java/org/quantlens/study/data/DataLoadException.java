package org.quantlens.study.data;

import org.quantlens.engine.QuantLensException;

/** A data file cannot be read: wrong format, truncated, inconsistent, or of an unsupported type. */
public class DataLoadException extends QuantLensException {
  private static final long serialVersionUID = 1L;

  public DataLoadException(String message) {
    super(message);
  }

  public DataLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
