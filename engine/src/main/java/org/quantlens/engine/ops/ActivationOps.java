package org.quantlens.engine.ops;

/** Operators of the ActivationOps family (filled in by their owner). */
public final class ActivationOps implements OpFamily {
  @Override
  public void register(OpRegistry r) {}
}
