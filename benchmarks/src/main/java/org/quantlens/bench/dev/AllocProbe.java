package org.quantlens.bench.dev;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.quantlens.bench.models.BenchModel;
import org.quantlens.bench.models.Zoo;
import org.quantlens.bench.peer.Variant;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;

/**
 * Dev harness: bytes allocated per {@code Session.run} of the zoo models, summed over every live
 * thread (the caller and the session's workers), after a warm-up. Quicker than JMH's gc profiler
 * and it sees worker threads too.
 *
 * <p>usage: {@code AllocProbe [--threads N] [--runs N] [--warmup N] [--jfr FILE]
 * [model:batch[:variant] ...]} (variant: float, the default, static-int8 or dynamic-int8)
 * ({@code --jfr}: allocation samples of the measured runs of the last case, for {@code jfr view
 * allocation-by-site} or {@code jfr print --events jdk.ObjectAllocationSample})
 */
public final class AllocProbe {
  private AllocProbe() {}

  public static void main(String[] args) {
    int threads = 1;
    int runs = 20;
    int warmup = 300;
    java.nio.file.Path jfr = null;
    List<String> cases = new java.util.ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--jfr" -> jfr = java.nio.file.Path.of(args[++i]);
        default -> cases.add(args[i]);
      }
    }
    if (cases.isEmpty()) {
      for (String m : Zoo.models().keySet()) {
        cases.add(m + ":1");
        cases.add(m + ":64");
      }
    }
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    mx.setThreadAllocatedMemoryEnabled(true);
    for (String c : cases) {
      String[] p = c.split(":");
      BenchModel m = Zoo.get(p[0]);
      int batch = Integer.parseInt(p[1]);
      Map<String, Tensor> feeds = m.inputs(batch, 5);
      String variant = p.length > 2 ? p[2] : "float";
      try (Session s = new Session(Variant.graph(m, variant),
          new Session.Options().threads(threads))) {
        long outBytes = 0;
        int n = Math.max(3, warmup / Math.max(1, batch / 8));
        for (int i = 0; i < n; i++) {
          s.run(feeds);
        }
        jdk.jfr.Recording rec = jfr == null ? null : startRecording();
        long before = allThreads(mx);
        for (int i = 0; i < runs; i++) {
          for (Tensor t : s.run(feeds).values()) {
            outBytes += 16 + (long) t.size() * t.dtype().byteSize();
          }
        }
        long per = (allThreads(mx) - before) / runs;
        if (rec != null) {
          dump(rec, jfr);
        }
        System.out.printf("%-10s %-12s b%-3d threads %d: %,12d B/run (outputs %,d B)%n", p[0],
            variant, batch, threads, per, outBytes / runs);
      }
    }
  }

  /** Samples allocations (with stacks) of the measured runs only, not of the warm-up. */
  private static jdk.jfr.Recording startRecording() {
    jdk.jfr.Recording rec = new jdk.jfr.Recording();
    rec.enable("jdk.ObjectAllocationSample").withStackTrace().with("throttle", "100000/s");
    rec.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace(); // every one, with -XX:-UseTLAB
    rec.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
    rec.start();
    return rec;
  }

  private static void dump(jdk.jfr.Recording rec, java.nio.file.Path file) {
    try {
      rec.stop();
      rec.dump(file);
      rec.close();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long allThreads(com.sun.management.ThreadMXBean mx) {
    long[] ids = mx.getAllThreadIds();
    long sum = 0;
    for (long b : mx.getThreadAllocatedBytes(ids)) {
      sum += Math.max(0, b);
    }
    return sum;
  }
}
