package org.quantlens.bench.peer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.bench.models.BenchModel;
import org.quantlens.bench.models.Zoo;
import org.quantlens.bench.report.Json;
import org.quantlens.bench.report.Stats;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.OnnxWriter;

/**
 * Runs the same ONNX file in our engine and in ONNX Runtime Java, in one JVM, alternating: after a
 * warm-up, each round runs one engine then the other for a fixed time (the order flips every
 * round), so drift in the machine's load hits both alike, and each round gives one paired ratio
 * ours/ORT. Writes JSON that {@code ResultsReport} turns into the side-by-side table.
 *
 * <p>Models are built in code ({@link Zoo}), exported with {@link OnnxWriter}, and both engines
 * load that file; a model whose ops the engine lacks is skipped with the reason. Before timing, the
 * two engines' outputs are compared (a wrong fast answer is not a result).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar org.quantlens.bench.peer.SideBySide \
 *   [--quick] [--models mlp,lenet5] [--threads 1,2] [--batches 1,64] [--rounds 10]
 *   [--round-ms 300] [--warmup-ms 2000] [--rewarm-ms 700] [--model-dir target/models]
 *   --out side-by-side.json
 * </pre>
 *
 * <p>{@code --rewarm-ms} (a third of the warm-up unless given) is the warm-up of a model, variant
 * and batch already measured at another thread count: the JIT has compiled its code by then, and
 * the new sessions need only their first calls.
 *
 * <p>With more than one thread, a timed round that follows the other engine's starts after an
 * untimed pause ({@code --settle-ms}, 80 unless given), on a quiet machine: ONNX Runtime's pool
 * threads spin for 40-50 ms after its {@code run} returns (a full core, read from the process's
 * CPU time while both engines were idle), and on two cores a round of ours that began in that
 * tail shared them with the spinning thread. Each engine keeps its own defaults within its round.
 */
public final class SideBySide {
  private static final long INPUT_SEED = 7;

  private final int rounds;
  private final long roundNanos;
  private final long warmupNanos;
  private final long rewarmNanos;
  private final long settleMs;
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();

