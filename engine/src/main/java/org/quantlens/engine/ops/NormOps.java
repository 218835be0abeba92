package org.quantlens.engine.ops;

/** Operators of the NormOps family (filled in by their owner). */
public final class NormOps implements OpFamily {
  @Override
  public void register(OpRegistry r) {}
}
