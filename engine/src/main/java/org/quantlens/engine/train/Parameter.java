package org.quantlens.engine.train;

import org.quantlens.engine.tensor.Tensor;

/**
 * A trainable float32 tensor of a {@link TrainingSession}: its current value (updated in place by
 * an {@link Optimizer}) and the gradient the backward passes accumulate into it.
 */
public final class Parameter {
  private final String name;
  private final Tensor value;
  private final float[] grad;
  private boolean decay = true;

  Parameter(String name, Tensor value) {
    this.name = name;
    this.value = value;
    this.grad = new float[value.size()];
  }

  /** The initializer name in the graph. */
  public String name() {
    return name;
  }

  /** The current value (the session's own copy of the initializer). */
  public Tensor value() {
    return value;
  }

  /** The value's backing array, C order. */
  public float[] data() {
    return value.floats();
  }

  /** The accumulated gradient, same layout as {@link #data()}. */
  public float[] grad() {
    return grad;
  }

  public int size() {
    return value.size();
  }

  /** Whether weight decay applies to this parameter (default true). */
  public boolean decay() {
    return decay;
  }

  public Parameter decay(boolean on) {
    this.decay = on;
    return this;
  }

  @Override
  public String toString() {
    return name + java.util.Arrays.toString(value.shape());
  }
}
