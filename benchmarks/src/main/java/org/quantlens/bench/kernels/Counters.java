package org.quantlens.bench.kernels;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Work counters JMH reports next to the call rate, as rates: {@code flops} (floating-point
 * operations, a multiply-add counts 2) and {@code items} (elements or batch items). The report
 * reads them from the JSON, so it needs no knowledge of the shapes.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class Counters {
  public long flops;
  public long items;

  @Setup(Level.Iteration)
  public void reset() {
    flops = 0;
    items = 0;
  }
}
