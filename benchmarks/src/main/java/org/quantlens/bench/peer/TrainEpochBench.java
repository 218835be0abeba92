package org.quantlens.bench.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.quantlens.bench.report.Json;
import org.quantlens.bench.report.Stats;
import org.quantlens.engine.train.Adam;
import org.quantlens.engine.train.Dataset;
import org.quantlens.engine.train.LrSchedule;
import org.quantlens.engine.train.TrainResult;
import org.quantlens.engine.train.Trainer;
import org.quantlens.engine.train.TrainingSession;
import org.quantlens.study.data.Idx;
import org.quantlens.study.data.ImageDataset;
import org.quantlens.study.zoo.LeNet;

/**
 * One LeNet-5 training epoch on Fashion-MNIST, our engine against PyTorch on the CPU, in the same
 * run: for each thread count, rounds alternate between our epoch (in this JVM, a fresh model each
 * round) and {@code benchmarks/torch/lenet5_epoch.py} (a fresh Python process), same model, Adam
 * at 1e-3, batch 128, seeded shuffle. Times cover the epoch's training loop only (not loading
 * the data nor testing). Before the first round our engine trains a few batches untimed, so
 * the JIT's warm-up is not billed to one round only. Writes JSON for {@code ResultsReport}.
 *
 * <pre>
 * java -cp benchmarks.jar org.quantlens.bench.peer.TrainEpochBench [--rounds 3] [--threads 1,2]
 *   [--python /usr/bin/python3] [--script benchmarks/torch/lenet5_epoch.py] [--limit N]
 *   [--profile] --out train-epoch.json
 * </pre>
 *
 * With {@code --profile}, one extra epoch of ours runs with per-node timing and the nodes' forward
 * and backward times are printed, largest first.
 */
public final class TrainEpochBench {
  private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
  private static final int BATCH = 128;

  private TrainEpochBench() {}

