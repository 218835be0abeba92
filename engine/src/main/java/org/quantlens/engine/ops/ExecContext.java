package org.quantlens.engine.ops;

import org.quantlens.engine.kernels.Parallel;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * What an operator sees of the running session: the threads it may spread work over. Passed to
 * {@link Operator#run}; one context serves one call of a session.
 */
public interface ExecContext extends Parallel {
  /**
   * A new zero-filled tensor for an operator's output (or scratch). A session may hand out a
   * recycled array, always cleared first, so ops may rely on zeros; never keep it beyond the call.
   */
  default Tensor allocate(DType type, int... shape) {
    return Tensor.zeros(type, shape);
  }

  /**
   * {@link #allocate} with the shape of {@code like}: the same, without copying that shape out of
   * {@code like}.
   */
  default Tensor allocate(DType type, Tensor like) {
    return allocate(type, like.shape());
  }

  /**
   * Like {@link #allocate}, but the contents are unspecified (a recycled array is not cleared): only
   * for a tensor whose every element the op writes before anything reads it. Saves the clearing
   * pass over large results and scratch (a batch's conv outputs, an LSTM's input projections). The default is {@link #allocate}.
   */
  default Tensor allocateUninitialized(DType type, int... shape) {
    return allocate(type, shape);
  }

  /** {@link #allocateUninitialized} with the shape of {@code like}. */
  default Tensor allocateUninitialized(DType type, Tensor like) {
    return allocate(type, like);
  }

  /**
   * Hands back {@code t}, which came from {@link #allocate} in this same op call and is not among
   * its outputs (scratch), so the session may reuse its array in later calls; nobody may touch it
   * afterwards. The default does nothing (the garbage collector takes it).
   */
  default void release(Tensor t) {}

  /**
   * An array of {@code count} slots for the running op to return its outputs in, every slot for it
   * to fill. The array may belong to the context and come back to the next op: whoever calls
   * {@link Operator#run} reads it at once and keeps no reference. The default makes a new array.
   */
  default Tensor[] results(int count) {
    return new Tensor[count];
  }

  /** {@code t} as the result array of an op with one output (see {@link #results}). */
  default Tensor[] result(Tensor t) {
    Tensor[] out = results(1);
    out[0] = t;
    return out;
  }

  /**
   * Where the running node adds its saturation counts, or null when counting is off (the
   * default). Read it once on the calling thread, before handing work to other threads.
   */
  default SaturationCounter saturation() {
    return null;
  }

  /** A context that runs everything on the calling thread. */
  ExecContext SERIAL = (tasks, body) -> {
    for (int t = 0; t < tasks; t++) {
      body.accept(t);
    }
  };
}
