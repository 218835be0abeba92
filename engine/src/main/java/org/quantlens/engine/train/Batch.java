package org.quantlens.engine.train;

import org.quantlens.engine.tensor.Tensor;

/** One mini-batch: inputs and targets, first dimension the batch. */
public final class Batch {
  private final Tensor x;
  private final Tensor y;

  public Batch(Tensor x, Tensor y) {
    this.x = x;
    this.y = y;
  }

  public Tensor x() {
    return x;
  }

  public Tensor y() {
    return y;
  }

  public int size() {
    return x.dim(0);
  }
}
