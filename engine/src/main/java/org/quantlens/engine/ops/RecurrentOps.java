package org.quantlens.engine.ops;

/** Operators of the RecurrentOps family (filled in by their owner). */
public final class RecurrentOps implements OpFamily {
  @Override
  public void register(OpRegistry r) {}
}
