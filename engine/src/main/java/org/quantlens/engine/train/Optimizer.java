package org.quantlens.engine.train;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters in place from their gradients. Per-parameter state (momentum, moments) is
 * allocated on the first step and reused. See {@link Sgd} and {@link Adam}.
 */
public abstract class Optimizer {
  private final Map<Parameter, float[][]> state = new IdentityHashMap<>();
  private long steps;

  /** For the optimizers of this package. */
  Optimizer() {}

  /** One update of every parameter with learning rate {@code lr}. */
  public final void step(List<Parameter> params, double lr) {
    steps++;
    for (Parameter p : params) {
      float[][] s = state.computeIfAbsent(p, k -> newState(k.size()));
      update(p.data(), p.grad(), p.size(), s, lr, p.decay(), steps);
    }
  }

  /** Updates taken so far. */
  public long steps() {
    return steps;
  }

  /** Fresh state arrays for a parameter of {@code size} values. */
  protected abstract float[][] newState(int size);

  /** Updates {@code w[0..n)} from {@code g}; {@code t} counts steps from 1. */
  protected abstract void update(float[] w, float[] g, int n, float[][] state, double lr, boolean decay,
      long t);
}
