package org.quantlens.onnx.fuzz;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;

/**
 * A seeded mutation loop: mutate a seed model, load it, and run it on the seed's inputs (or zeros
 * of the declared shape), each case under a time bound. The only acceptable failures are the
 * engine's typed exceptions ({@link QuantLensException} and its subclasses). Anything else
 * (another exception, OutOfMemoryError, StackOverflowError, a case over its time bound) is an
 * escape. A typed error that wraps an internal one (the session reports "node X failed: index out
 * of bounds" when an op meets inputs it did not check) keeps the contract but says less than it
 * should: those are counted and listed apart.
 */
final class Fuzzer {
  /** A model to mutate and inputs that fit it. */
  record Seed(String name, byte[] model, Map<String, Tensor> inputs) {}

  /** A case that broke the contract; reproducible from seed, case number and fuzz seed. */
  record Escape(String seed, long caseNo, String kind, String what) {
    @Override
    public String toString() {
      return "case " + caseNo + " (" + kind + " of " + seed + "): " + what;
    }
  }

  /** What a run did. */
  record Result(long cases, long loaded, long ran, Map<String, Long> byKind, List<Escape> escapes,
      List<Escape> wrapped) {}

  /**
   * Inputs built from declared shapes are bounded: bigger declared inputs are not run. A valid CNN
   * on a 1.8-million-element input took 8.8 s on a loaded 2-core machine, near the case bound: the
   * fuzzer is after malformed models, not slow valid ones.
   */
  private static final long MAX_INPUT_ELEMENTS = 1 << 20;

  private final long caseMillis;
  private ExecutorService worker = newWorker();

  Fuzzer(long caseMillis) {
    this.caseMillis = caseMillis;
  }

  private static ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(null, r, "fuzz-case", 64L << 20);
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs cases until {@code maxCases} or {@code maxMillis}, whichever comes first. */
  Result run(List<Seed> seeds, long fuzzSeed, long maxCases, long maxMillis) {
    SplittableRandom root = new SplittableRandom(fuzzSeed);
    long end = System.currentTimeMillis() + maxMillis;
    long cases = 0;
    long[] outcome = new long[2];
    Map<String, Long> byKind = new HashMap<>();
    List<Escape> escapes = new ArrayList<>();
    List<Escape> wrapped = new ArrayList<>();
    while (cases < maxCases && System.currentTimeMillis() < end) {
      SplittableRandom r = root.split();
      Seed seed = seeds.get(r.nextInt(seeds.size()));
      String kind = Mutations.KINDS.get(r.nextInt(Mutations.KINDS.size()));
      byte[] bytes = Mutations.apply(kind, seed.model(), r);
      String what = runCase(seed, bytes, outcome);
      byKind.merge(kind, 1L, Long::sum);
      if (what != null) {
        (what.startsWith(WRAPPED) ? wrapped : escapes).add(new Escape(seed.name(), cases, kind, what));
      }
      cases++;
    }
    worker.shutdownNow();
    return new Result(cases, outcome[0], outcome[1], byKind, escapes, wrapped);
  }

  /** The model of case {@code caseNo} of a run with {@code fuzzSeed}, rebuilt without running. */
  static byte[] replay(List<Seed> seeds, long fuzzSeed, long caseNo) {
    SplittableRandom root = new SplittableRandom(fuzzSeed);
    for (long c = 0; ; c++) {
      SplittableRandom r = root.split();
      Seed seed = seeds.get(r.nextInt(seeds.size()));
      String kind = Mutations.KINDS.get(r.nextInt(Mutations.KINDS.size()));
      if (c == caseNo) {
        return Mutations.apply(kind, seed.model(), r);
      }
    }
  }

  /** Null when the case behaved, else what went wrong. */
  private String runCase(Seed seed, byte[] bytes, long[] outcome) {
    Future<?> f = worker.submit(() -> {
      Graph g = OnnxReader.read(bytes, seed.name() + " (mutated)", null);
      outcome[0]++;
      Map<String, Tensor> feeds = feeds(g, seed.inputs());
      if (feeds == null) {
        return null;
      }
      try (Session s = new Session(g)) {
        s.run(feeds);
      }
      outcome[1]++;
      return null;
    });
    try {
      f.get(caseMillis, TimeUnit.MILLISECONDS);
      return null;
    } catch (TimeoutException e) {
      f.cancel(true);
      worker.shutdownNow();
      worker = newWorker(); // the stuck thread is a daemon; it must not block later cases
      return "no result within " + caseMillis + " ms";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } catch (ExecutionException e) {
      return judge(e.getCause());
    }
  }

  static final String WRAPPED = "typed error hiding ";

  /** Null for a typed error with typed causes, else what went wrong (see {@link #WRAPPED}). */
  static String judge(Throwable t) {
    if (!(t instanceof QuantLensException)) {
      return "untyped " + describe(t);
    }
    for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
      if (!(c instanceof QuantLensException) && !(c instanceof java.io.IOException)
          && !(c instanceof com.google.protobuf.InvalidProtocolBufferException)) {
        return WRAPPED + describe(c) + " (message: " + t.getMessage() + ")";
      }
    }
    return null;
  }

  private static String describe(Throwable t) {
    StackTraceElement[] st = t.getStackTrace();
    return t + (st.length > 0 ? " at " + st[0] : "");
  }

  /** The seed's inputs where names match, zeros of the declared shape otherwise; null to skip. */
  private static Map<String, Tensor> feeds(Graph g, Map<String, Tensor> seedInputs) {
    Map<String, Tensor> feeds = new HashMap<>();
    for (Value v : g.inputs()) {
      if (g.initializers().containsKey(v.name())) {
        continue;
      }
      Tensor t = seedInputs.get(v.name());
      if (t == null) {
        int[] shape = v.shape();
        if (shape == null || v.dtype() == null) {
          return null;
        }
        long n = 1;
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
          dims[i] = shape[i] < 0 ? 1 : shape[i];
          n *= dims[i];
          if (n > MAX_INPUT_ELEMENTS) {
            return null;
          }
        }
        t = Tensor.zeros(v.dtype(), dims);
      }
      feeds.put(v.name(), t);
    }
    return feeds;
  }
}
