package org.quantlens.engine.ops;

/** Operators of the MatMulOps family (filled in by their owner). */
public final class MatMulOps implements OpFamily {
  @Override
  public void register(OpRegistry r) {}
}
