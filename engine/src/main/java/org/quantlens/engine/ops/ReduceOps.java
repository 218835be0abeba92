package org.quantlens.engine.ops;

/** Operators of the ReduceOps family (filled in by their owner). */
public final class ReduceOps implements OpFamily {
  @Override
  public void register(OpRegistry r) {}
}
