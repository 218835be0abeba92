package org.quantlens.bench.kernels;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.bench.report.Json;
import org.quantlens.bench.report.Stats;

/**
 * GEMM as a fraction of the FMA peak, measured as pairs: the peak probe ({@link PeakBench}) and
 * SGEMM 512^3 ({@link GemmSquareBench}, SIMD, one thread) run by turns in one JVM, a fixed time
 * each, the order flipping every round, so each round gives one ratio taken under the same machine
 * load. On a shared machine the separate JMH runs of the two can be minutes apart under different
 * load; the paired ratio is what the goal "at least 80% of peak" is judged on.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar org.quantlens.bench.kernels.PeakPairs
 *   [--quick] [--size 512] --out peak-pairs.json
 * </pre>
 */
public final class PeakPairs {
  private PeakPairs() {}

  public static void main(String[] argv) throws Exception {
    PairArgs args = PairArgs.parse(argv, Path.of("target/peak-pairs.json"));
    boolean quick = args.quick();
    int size = args.size();
    Path out = args.out();
    int rounds = quick ? 2 : 15;
    long roundNs = (quick ? 5 : 300) * 1_000_000L;
    long warmNs = (quick ? 10 : 3000) * 1_000_000L;

    PeakBench peak = new PeakBench();
    GemmSquareBench gemm = new GemmSquareBench();
    gemm.size = size;
    gemm.kernel = "simd";
    gemm.setup();
    Counters c = new Counters();

    long end = System.nanoTime() + warmNs;
    while (System.nanoTime() < end) {
      rate(() -> peak.fma(c), c, roundNs / 4);
      rate(() -> gemm.sgemm(c), c, roundNs / 4);
    }
    double[] p = new double[rounds];
    double[] g = new double[rounds];
    double[] ratio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      if (r % 2 == 0) {
        p[r] = rate(() -> peak.fma(c), c, roundNs);
        g[r] = rate(() -> gemm.sgemm(c), c, roundNs);
      } else {
        g[r] = rate(() -> gemm.sgemm(c), c, roundNs);
        p[r] = rate(() -> peak.fma(c), c, roundNs);
      }
      ratio[r] = g[r] / p[r];
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("size", size);
    doc.put("rounds", rounds);
    doc.put("roundMs", roundNs / 1_000_000L);
    doc.put("peakGflopsMedian", Stats.median(p) / 1e9);
    doc.put("gemmGflopsMedian", Stats.median(g) / 1e9);
    doc.put("ratioMedian", Stats.median(ratio));
    doc.put("ratioP25", Stats.percentile(ratio, 25));
    doc.put("ratioP75", Stats.percentile(ratio, 75));
    doc.put("ratios", list(ratio));
    doc.put("sink", sink);
    Files.writeString(out, Json.write(doc));
    System.out.printf("SGEMM %d^3 / FMA peak, %d paired rounds: median %.3f (IQR %.3f-%.3f);"
        + " peak %.1f GFLOP/s, GEMM %.1f GFLOP/s (medians)%n", size, rounds,
        Stats.median(ratio), Stats.percentile(ratio, 25), Stats.percentile(ratio, 75),
        Stats.median(p) / 1e9, Stats.median(g) / 1e9);
  }

  /** Keeps the probe's result alive so the JIT cannot drop the loop. */
  private static double sink;

  @FunctionalInterface
  private interface Call {
    Object run();
  }

  /** Calls {@code call} for at least {@code nanos}; returns flops per second. */
  private static double rate(Call call, Counters c, long nanos) {
    c.reset();
    long start = System.nanoTime();
    long now;
    do {
      Object o = call.run();
      if (o instanceof Float) {
        sink += (Float) o;
      }
      now = System.nanoTime();
    } while (now - start < nanos);
    return c.flops * 1e9 / (now - start);
  }

  private static List<Object> list(double[] a) {
    List<Object> l = new ArrayList<>();
    for (double v : a) {
      l.add(v);
    }
    return l;
  }
}
