package org.quantlens.engine.ops;

/** Operators of the ConvOps family (filled in by their owner). */
public final class ConvOps implements OpFamily {
  @Override
  public void register(OpRegistry r) {}
}
