package org.quantlens.engine.kernels;

import java.util.function.IntConsumer;

/**
 * How a kernel splits work: {@link #forRange} runs {@code body} for every task index in
 * {@code [0, tasks)}, possibly on several threads, and returns when all are done. Tasks must write
 * disjoint outputs so the result never depends on the thread count.
 */
@FunctionalInterface
public interface Parallel {
  /** Runs every task on the calling thread. */
  Parallel SERIAL = (tasks, body) -> {
    for (int t = 0; t < tasks; t++) {
      body.accept(t);
    }
  };

  void forRange(int tasks, IntConsumer body);

  /** Number of threads work is spread over (1 for {@link #SERIAL}). */
  default int threads() {
    return 1;
  }
}
