package org.quantlens.engine.ops;

/** A group of related operators (one class per family) that registers its ops with their opsets. */
public interface OpFamily {
  void register(OpRegistry registry);
}