  private SideBySide(int rounds, long roundMs, long warmupMs, long rewarmMs, long settleMs) {
    this.rounds = rounds;
    this.settleMs = settleMs;
    this.roundNanos = roundMs * 1_000_000L;
    this.warmupNanos = warmupMs * 1_000_000L;
    this.rewarmNanos = rewarmMs * 1_000_000L;
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> opts = parse(argv);
    boolean quick = opts.containsKey("quick");
    List<String> models = opts.containsKey("models")
        ? List.of(opts.get("models").split(",")) : new ArrayList<>(Zoo.models().keySet());
    int[] threads = ints(opts.getOrDefault("threads", "1,2"));
    int[] int8Threads = ints(opts.getOrDefault("int8-threads", "1"));
    int[] batches = ints(opts.getOrDefault("batches", "1,64"));
    List<String> variants = List.of(opts.getOrDefault("variants", "float,static-int8,dynamic-int8")
        .split(","));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", quick ? "2" : "10"));
    long roundMs = Long.parseLong(opts.getOrDefault("round-ms", quick ? "5" : "300"));
    long warmupMs = Long.parseLong(opts.getOrDefault("warmup-ms", quick ? "10" : "1500"));
    long rewarmMs = Long.parseLong(opts.getOrDefault("rewarm-ms", String.valueOf(warmupMs / 3)));
    long settleMs = Long.parseLong(opts.getOrDefault("settle-ms", quick ? "0" : "80"));
    Path dir = Path.of(opts.getOrDefault("model-dir", "target/models"));
    Path out = Path.of(opts.getOrDefault("out", "target/side-by-side.json"));
    Files.createDirectories(dir);

    SideBySide h = new SideBySide(rounds, roundMs, warmupMs, rewarmMs, settleMs);
    List<Object> results = new ArrayList<>();
    for (String name : models) {
      BenchModel m = Zoo.get(name);
      List<String> missing = m.missingOps();
      if (!missing.isEmpty()) {
        String why = "needs ops " + missing + " not in the engine yet (work: " + m.waitingOn() + ")";
        System.out.println("SKIP " + name + ": " + why);
        results.add(skipped(name, why));
        continue;
      }
      for (String variant : variants) {
        Path file = dir.resolve(name + "-" + variant + ".onnx");
        try {
          OnnxWriter.write(Variant.graph(m, variant), file);
        } catch (RuntimeException e) {
          String why = variant + " model not built: " + e.getMessage();
          System.out.println("SKIP " + name + " " + why);
          Map<String, Object> s = skipped(name, why);
          s.put("variant", variant);
          results.add(s);
          continue;
        }
        int[] threadCounts = variant.equals("float") ? threads : int8Threads;
        for (int t : threadCounts) {
          for (int b : batches) {
            try {
              boolean warm = t != threadCounts[0];
              Map<String, Object> r = h.compare(m, variant, file, t, b, warm);
              results.add(r);
              System.out.printf("%-10s %-12s threads=%d batch=%-3d ours %10.1f items/s  ort %10.1f"
                  + " items/s  ratio %.3f (IQR %.3f-%.3f)  max|diff| %.2g%n", name, variant, t, b,
                  r.get("oursMedian"), r.get("ortMedian"), r.get("ratioMedian"), r.get("ratioP25"),
                  r.get("ratioP75"), r.get("maxAbsDiff"));
            } catch (OrtException | RuntimeException e) {
              String why = "failed: " + e;
              System.out.println("FAIL " + name + " " + variant + " threads=" + t + " batch=" + b
                  + ": " + why);
              Map<String, Object> s = skipped(name, why);
              s.put("variant", variant);
              s.put("threads", t);
              s.put("batch", b);
              results.add(s);
            }
          }
        }
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("ortVersion", h.env.getVersion());
    doc.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    doc.put("quick", quick);
    doc.put("rounds", rounds);
    doc.put("roundMs", roundMs);
    doc.put("warmupMs", warmupMs);
    doc.put("rewarmMs", rewarmMs);
    doc.put("settleMs", settleMs);
    doc.put("results", results);
    Files.writeString(out, Json.write(doc));
    System.out.println("wrote " + out);
  }

  /**
   * One model at one (threads, batch): agreement check, warm-up (shorter when {@code warm}: this
   * model, variant and batch ran before at another thread count), alternating rounds.
   */
  private Map<String, Object> compare(BenchModel m, String variant, Path file, int threads, int batch,
      boolean warm) throws OrtException, IOException {
    Graph ours = OnnxReader.read(file);
    Map<String, Tensor> feeds = m.inputs(batch, INPUT_SEED);
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    so.setIntraOpNumThreads(threads);
    so.setInterOpNumThreads(1);
    so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    try (Session our = new Session(ours, new Session.Options().threads(threads));
        OrtSession ort = env.createSession(file.toString(), so);
        Feeds ortFeeds = new Feeds(env, feeds)) {
      float[] a = firstOutput(our.run(feeds));
      float[] b;
      try (OrtSession.Result r = ort.run(ortFeeds.map)) {
        b = floats(r.get(0));
      }
      double diff = maxAbsDiff(a, b);
      Engine e1 = () -> our.run(feeds);
      Engine e2 = () -> {
        try (OrtSession.Result r = ort.run(ortFeeds.map)) {
          return r;
        }
      };
      Lat l1 = new Lat();
      Lat l2 = new Lat();
      long end = System.nanoTime() + (warm ? rewarmNanos : warmupNanos);
      while (System.nanoTime() < end) {
        timed(e1, roundNanos / 4, batch, null, 0);
        timed(e2, roundNanos / 4, batch, null, 0);
      }
      double[] t1 = new double[rounds];
      double[] t2 = new double[rounds];
      double[] ratio = new double[rounds];
      // a round that follows the other engine's waits for its pool threads to go idle: the
      // second of every pair, and the first of the first pair (the warm-up ended with ORT)
      long settle = threads > 1 ? settleMs : 0;
      for (int r = 0; r < rounds; r++) {
        long first = r == 0 ? settle : 0;
        if (r % 2 == 0) {
          t1[r] = timed(e1, roundNanos, batch, l1, first);
          t2[r] = timed(e2, roundNanos, batch, l2, settle);
        } else {
          t2[r] = timed(e2, roundNanos, batch, l2, first);
          t1[r] = timed(e1, roundNanos, batch, l1, settle);
        }
        ratio[r] = t1[r] / t2[r];
      }
      Map<String, Object> res = new LinkedHashMap<>();
      res.put("model", m.name());
      res.put("variant", variant);
      res.put("description", m.description());
      res.put("inputs", m.inputSource());
      res.put("threads", threads);
      res.put("batch", batch);
      res.put("maxAbsDiff", diff);
      res.put("maxAbsOutput", maxAbs(b));
      res.put("oursMedian", Stats.median(t1));
      res.put("ortMedian", Stats.median(t2));
      res.put("ratioMedian", Stats.median(ratio));
      res.put("ratioP25", Stats.percentile(ratio, 25));
      res.put("ratioP75", Stats.percentile(ratio, 75));
      res.put("ratioMin", Arrays.stream(ratio).min().orElse(Double.NaN));
      res.put("ratioMax", Arrays.stream(ratio).max().orElse(Double.NaN));
      res.put("oursLatencyP50Ms", l1.p50Ms());
      res.put("ortLatencyP50Ms", l2.p50Ms());
      res.put("oursRounds", toList(t1));
      res.put("ortRounds", toList(t2));
      return res;
    }
  }

  /** One inference call (the result is kept alive until the call returns). */
  @FunctionalInterface
  private interface Engine {
    Object call() throws OrtException;
  }

  /**
   * Waits {@code settleMs} (untimed), then calls {@code e} for at least {@code nanos} (at least
   * once); returns items per second.
   */
  private static double timed(Engine e, long nanos, int batch, Lat lat, long settleMs)
      throws OrtException {
    settle(settleMs);
    long start = System.nanoTime();
    long end = start + nanos;
    long calls = 0;
    long now = start;
    do {
      long t0 = now;
      e.call();
      now = System.nanoTime();
      if (lat != null) {
        lat.add(now - t0);
      }
      calls++;
    } while (now < end);
    return calls * (double) batch * 1e9 / (now - start);
  }

  private static void settle(long ms) {
    if (ms > 0) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Per-call latencies, kept up to a cap (the median of the first 256k calls is plenty). */
  private static final class Lat {
    private final long[] ns = new long[1 << 18];
    private int n;

    void add(long v) {
      if (n < ns.length) {
        ns[n++] = v;
      }
    }

    double p50Ms() {
      double[] d = new double[n];
      for (int i = 0; i < n; i++) {
        d[i] = ns[i] / 1e6;
      }
      return Stats.median(d);
    }
  }

  /** ORT tensors for our feeds, made once and reused by every call. */
  private static final class Feeds implements AutoCloseable {
    final Map<String, OnnxTensor> map = new LinkedHashMap<>();

    Feeds(OrtEnvironment env, Map<String, Tensor> feeds) throws OrtException {
      for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
        Tensor t = e.getValue();
        long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
        OnnxTensor o;
        if (t.dtype() == DType.F32) {
          o = OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats()), shape);
        } else if (t.dtype() == DType.I64) {
          o = OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs()), shape);
        } else {
          throw new IllegalArgumentException("input " + e.getKey() + ": " + t.dtype() + " not handled");
        }
        map.put(e.getKey(), o);
      }
    }

    @Override
    public void close() {
      map.values().forEach(OnnxTensor::close);
    }
  }

  private static float[] firstOutput(Map<String, Tensor> out) {
    return out.values().iterator().next().toFloats();
  }

  private static float[] floats(OnnxValue v) {
    FloatBuffer fb = ((OnnxTensor) v).getFloatBuffer();
    float[] a = new float[fb.remaining()];
    fb.get(a);
    return a;
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalStateException("outputs differ in size: ours " + a.length + ", ORT " + b.length);
    }
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs((double) a[i] - b[i]));
    }
    return d;
  }

  private static double maxAbs(float[] a) {
    double m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  private static List<Object> toList(double[] a) {
    List<Object> l = new ArrayList<>();
    for (double v : a) {
      l.add(v);
    }
    return l;
  }

  private static Map<String, Object> skipped(String model, String why) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("model", model);
    s.put("skipped", why);
    return s;
  }

  private static int[] ints(String csv) {
    return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  private static Map<String, String> parse(String[] argv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + a);
      }
      String k = a.substring(2);
      if (k.equals("quick")) {
        m.put(k, "true");
      } else if (i + 1 < argv.length) {
        m.put(k, argv[++i]);
      } else {
        throw new IllegalArgumentException(a + " needs a value");
      }
    }
    return m;
  }
}
