package org.quantlens.engine.ops;

import org.quantlens.engine.tensor.Tensor;

/**
 * A node made ready to run: attributes parsed and constant weights packed once, at load. Operators
 * are immutable and may be called from many threads at once.
 */
@FunctionalInterface
public interface Operator {
  /**
   * Computes the node's outputs.
   *
   * @param inputs one tensor per node input, null where an optional input is omitted; never mutated
   * @return one tensor per node output (null for an optional output not produced), in an array
   *     from {@link ExecContext#results} that the caller reads at once; outputs never alias an
   *     input's backing array unless the op is a pure view (Reshape, Identity, ...)
   */
  Tensor[] run(Tensor[] inputs, ExecContext ctx);
}
