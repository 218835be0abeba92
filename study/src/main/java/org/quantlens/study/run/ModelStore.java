package org.quantlens.study.run;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.quant.Calibration;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Dataset;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.OnnxWriter;
import org.quantlens.study.data.AtomicFiles;
import org.quantlens.study.data.ImageDataset;

/**
 * The study's models: float graphs (read from file, or trained once and cached as
 * {@code OUT/models/<name>.onnx}), their quantized variants (built on first use, calibrated on a
 * seeded sample of the training images), and one inference session per (model, variant).
 * Thread-safe.
 */
final class ModelStore implements AutoCloseable {
  /** Images per calibration batch. */
  private static final int CALIB_BATCH = 50;
  private final StudyPlan plan;
  private final Path modelsDir;
  private final PrintStream log;
  private final Map<String, Graph> floats = new HashMap<>();
  private final Map<String, Variants.Built> variants = new HashMap<>();
  private final Map<String, Session> sessions = new HashMap<>();

  ModelStore(StudyPlan plan, Path out, PrintStream log) {
    this.plan = plan;
    this.modelsDir = out.resolve("models");
    this.log = log;
  }

  /** Where a trained model is cached. */
  Path cachedModel(String name) {
    return modelsDir.resolve(name + ".onnx");
  }

  /** The float graph of {@code m}: its file, the cached trained model, or a model trained now. */
  synchronized Graph floatGraph(StudyPlan.Model m) {
    Graph g = floats.get(m.name());
    if (g != null) {
      return g;
    }
    if (m.fileGraph() != null) {
      g = m.fileGraph();
    } else {
      Path cached = cachedModel(m.name());
      if (Files.isRegularFile(cached)) {
        try {
          g = OnnxReader.read(cached);
        } catch (QuantLensException e) {
          g = null; // a damaged cache: train again
        }
      }
      if (g == null) {
        g = train(m);
        byte[] bytes = OnnxWriter.toBytes(g);
        AtomicFiles.write(cached, bytes);
        g = OnnxReader.read(bytes, cached.toString(), modelsDir); // what a later run reads
      }
    }
    floats.put(m.name(), g);
    return g;
  }

  private Graph train(StudyPlan.Model m) {
    StudyConfig.ModelSpec s = m.spec();
    ImageDataset train = plan.train();
    if (log != null) {
      log.println("training " + s.name() + " (" + s.arch() + ", " + s.recipe() + ", " + s.epochs()
          + " epochs on " + train.size() + " images)");
    }
    long t0 = System.nanoTime();
    Graph untrained = ModelZoo.build(s.arch(), train.channels(), train.height(), train.width(),
        plan.classes.size(), plan.config.seed());
    Dataset data = Dataset.of(m.layout().view(train.toModelInput()), train.labels());
    Graph g = ModelZoo.train(s, untrained, data, plan.config.seed(), log);
    if (log != null) {
      log.printf(java.util.Locale.ROOT, "trained %s in %.1f s%n", s.name(), (System.nanoTime() - t0) / 1e9);
    }
    return g;
  }

  /** The built variant {@code v} of model {@code m}. */
  synchronized Variants.Built variant(StudyPlan.Model m, StudyConfig.VariantSpec v) {
    String key = m.name() + "/" + v.name();
    Variants.Built b = variants.get(key);
    if (b == null) {
      b = build(m, floatGraph(m), v);
      variants.put(key, b);
    }
    return b;
  }

  /** Builds variant {@code v} of {@code floatGraph} (also used for retrained models). */
  Variants.Built build(StudyPlan.Model m, Graph floatGraph, StudyConfig.VariantSpec v) {
    QuantConfig cfg = QuantConfig.defaults().withPerChannel(v.perChannel())
        .withMethod(QuantConfig.Method.parse(v.calibration()));
    Calibration calib = Variants.needsCalibration(v.name()) ? calibration(m, v.calibrationSize()) : null;
    return Variants.buildVariant(floatGraph, v.name(), calib, cfg);
  }

  /** A seeded sample of {@code size} training images, in batches, laid out for the model. */
  private Calibration calibration(StudyPlan.Model m, int size) {
    ImageDataset train = plan.train();
    int n = Math.min(size, train.size());
    int[] pick = sample(train.size(), n, plan.config.seed());
    Tensor all = train.toModelInput();
    int per = all.size() / all.dim(0);
    float[] src = all.floats();
    List<Map<String, Tensor>> feeds = new ArrayList<>();
    for (int from = 0; from < n; from += CALIB_BATCH) {
      int k = Math.min(CALIB_BATCH, n - from);
      float[] x = new float[k * per];
      for (int i = 0; i < k; i++) {
        System.arraycopy(src, pick[from + i] * per, x, i * per, per);
      }
      Tensor nchw = Tensor.of(x, k, train.channels(), train.height(), train.width());
      feeds.add(Map.of(m.layout().input(), m.layout().view(nchw)));
    }
    return Calibration.of(feeds);
  }

  /** {@code k} distinct indices of {@code [0, n)}, seeded, in ascending order. */
  static int[] sample(int n, int k, long seed) {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < k; i++) {
      int j = i + r.nextInt(n - i);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    int[] out = java.util.Arrays.copyOf(idx, k);
    java.util.Arrays.sort(out);
    return out;
  }

  /** The session of (model, variant); {@code float} names the float model. Single-threaded. */
  synchronized Session session(StudyPlan.Model m, StudyConfig.VariantSpec v) {
    String key = m.name() + "/" + (v == null ? CellCache.FLOAT : v.name());
    Session s = sessions.get(key);
    if (s == null) {
      Graph g = v == null ? floatGraph(m) : variant(m, v).graph();
      s = new Session(g, new Session.Options().threads(1));
      sessions.put(key, s);
    }
    return s;
  }

  @Override
  public synchronized void close() {
    sessions.values().forEach(Session::close);
    sessions.clear();
  }
}
