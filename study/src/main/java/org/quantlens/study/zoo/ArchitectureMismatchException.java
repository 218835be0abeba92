package org.quantlens.study.zoo;

import org.quantlens.engine.ShapeMismatchException;

/**
 * The data does not fit an architecture: images given to a text model, token ids to an image
 * model, images too small for its convolutions and poolings, or fewer than two classes. The
 * message names the architecture, what it takes and what it got.
 */
public class ArchitectureMismatchException extends ShapeMismatchException {
  private static final long serialVersionUID = 1L;

  public ArchitectureMismatchException(String message) {
    super(message);
  }
}
