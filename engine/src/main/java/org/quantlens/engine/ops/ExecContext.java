package org.quantlens.engine.ops;

import org.quantlens.engine.kernels.Parallel;

/**
 * What an operator sees of the running session: the threads it may spread work over. Passed to
 * {@link Operator#run}; one context serves one call of a session.
 */
public interface ExecContext extends Parallel {
  /** A context that runs everything on the calling thread. */
  ExecContext SERIAL = (tasks, body) -> {
    for (int t = 0; t < tasks; t++) {
      body.accept(t);
    }
  };
}
