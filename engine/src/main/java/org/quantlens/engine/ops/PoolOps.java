package org.quantlens.engine.ops;

/** Operators of the PoolOps family (filled in by their owner). */
public final class PoolOps implements OpFamily {
  @Override
  public void register(OpRegistry r) {}
}
