package org.quantlens.study.run;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.quant.Int8Report;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.study.data.DatasetRegistry;
import org.quantlens.study.data.ImageDataset;
import org.quantlens.study.data.Npy;
import org.quantlens.study.report.StudyReport;

/**
 * Runs a study: checks the config against data and models, claims the output folder, trains what
 * must be trained, computes the logits of every (model, variant, set) not already cached, then
 * analyses the cached logits and writes results, samples, layer-wise errors, retraining results
 * and the report.
 *
 * <p>Cells of a set run in parallel on {@link Options#threads} threads, each cell single-threaded
 * over fixed batches, so results do not depend on the thread count. Each cell's logits are written
 * atomically as soon as they are computed: a killed run, started again, computes only what is
 * missing and ends with the same files.
 */
public final class StudyRunner {
  /** Settings of a run. */
  public static final class Options {
    private Path out;
    private boolean force;
    private int threads = Runtime.getRuntime().availableProcessors();
    private PrintStream log;
    private PrintStream progress;
    private boolean terminal;
    private DatasetRegistry registry;
    private Runnable afterCell = () -> { };
    private boolean report = true;
    private long setCacheBytes = 256L << 20;

    /** The output folder (default: the config's {@code output}). */
    public Options out(Path dir) {
      this.out = dir;
      return this;
    }

    /** Write into a folder made by another config, clearing its results and caches. */
    public Options force(boolean on) {
      this.force = on;
      return this;
    }

