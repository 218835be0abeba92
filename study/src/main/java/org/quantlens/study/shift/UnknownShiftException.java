package org.quantlens.study.shift;

import java.util.Collection;
import org.quantlens.engine.QuantLensException;

/** A shift name that does not exist, or a severity outside 1..5; the message lists what is valid. */
public final class UnknownShiftException extends QuantLensException {
  private static final long serialVersionUID = 1L;

  public UnknownShiftException(String message) {
    super(message);
  }

  static UnknownShiftException unknownName(String name, Collection<String> valid) {
    return new UnknownShiftException("unknown shift '" + name + "'; valid shifts: "
        + String.join(", ", valid));
  }

  static UnknownShiftException badSeverity(String name, int severity) {
    return new UnknownShiftException("severity " + severity + " of shift '" + name
        + "' is outside " + Corruption.MIN_SEVERITY + ".." + Corruption.MAX_SEVERITY);
  }
}
