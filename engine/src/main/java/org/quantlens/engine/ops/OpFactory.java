package org.quantlens.engine.ops;

/** Builds an {@link Operator} for one node; throws a typed error for invalid attributes. */
@FunctionalInterface
public interface OpFactory {
  Operator create(NodeContext node);
}
