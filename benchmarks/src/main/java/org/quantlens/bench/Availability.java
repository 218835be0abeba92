package org.quantlens.bench;

import java.util.List;
import java.util.Map;
import org.quantlens.bench.models.BenchModel;
import org.quantlens.bench.models.Zoo;
import org.quantlens.engine.kernels.Kernels;

/**
 * Tells {@code benchmarks/run} which workloads the engine can run on this branch: prints
 * {@code models=a,b}, {@code layers=c,d} and {@code simd=true|false} on stdout, and one line per
 * skipped workload, with the missing ops, on stderr.
 */
public final class Availability {
  private Availability() {}

  public static void main(String[] args) {
    System.out.println("models=" + String.join(",", list(Zoo.models())));
    System.out.println("layers=" + String.join(",", list(Zoo.layers())));
    System.out.println("simd=" + Kernels.simd());
  }

  private static List<String> list(Map<String, BenchModel> set) {
    for (BenchModel m : set.values()) {
      if (!m.missingOps().isEmpty()) {
        System.err.println("benchmarks: skipping " + m.name() + ": needs ops " + m.missingOps()
            + " (work: " + m.waitingOn() + ")");
      }
    }
    return Zoo.runnable(set);
  }
}
