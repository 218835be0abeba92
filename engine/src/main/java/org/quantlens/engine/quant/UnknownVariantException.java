package org.quantlens.engine.quant;

import org.quantlens.engine.QuantLensException;

/** A variant name that {@link Variants} does not know; the message lists the valid ones. */
public final class UnknownVariantException extends QuantLensException {
  private static final long serialVersionUID = 1L;

  public UnknownVariantException(String variant) {
    super("unknown variant '" + variant + "'; valid variants: " + Variants.describeNames());
  }
}
