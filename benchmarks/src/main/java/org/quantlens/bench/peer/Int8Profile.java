package org.quantlens.bench.peer;

import java.util.LinkedHashMap;
import java.util.Map;
import org.quantlens.bench.models.BenchModel;
import org.quantlens.bench.models.Zoo;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;

/**
 * A profiling aid, not a benchmark: runs one zoo model as float and static-int8 on one thread and
 * prints the time per call and, from a value observer's timestamps, the time spent producing each
 * value (a node's time is charged to its first output). Usage:
 * {@code java -cp benchmarks.jar org.quantlens.bench.peer.Int8Profile [model] [batch] [calls] [variants,...]}.
 */
public final class Int8Profile {
  private Int8Profile() {}

  public static void main(String[] args) {
    String name = args.length > 0 ? args[0] : "lenet5";
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int calls = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
    BenchModel m = Zoo.get(name);
    Map<String, Tensor> feeds = m.inputs(batch, 1);
    String[] variants = args.length > 3 ? args[3].split(",") : new String[] {"float", "static-int8", "float", "static-int8"};
    for (String variant : variants) {
      Graph g = Variant.graph(m, variant);
      Map<String, long[]> perValue = new LinkedHashMap<>();
      long[] last = {0};
      Session.Options plain = new Session.Options().threads(1);
      Session.Options observed = new Session.Options().threads(1).observer((v, t) -> {
        long now = System.nanoTime();
        perValue.computeIfAbsent(v, k -> new long[1])[0] += now - last[0];
        last[0] = now;
      });
      try (Session s = new Session(g, plain); Session o = new Session(g, observed)) {
        for (int i = 0; i < calls; i++) {
          s.run(feeds);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
          s.run(feeds);
        }
        double us = (System.nanoTime() - t0) / 1e3 / calls;
        for (int i = 0; i < calls; i++) {
          last[0] = System.nanoTime();
          o.run(feeds);
        }
        perValue.clear();
        for (int i = 0; i < calls; i++) {
          last[0] = System.nanoTime();
          o.run(feeds);
        }
        System.out.printf("%s %s batch %d: %.1f us/call (%.0f items/s)%n", name, variant, batch, us,
            batch * 1e6 / us);
        perValue.forEach((v, t) -> System.out.printf("    %-40s %8.2f us%n", v, t[0] / 1e3 / calls));
      }
    }
  }
}
