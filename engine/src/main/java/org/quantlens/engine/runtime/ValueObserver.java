package org.quantlens.engine.runtime;

import org.quantlens.engine.tensor.Tensor;

/**
 * Sees every value a session computes, as soon as it is computed: graph inputs, then each node's
 * outputs. Calibration observers and layer-wise float-vs-quantized comparisons use it. Called on
 * the thread that called {@link Session#run}; the tensor must not be mutated.
 */
@FunctionalInterface
public interface ValueObserver {
  void onValue(String name, Tensor value);
}
