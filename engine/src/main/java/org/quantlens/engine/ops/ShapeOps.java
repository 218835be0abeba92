package org.quantlens.engine.ops;

/** Operators of the ShapeOps family (filled in by their owner). */
public final class ShapeOps implements OpFamily {
  @Override
  public void register(OpRegistry r) {}
}