    /** Cells computed at once (default: available processors). */
    public Options threads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("threads must be at least 1, got " + n);
      }
      this.threads = n;
      return this;
    }

    /** Where phase lines go (null: nowhere). */
    public Options log(PrintStream s) {
      this.log = s;
      return this;
    }

    /**
     * Where the progress bar is drawn (null: nowhere); stderr on the command line. On a
     * {@code terminal} it redraws in place, elsewhere it prints a line per tenth of the work.
     */
    public Options progress(PrintStream s, boolean terminal) {
      this.progress = s;
      this.terminal = terminal;
      return this;
    }

    /** The dataset registry (default: {@link DatasetRegistry#standard()}). */
    public Options registry(DatasetRegistry r) {
      this.registry = r;
      return this;
    }

    /** Called after each computed cell has been written (tests inject interruptions here). */
    public Options afterCell(Runnable r) {
      this.afterCell = r;
      return this;
    }

    /** Whether to write the HTML report and summary at the end (default true). */
    public Options report(boolean on) {
      this.report = on;
      return this;
    }
  }

  /**
   * What a run did.
   *
   * @param computed cells whose logits were computed by this run
   * @param cached cells whose logits were already on disk
   * @param findings the report's findings, most important first (empty without a report)
   */
  public record Result(Path out, int computed, int cached, List<String> findings) {
    public Path report() {
      return out.resolve("report.html");
    }
  }

  private StudyRunner() {}

  /** Runs {@code config}; everything it cannot do is found before any work starts. */
  public static Result run(StudyConfig config, Options o) {
    long t0 = System.nanoTime();
    Path out = o.out != null ? o.out : config.output();
    if (out == null) {
      throw new StudyConfigException("output", "missing: give \"output\" in the config or --out");
    }
    StudyPlan plan = StudyPlan.prepare(config, o.registry != null ? o.registry : DatasetRegistry.standard());
    OutputFolder.claim(out, config, o.force);
    say(o, "study " + config.name() + ": " + plan.models.size() + " models x " + (config.variants().size() + 1)
        + " variants (float included) x " + plan.sets.size() + " sets of " + plan.test.size() + " images -> " + out);
    ExecutorService pool = Executors.newFixedThreadPool(o.threads, r -> {
      Thread t = new Thread(r, "quantlens-study");
      t.setDaemon(true);
      return t;
    });
    try (ModelStore store = new ModelStore(plan, out, o.log)) {
      for (StudyPlan.Model m : plan.models) {
        store.floatGraph(m); // train (or load) before the grid, so the bar measures inference
      }
      SetStore sets = new SetStore(plan, o.setCacheBytes);
      CellCache cache = new CellCache(out);
      AtomicInteger computed = new AtomicInteger();
      long tg = System.nanoTime();
      int cached = grid(plan, store, sets, cache, out, pool, o, computed);
      if (computed.get() > 0) {
        say(o, String.format(java.util.Locale.ROOT, "computed %d cells in %.1f s", computed.get(),
            (System.nanoTime() - tg) / 1e9));
      }
      StudyResults results = new StudyResults();
      long t1 = System.nanoTime();
      analyse(plan, cache, results);
      samples(plan, sets, out, results);
      int8Nodes(plan, store, results);
      say(o, String.format(java.util.Locale.ROOT, "analysed %d cells in %.1f s", results.cells.size(),
          (System.nanoTime() - t1) / 1e9));
      t1 = System.nanoTime();
      layers(plan, store, sets, out, results);
      say(o, String.format(java.util.Locale.ROOT, "layer-wise error of %d tensors in %.1f s", results.layers.size(),
          (System.nanoTime() - t1) / 1e9));
      t1 = System.nanoTime();
      new Retraining(plan, store, sets, out, pool, o.log).run(results);
      if (plan.config.retraining().enabled()) {
        say(o, String.format(java.util.Locale.ROOT, "retraining in %.1f s", (System.nanoTime() - t1) / 1e9));
      }
      Map<String, Object> header = new LinkedHashMap<>();
      header.put("study", config.name());
      header.put("seed", config.seed());
      header.put("dataset", config.dataset());
      header.put("class_names", plan.classes);
      header.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
      header.put("elapsed_seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
      ResultsWriter.resultsCsv(out.resolve("results.csv"), results.cells);
      ResultsWriter.metricsCsv(out.resolve("metrics.csv"), results.metrics);
      ResultsWriter.resultsJson(out.resolve("results.json"), header, plan, results);
      List<String> findings = o.report ? StudyReport.write(out) : List.of();
      say(o, String.format(java.util.Locale.ROOT, "done in %.1f s: %d cells computed, %d cached",
          (System.nanoTime() - t0) / 1e9, computed.get(), cached));
      return new Result(out, computed.get(), cached, findings);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Computes every missing cell, set after set; returns how many were cached already. */
  private static int grid(StudyPlan plan, ModelStore store, SetStore sets, CellCache cache, Path out,
      ExecutorService pool, Options o, AtomicInteger computed) {
    int classes = plan.classes.size();
    List<StudyConfig.VariantSpec> variants = new ArrayList<>();
    variants.add(null); // float
    variants.addAll(plan.config.variants());
    int missing = 0;
    int cached = 0;
    Map<StudySet, List<Map.Entry<StudyPlan.Model, StudyConfig.VariantSpec>>> work = new LinkedHashMap<>();
    for (StudySet s : plan.sets) {
      int n = size(plan, s);
      Path labels = out.resolve("labels").resolve(s.id() + ".npy");
      if (!Files.isRegularFile(labels)) {
        Npy.write(labels, s.natural() != null ? plan.natural.get(s.id()).labels() : plan.test.labels());
      }
      List<Map.Entry<StudyPlan.Model, StudyConfig.VariantSpec>> todo = new ArrayList<>();
      for (StudyPlan.Model m : plan.models) {
        for (StudyConfig.VariantSpec v : variants) {
          if (cache.valid(m.name(), name(v), s.id(), n, classes)) {
            cached++;
          } else {
            todo.add(new java.util.AbstractMap.SimpleImmutableEntry<>(m, v));
          }
        }
      }
      missing += todo.size();
      if (!todo.isEmpty()) {
        work.put(s, todo);
      }
    }
    if (missing == 0) {
      return cached;
    }
    say(o, missing + " cells to compute (" + cached + " cached)");
    ProgressBar bar = new ProgressBar(o.progress, "cells", missing, o.terminal);
    try {
      for (Map.Entry<StudySet, List<Map.Entry<StudyPlan.Model, StudyConfig.VariantSpec>>> e : work.entrySet()) {
        StudySet s = e.getKey();
        Tensor x = sets.images(s).toModelInput(); // made once, before the set's cells fan out
        List<Callable<Void>> jobs = new ArrayList<>();
        for (Map.Entry<StudyPlan.Model, StudyConfig.VariantSpec> c : e.getValue()) {
          StudyPlan.Model m = c.getKey();
          StudyConfig.VariantSpec v = c.getValue();
          jobs.add(() -> {
            Tensor logits = Inference.logits(store.session(m, v), m.layout(), x, plan.config.batchSize(), classes);
            cache.write(m.name(), name(v), s.id(), logits);
            computed.incrementAndGet();
            bar.advance(1);
            o.afterCell.run();
            return null;
          });
        }
        invokeAll(pool, jobs);
      }
    } finally {
      bar.finish();
    }
    return cached;
  }

  private static String name(StudyConfig.VariantSpec v) {
    return v == null ? CellCache.FLOAT : v.name();
  }

  /**
   * Runs {@code jobs} on {@code pool}; after the first failure the jobs not yet started are skipped,
   * and the failure is rethrown only once every started job has finished, so no job is still
   * writing when the caller reports the error (a cancelled future's get() would not wait for it).
   */
  static void invokeAll(ExecutorService pool, List<Callable<Void>> jobs) {
    AtomicBoolean failed = new AtomicBoolean();
    List<Future<Void>> fs = new ArrayList<>();
    for (Callable<Void> j : jobs) {
      fs.add(pool.submit(() -> {
        if (failed.get()) {
          return null;
        }
        try {
          return j.call();
        } catch (Exception | Error e) {
          failed.set(true);
          throw e;
        }
      }));
    }
    RuntimeException first = null;
    for (Future<Void> f : fs) {
      try {
        f.get();
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (first == null) {
          first = c instanceof RuntimeException re ? re : new QuantLensException(String.valueOf(c), c);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fs.forEach(x -> x.cancel(true));
        throw new QuantLensException("interrupted", e);
      }
    }
    if (first != null) {
      throw first;
    }
  }

  static int size(StudyPlan plan, StudySet s) {
    return s.natural() != null ? plan.natural.get(s.id()).size() : plan.test.size();
  }

  static long[] labels(StudyPlan plan, StudySet s) {
    return (s.natural() != null ? plan.natural.get(s.id()) : plan.test).labels().longs();
  }

  /** Reads every cell back from the cache and analyses it. */
  private static void analyse(StudyPlan plan, CellCache cache, StudyResults r) {
    int classes = plan.classes.size();
    for (StudyPlan.Model m : plan.models) {
      for (StudySet s : plan.sets) {
        int n = size(plan, s);
        float[] lf = cache.require(m.name(), CellCache.FLOAT, s.id(), n, classes);
        for (StudyConfig.VariantSpec v : plan.config.variants()) {
          float[] lq = cache.require(m.name(), v.name(), s.id(), n, classes);
          CellAnalysis a = new CellAnalysis(lf, lq, labels(plan, s), classes);
          r.cells.add(new StudyResults.Cell(m.name(), v.name(), s, a.stats, a.margins));
          a.metrics(m.name(), v.name(), s.id(), plan.config.metrics(), plan.config.seed(), r.metrics);
        }
      }
    }
  }

  /**
   * Sample disagreements: the first {@code samples_per_cell} of each cell on the clean set, the
   * natural sets and each corruption's highest severity, as x4 PNGs with both top-3s.
   */
  private static void samples(StudyPlan plan, SetStore sets, Path out, StudyResults r) {
    int k = plan.config.samplesPerCell();
    if (k == 0) {
      return;
    }
    int maxSeverity = plan.config.severities().isEmpty() ? 0
        : plan.config.severities().get(plan.config.severities().size() - 1);
    CellCache cache = new CellCache(out);
    int classes = plan.classes.size();
    for (StudySet s : plan.sets) {
      if (s.isCorruption() && s.severity() != maxSeverity) {
        continue;
      }
      int n = size(plan, s);
      long[] labels = labels(plan, s);
      for (StudyPlan.Model m : plan.models) {
        float[] lf = cache.require(m.name(), CellCache.FLOAT, s.id(), n, classes);
        for (StudyConfig.VariantSpec v : plan.config.variants()) {
          float[] lq = cache.require(m.name(), v.name(), s.id(), n, classes);
          CellAnalysis a = new CellAnalysis(lf, lq, labels, classes);
          int taken = 0;
          for (int i = 0; i < n && taken < k; i++) {
            if (!a.disagree[i]) {
              continue;
            }
            taken++;
            String file = "samples/" + m.name() + "_" + v.name() + "_" + s.id() + "_" + i + ".png";
            Path png = out.resolve(file);
            if (!Files.isRegularFile(png)) {
              SampleImages.write(sets.images(s), i, png);
            }
            r.samples.add(new StudyResults.Sample(file, m.name(), v.name(), s.id(), i, labels[i],
                a.top3(a.probsFloat, i), a.top3(a.probsQuant, i)));
          }
        }
      }
    }
  }

  private static void int8Nodes(StudyPlan plan, ModelStore store, StudyResults r) {
    for (StudyPlan.Model m : plan.models) {
      for (StudyConfig.VariantSpec v : plan.config.variants()) {
        Int8Report rep = store.variant(m, v).report();
        for (Int8Report.Entry e : rep.entries()) {
          r.int8Nodes.add(new StudyResults.Int8Node(m.name(), v.name(), e.node(), e.opType(), e.int8(), e.reason()));
        }
      }
    }
  }

  /**
   * Layer-wise error per (model, variant), on the set where it disagrees most: up to
   * {@code layer_samples} disagreements and as many agreements, seeded.
   */
  private static void layers(StudyPlan plan, ModelStore store, SetStore sets, Path out, StudyResults r) {
    int per = plan.config.layerSamples();
    if (per == 0) {
      return;
    }
    for (StudyPlan.Model m : plan.models) {
      for (StudyConfig.VariantSpec v : plan.config.variants()) {
        StudyResults.Cell worst = null;
        for (StudyResults.Cell c : r.cells) {
          if (c.model().equals(m.name()) && c.variant().equals(v.name())
              && (worst == null || c.stats().disagreements() > worst.stats().disagreements())) {
            worst = c;
          }
        }
        StudySet s = worst.set();
        CellCache cache = new CellCache(out);
        int n = size(plan, s);
        int classes = plan.classes.size();
        CellAnalysis a = new CellAnalysis(cache.require(m.name(), CellCache.FLOAT, s.id(), n, classes),
            cache.require(m.name(), v.name(), s.id(), n, classes), labels(plan, s), classes);
        int[] dis = pick(a.disagree, true, per, plan.config.seed());
        int[] agr = pick(a.disagree, false, per, plan.config.seed() + 1);
        int count = dis.length + agr.length;
        Tensor all = sets.images(s).toModelInput();
        int px = all.size() / n;
        float[] x = new float[count * px];
        boolean[] flag = new boolean[count];
        for (int i = 0; i < count; i++) {
          int idx = i < dis.length ? dis[i] : agr[i - dis.length];
          flag[i] = i < dis.length;
          System.arraycopy(all.floats(), idx * px, x, i * px, px);
        }
        Tensor batch = m.layout().view(Tensor.of(x, count, all.dim(1), all.dim(2), all.dim(3)));
        Variants.Built built = store.variant(m, v);
        r.layers.addAll(LayerwiseError.compare(m.name(), v.name(), s.id(), store.floatGraph(m), built,
            m.layout().input(), batch, flag));
      }
    }
  }

  /** Up to {@code k} indices where {@code mask == want}, a seeded choice, ascending. */
  static int[] pick(boolean[] mask, boolean want, int k, long seed) {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < mask.length; i++) {
      if (mask[i] == want) {
        idx.add(i);
      }
    }
    int take = Math.min(k, idx.size());
    int[] chosen = ModelStore.sample(idx.size(), take, seed);
    int[] out = new int[take];
    for (int i = 0; i < take; i++) {
      out[i] = idx.get(chosen[i]);
    }
    return out;
  }

  private static void say(Options o, String line) {
    if (o.log != null) {
      o.log.println(line);
    }
  }
}
