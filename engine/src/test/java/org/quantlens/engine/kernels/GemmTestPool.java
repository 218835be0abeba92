package org.quantlens.engine.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/** A real multi-threaded {@link Parallel} for tests: tasks are claimed by {@code threads} threads. */
final class GemmTestPool implements Parallel, AutoCloseable {
  private final int threads;
  private final ExecutorService executor;

  GemmTestPool(int threads) {
    this.threads = threads;
    this.executor = Executors.newFixedThreadPool(threads);
  }

  @Override
  public int threads() {
    return threads;
  }

  @Override
  public void forRange(int tasks, IntConsumer body) {
    AtomicInteger next = new AtomicInteger();
    List<Future<?>> fs = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      fs.add(executor.submit(() -> {
        int t;
        while ((t = next.getAndIncrement()) < tasks) {
          body.accept(t);
        }
      }));
    }
    for (Future<?> f : fs) {
      try {
        f.get();
      } catch (Exception e) {
        throw new AssertionError("task failed", e);
      }
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
