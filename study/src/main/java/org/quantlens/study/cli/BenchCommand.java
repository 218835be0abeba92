package org.quantlens.study.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;

/**
 * {@code quantlens bench}: inference speed of a model on this machine. Inputs are seeded random
 * tensors shaped from the model's declared inputs, with every symbolic (or unknown) dimension set
 * to the batch size unless {@code --dim NAME=V} says otherwise; an integer input that indexes a
 * constant table (Gather, as token ids index an embedding) stays within the table's rows. After a
 * warm-up, each round runs the model for at least {@code --round-ms} and prints its rate; the last
 * line is {@code throughput: X items/s (median), latency p50: Y ms}, the median over rounds and
 * over all timed calls.
 */
final class BenchCommand implements Command {
  private static final int MAX_LATENCIES = 1 << 20;

  @Override
  public String name() {
    return "bench";
  }

  @Override
  public String usage() {
    return "bench --model M.onnx [--batch B] [--threads T] [--variant V [--calib X.npy]] [--rounds R]"
        + " [--round-ms MS] [--warmup-ms MS] [--seed S] [--dim NAME=V ...]";
  }

  @Override
  public String summary() {
    return "measures inference throughput and latency on seeded random inputs";
  }

  @Override
  public int run(List<String> argv, PrintStream out) {
    Set<String> valued = new java.util.HashSet<>(VariantOptions.VALUED);
    valued.addAll(Set.of("model", "batch", "threads", "rounds", "round-ms", "warmup-ms", "seed", "dim"));
    Args args = new Args(argv, valued, VariantOptions.FLAGS);
    if (!args.positionals().isEmpty()) {
      throw new UsageException("unexpected argument '" + args.positionals().get(0) + "'");
    }
    Path model = Path.of(args.require("model"));
    int batch = positive(args, "batch", 1);
    int rounds = positive(args, "rounds", 10);
    int roundMs = nonNegative(args, "round-ms", 500);
    int warmupMs = nonNegative(args, "warmup-ms", 2000);
    long seed = args.intValue("seed", 1);
    String variant = args.get("variant", "float");
    Map<String, Integer> dims = dims(args.all("dim"));
    Graph graph = OnnxReader.read(model);
    org.quantlens.engine.quant.Variants.Built built = VariantOptions.build(args, graph);
    if (built != null) {
      graph = built.graph();
    }
    Map<String, Tensor> feeds = inputs(graph, batch, dims, seed);
    Session.Options options = new Session.Options();
    if (args.get("threads") != null) {
      options.threads(positive(args, "threads", 1));
    }
    try (Session session = new Session(graph, options)) {
      out.println("model " + model + ", batch " + batch + ", threads "
          + (args.get("threads") == null ? Runtime.getRuntime().availableProcessors() + " (all)"
              : args.get("threads")) + ", variant " + variant);
      for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
        out.println("input " + e.getKey() + ": " + e.getValue().dtype()
            + Arrays.toString(e.getValue().shape()) + " (seeded random, seed " + seed + ")");
      }
      long[] lat = new long[MAX_LATENCIES];
      int n = 0;
      long warmStart = System.nanoTime();
      int warmCalls = 0;
      do {
        session.run(feeds);
        warmCalls++;
      } while (System.nanoTime() - warmStart < warmupMs * 1_000_000L);
      out.printf(Locale.ROOT, "warm-up: %d calls in %.0f ms%n", warmCalls,
          (System.nanoTime() - warmStart) / 1e6);
      double[] rates = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        int first = n;
        long start = System.nanoTime();
        long end = start + roundMs * 1_000_000L;
        long now = start;
        int calls = 0;
        do {
          long t0 = now;
          session.run(feeds);
          now = System.nanoTime();
          if (n < lat.length) {
            lat[n++] = now - t0;
          }
          calls++;
        } while (now < end);
        rates[r] = (double) calls * batch * 1e9 / (now - start);
        out.printf(Locale.ROOT, "round %d: %.1f items/s, latency p50 %.3f ms (%d calls)%n", r + 1,
            rates[r], median(lat, first, n) / 1e6, calls);
      }
      out.printf(Locale.ROOT, "throughput: %.1f items/s (median), latency p50: %.3f ms%n",
          median(rates), median(lat, 0, n) / 1e6);
    }
    return 0;
  }

  /** Seeded inputs for every graph input, symbolic dimensions resolved. */
  static Map<String, Tensor> inputs(Graph graph, int batch, Map<String, Integer> dims, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    for (Value v : graph.inputs()) {
      int[] shape = v.shape();
      if (shape == null || v.dtype() == null) {
        throw new UsageException("input " + v + " has no declared type and shape to generate from");
      }
      String[] names = v.dimNames();
      for (int i = 0; i < shape.length; i++) {
        if (shape[i] < 0) {
          String name = names == null ? null : names[i];
          shape[i] = name != null && dims.containsKey(name) ? dims.get(name) : batch;
        }
      }
      Tensor t = Tensor.zeros(v.dtype(), shape);
      fill(t, rng, indexBound(graph, v.name()));
      feeds.put(v.name(), t);
    }
    return feeds;
  }

  private static void fill(Tensor t, SplittableRandom rng, long bound) {
    if (t.dtype() == DType.F32) {
      float[] a = t.floats();
      for (int i = 0; i < a.length; i++) {
        a[i] = rng.nextFloat();
      }
    } else if (t.dtype().isFloating()) {
      for (int i = 0; i < t.size(); i++) {
        t.setDouble(i, rng.nextDouble());
      }
    } else if (t.dtype() == DType.BOOL) {
      for (int i = 0; i < t.size(); i++) {
        t.setLong(i, rng.nextInt(2));
      }
    } else {
      for (int i = 0; i < t.size(); i++) {
        t.setLong(i, rng.nextLong(bound));
      }
    }
  }

  /**
   * Exclusive upper bound for an integer input: the rows of the smallest constant table it indexes
   * through Gather (axis 0), else 10.
   */
  private static long indexBound(Graph graph, String input) {
    long bound = Long.MAX_VALUE;
    for (Node node : graph.consumers(input)) {
      boolean gather = node.opType().equals("Gather") || node.opType().equals("QuantizedGather");
      if (gather && node.inputs().size() > 1
          && node.input(1).equals(input) && (!node.attributes().containsKey("axis")
              || node.attributes().get("axis").asLong() == 0)) {
        Tensor table = table(graph, node.input(0));
        if (table != null && table.rank() > 0) {
          bound = Math.min(bound, table.dim(0));
        }
      }
    }
    return bound == Long.MAX_VALUE ? 10 : Math.max(1, bound);
  }

  /** A constant table, or the int8 one behind its DequantizeLinear (an int8 embedding); else null. */
  private static Tensor table(Graph graph, String name) {
    Tensor t = graph.initializers().get(name);
    Node p = graph.producer(name);
    if (t == null && p != null && p.opType().equals("DequantizeLinear") && !p.inputs().isEmpty()) {
      t = graph.initializers().get(p.input(0));
    }
    return t;
  }

  private static Map<String, Integer> dims(List<String> specs) {
    Map<String, Integer> m = new HashMap<>();
    for (String s : specs) {
      int eq = s.indexOf('=');
      try {
        int v = Integer.parseInt(s.substring(eq + 1));
        if (eq <= 0 || v < 1) {
          throw new NumberFormatException();
        }
        m.put(s.substring(0, eq), v);
      } catch (NumberFormatException e) {
        throw new UsageException("--dim expects NAME=V with V >= 1, got '" + s + "'");
      }
    }
    return m;
  }

  private static int positive(Args args, String name, int def) {
    int v = args.intValue(name, def);
    if (v < 1) {
      throw new UsageException("--" + name + " must be at least 1, got " + v);
    }
    return v;
  }

  private static int nonNegative(Args args, String name, int def) {
    int v = args.intValue(name, def);
    if (v < 0) {
      throw new UsageException("--" + name + " must not be negative, got " + v);
    }
    return v;
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  private static double median(long[] a, int from, int to) {
    if (to <= from) {
      return Double.NaN;
    }
    long[] s = Arrays.copyOfRange(a, from, to);
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2.0;
  }
}
