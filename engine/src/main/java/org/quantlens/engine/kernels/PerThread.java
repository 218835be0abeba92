package org.quantlens.engine.kernels;

import java.util.function.Supplier;

/**
 * One reusable object per calling thread, for a kernel's call plan: {@link #take} hands it out
 * and {@link #give} puts it back, so a steady-state call allocates neither the plan nor a
 * capturing task lambda. It is taken out while in use, so a nested call on the same thread makes
 * its own.
 */
final class PerThread<T> {
  private final ThreadLocal<T> free = new ThreadLocal<>();
  private final Supplier<T> make;

  PerThread(Supplier<T> make) {
    this.make = make;
  }

  /** This thread's object, or a new one when it is in use (or was never made). */
  T take() {
    T t = free.get();
    if (t == null) {
      return make.get();
    }
    free.set(null);
    return t;
  }

  /** Puts {@code t} back for this thread's next call; the caller has dropped its operands. */
  void give(T t) {
    free.set(t);
  }
}
