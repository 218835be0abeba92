package org.quantlens.engine.runtime;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.quantlens.engine.ops.ExecContext;

/**
 * Spreads a kernel's tasks over a fixed set of daemon threads. The calling thread always takes
 * part, so progress never depends on a free worker (many sessions calls may share one pool), and
 * a task that itself asks for parallel work runs it serially instead of waiting on the pool.
 *
 * <p>Idle workers, and a caller waiting for the last task, spin for {@link #SPIN_NANOS} before
 * they block: kernels call the pool many times in a row (a recurrent layer once per time step,
 * each a few tens of microseconds of work), and waking a parked thread costs about as much.
 */
public final class WorkerPool implements ExecContext, AutoCloseable {
  private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);
  /** How long an idle thread polls for work before it parks. */
  static final long SPIN_NANOS = 50_000;
  private final int threads;
  private final ExecutorService executor;
  /**
   * A finished batch kept for the next call (so a steady-state forRange allocates no batch); a
   * batch comes back here only once its caller and every helper it was handed to are done with it.
   */
  private final java.util.concurrent.atomic.AtomicReference<Batch> free =
      new java.util.concurrent.atomic.AtomicReference<>();

  /** A pool of {@code threads} threads in all (the caller counts as one). */
  public WorkerPool(int threads) {
    this.threads = Math.max(1, threads);
    AtomicInteger id = new AtomicInteger();
    this.executor = this.threads == 1 ? null : new ThreadPoolExecutor(this.threads - 1,
        this.threads - 1, 0, TimeUnit.MILLISECONDS, new SpinningQueue(), r -> {
          Thread t = new Thread(r, "quantlens-worker-" + id.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  @Override
  public int threads() {
    return threads;
  }

  @Override
  public void forRange(int tasks, IntConsumer body) {
    if (executor == null || tasks <= 1 || INSIDE.get()) {
      for (int t = 0; t < tasks; t++) {
        body.accept(t);
      }
      return;
    }
    Batch batch = free.getAndSet(null);
    if (batch == null) {
      batch = new Batch(free);
    }
    int helpers = Math.min(threads - 1, tasks - 1);
    batch.start(tasks, body, helpers);
    for (int h = 0; h < helpers; h++) {
      executor.execute(batch); // the batch is its own task: no method reference per helper
    }
    try {
      batch.work();
      batch.awaitAll();
    } finally {
      batch.callerDone();
    }
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  /** One forRange call: workers claim task indices until none are left. Reused between calls. */
  private static final class Batch implements Runnable {
    private final java.util.concurrent.atomic.AtomicReference<Batch> home;
    private final AtomicInteger next = new AtomicInteger();
    private int tasks;
    private IntConsumer body;
    private volatile int done;
    private Throwable failure;
    /** Helpers handed this batch whose run() has not returned yet. */
    private int helpersOut;
    private boolean callerOut;

    Batch(java.util.concurrent.atomic.AtomicReference<Batch> home) {
      this.home = home;
    }

    /** Sets up a call; the executor hand-off publishes these fields to the helpers. */
    synchronized void start(int tasks, IntConsumer body, int helpers) {
      this.tasks = tasks;
      this.body = body;
      this.done = 0;
      this.failure = null;
      this.helpersOut = helpers;
      this.callerOut = false;
      next.set(0);
    }

    @Override
    public void run() {
      try {
        work();
      } finally {
        synchronized (this) {
          helpersOut--;
          recycleIfIdle();
        }
      }
    }

    synchronized void callerDone() {
      callerOut = true;
      recycleIfIdle();
    }

    /** Once nobody can touch this batch any more, offers it for the next call. */
    private void recycleIfIdle() {
      if (callerOut && helpersOut == 0) {
        body = null; // keep no kernel state alive
        failure = null;
        home.compareAndSet(null, this);
      }
    }

    void work() {
      INSIDE.set(true);
      try {
        int t;
        int n;
        IntConsumer b;
        synchronized (this) {
          n = tasks;
          b = body;
        }
        while ((t = next.getAndIncrement()) < n) {
          try {
            b.accept(t);
          } catch (Throwable e) {
            synchronized (this) {
              if (failure == null) {
                failure = e;
              }
            }
          }
          synchronized (this) {
            if (++done == tasks) {
              notifyAll();
            }
          }
        }
      } finally {
        INSIDE.set(false);
      }
    }

    void awaitAll() {
      long until = System.nanoTime() + SPIN_NANOS;
      while (done < tasks && System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      awaitBlocking();
    }

    private synchronized void awaitBlocking() {
      boolean interrupted = false;
      while (done < tasks) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (failure instanceof RuntimeException) {
        throw (RuntimeException) failure;
      }
      if (failure instanceof Error) {
        throw (Error) failure;
      }
    }
  }

  /** The workers' queue: {@code take} polls for {@link #SPIN_NANOS} before it blocks. */
  private static final class SpinningQueue extends LinkedBlockingQueue<Runnable> {
    private static final long serialVersionUID = 1L;

    @Override
    public Runnable take() throws InterruptedException {
      long until = System.nanoTime() + SPIN_NANOS;
      do {
        if (size() > 0) { // a lock-free read of the count; poll() takes the lock
          Runnable r = poll();
          if (r != null) {
            return r;
          }
        }
        Thread.onSpinWait();
      } while (System.nanoTime() < until);
      return super.take();
    }
  }
}
