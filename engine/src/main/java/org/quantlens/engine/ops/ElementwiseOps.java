package org.quantlens.engine.ops;

/** Operators of the ElementwiseOps family (filled in by their owner). */
public final class ElementwiseOps implements OpFamily {
  @Override
  public void register(OpRegistry r) {}
}