  public static void main(String[] argv) throws Exception {
    int rounds = 3;
    List<Integer> threads = List.of(1, 2);
    String python = "/usr/bin/python3";
    Path script = Path.of("benchmarks/torch/lenet5_epoch.py");
    Path out = Path.of("target/train-epoch.json");
    int limit = 0;
    boolean profile = false;
    for (int i = 0; i < argv.length; i++) {
      switch (argv[i]) {
        case "--rounds": rounds = Integer.parseInt(argv[++i]); break;
        case "--threads": threads = parseInts(argv[++i]); break;
        case "--python": python = argv[++i]; break;
        case "--script": script = Path.of(argv[++i]); break;
        case "--out": out = Path.of(argv[++i]); break;
        case "--limit": limit = Integer.parseInt(argv[++i]); break;
        case "--profile": profile = true; break;
        default: throw new IllegalArgumentException("unknown argument " + argv[i]);
      }
    }
    Dataset train = load("train", limit);
    Dataset test = load("t10k", 0);
    warmUp(train);
    List<Object> results = new ArrayList<>();
    for (int t : threads) {
      double[] ours = new double[rounds];
      double[] theirs = new double[rounds];
      double[] ratios = new double[rounds];
      double oursAcc = Double.NaN;
      double theirAcc = Double.NaN;
      String torch = "?";
      for (int r = 0; r < rounds; r++) {
        double[] o = ourEpoch(train, test, t, false);
        ours[r] = o[0];
        oursAcc = o[1];
        Map<String, Object> p = pytorchEpoch(python, script, t, limit);
        theirs[r] = ((Number) p.get("seconds")).doubleValue();
        theirAcc = ((Number) p.get("testAccuracy")).doubleValue();
        torch = String.valueOf(p.get("torch"));
        ratios[r] = ours[r] / theirs[r];
        System.out.printf(Locale.ROOT, "threads %d round %d: ours %.2f s (test acc %.4f), pytorch"
            + " %.2f s (test acc %.4f), ratio %.3f%n", t, r + 1, ours[r], oursAcc, theirs[r],
            theirAcc, ratios[r]);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("threads", (double) t);
      row.put("images", (double) train.size());
      row.put("oursSeconds", list(ours));
      row.put("pytorchSeconds", list(theirs));
      row.put("ratios", list(ratios));
      row.put("ratio", Stats.median(ratios));
      row.put("oursTestAccuracy", oursAcc);
      row.put("pytorchTestAccuracy", theirAcc);
      row.put("torch", torch);
      results.add(row);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("rounds", (double) rounds);
    doc.put("batch", (double) BATCH);
    doc.put("results", results);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, Json.write(doc));
    System.out.println("wrote " + out);
    if (profile) {
      ourEpoch(train, test, threads.get(0), true);
    }
  }

  private static Dataset load(String prefix, int limit) {
    ImageDataset d = Idx.load("fashion-mnist-" + prefix,
        DATA.resolve(prefix + "-images-idx3-ubyte.gz"), DATA.resolve(prefix + "-labels-idx1-ubyte.gz"),
        Idx.FASHION_MNIST_CLASSES);
    if (limit > 0 && limit < d.size()) {
      d = d.head(limit);
    }
    return Dataset.of(d.toModelInput(), d.labels());
  }

  private static Trainer trainer() {
    return Trainer.builder().epochs(1).batchSize(BATCH).seed(1).optimizer(new Adam())
        .schedule(LrSchedule.constant(1e-3)).build();
  }

  /** Forty batches untimed, so the timed rounds run compiled code. */
  private static void warmUp(Dataset train) {
    try (TrainingSession s = new TrainingSession(LeNet.lenet5(1, 28, 28, 10, 1),
        new TrainingSession.Options().seed(1))) {
      trainer().fit(s, train.head(40 * BATCH), null);
    }
  }

  /** {seconds of the epoch's loop, test accuracy}; with {@code profile} prints node times. */
  private static double[] ourEpoch(Dataset train, Dataset test, int threads, boolean profile) {
    TrainingSession.Options o = new TrainingSession.Options().seed(1).threads(threads);
    if (profile) {
      o.profile(System::nanoTime);
    }
    try (TrainingSession s = new TrainingSession(LeNet.lenet5(1, 28, 28, 10, 1), o)) {
      Trainer t = trainer();
      TrainResult r = t.fit(s, train, null);
      double seconds = r.last().seconds();
      if (profile) {
        printProfile(s.profile(), seconds);
      }
      return new double[] {seconds, t.evaluate(s, test).accuracy()};
    }
  }

  private static void printProfile(Map<String, long[]> p, double epochSeconds) {
    double fwd = 0;
    double bwd = 0;
    for (long[] v : p.values()) {
      fwd += v[0] / 1e9;
      bwd += v[1] / 1e9;
    }
    System.out.printf(Locale.ROOT, "profile of one epoch (%.2f s): forward %.2f s, backward %.2f s,"
        + " rest (batching, loss, optimizer) %.2f s%n", epochSeconds, fwd, bwd,
        epochSeconds - fwd - bwd);
    List<Map.Entry<String, long[]>> nodes = new ArrayList<>(p.entrySet());
    nodes.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]
        + e.getValue()[1]).reversed());
    for (Map.Entry<String, long[]> e : nodes) {
      System.out.printf(Locale.ROOT, "  %-28s forward %7.3f s  backward %7.3f s%n", e.getKey(),
          e.getValue()[0] / 1e9, e.getValue()[1] / 1e9);
    }
  }

  /** Runs the PyTorch script and parses the JSON line it prints last. */
  private static Map<String, Object> pytorchEpoch(String python, Path script, int threads,
      int limit) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--threads",
        String.valueOf(threads), "--data", DATA.toString()));
    if (limit > 0) {
      cmd.add("--limit");
      cmd.add(String.valueOf(limit));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
    Process proc = pb.start();
    String stdout = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = proc.waitFor();
    String[] lines = stdout.strip().split("\n");
    String last = lines[lines.length - 1];
    if (rc != 0 || !last.startsWith("{")) {
      throw new IOException("'" + String.join(" ", cmd) + "' exited with " + rc
          + " and printed: " + stdout.strip());
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) Json.parse(last);
    return m;
  }

  private static List<Integer> parseInts(String csv) {
    List<Integer> l = new ArrayList<>();
    for (String s : csv.split(",")) {
      l.add(Integer.parseInt(s.trim()));
    }
    return l;
  }

  private static List<Object> list(double[] a) {
    List<Object> l = new ArrayList<>();
    for (double v : a) {
      l.add(v);
    }
    return l;
  }
}
