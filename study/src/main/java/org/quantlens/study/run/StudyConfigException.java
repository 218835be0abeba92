package org.quantlens.study.run;

import java.util.Collection;
import org.quantlens.engine.QuantLensException;

/**
 * A study config that cannot run: names the field (a JSON path such as {@code models[1].arch}),
 * what was wrong and, where there is a fixed set, the valid choices. Raised before any work starts.
 */
public final class StudyConfigException extends QuantLensException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public StudyConfigException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** A value outside a fixed set of choices. */
  static StudyConfigException choice(String field, String what, String got, Collection<String> valid) {
    return new StudyConfigException(field, "unknown " + what + " '" + got + "'; valid: " + String.join(", ", valid));
  }

  /** The JSON path of the offending field. */
  public String field() {
    return field;
  }
}
