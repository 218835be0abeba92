package org.quantlens.study.run;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Dataset;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.OnnxWriter;
import org.quantlens.study.analysis.RetrainOutcome;
import org.quantlens.study.data.AtomicFiles;
import org.quantlens.study.data.ImageDataset;

/**
 * Question 4: does retraining with disagreements remove them? For each model and each variant
 * listed under {@code retraining}, the float model is fine-tuned on its training data plus the
 * disagreeing inputs (with their true labels), the variant is built again from it with the same
 * settings, and the disagreements before and after are compared, under two protocols:
 * <ul>
 *   <li>{@code paper}: disagreements from all the study's sets, evaluated on the same inputs (as the
 *       paper did, which measures memorisation as much as repair);
 *   <li>{@code clean}: the test images split in two halves by a seeded coin per image index (a
 *       corrupted copy goes with its image); disagreements from one half, evaluated on the other.
 * </ul>
 * Fine-tuned models and their logits are cached under {@code OUT/cache/retrain/}, so a rerun
 * recomputes nothing.
 */
final class Retraining {
  private final StudyPlan plan;
  private final ModelStore store;
  private final SetStore sets;
  private final Path out;
  private final ExecutorService pool;
  private final PrintStream log;

  Retraining(StudyPlan plan, ModelStore store, SetStore sets, Path out, ExecutorService pool, PrintStream log) {
    this.plan = plan;
    this.store = store;
    this.sets = sets;
    this.out = out;
    this.pool = pool;
    this.log = log;
  }

  void run(StudyResults r) {
    StudyConfig.Retraining cfg = plan.config.retraining();
    if (!cfg.enabled()) {
      return;
    }
    CellCache cache = new CellCache(out);
    int classes = plan.classes.size();
    int maxN = plan.sets.stream().mapToInt(s -> StudyRunner.size(plan, s)).max().orElse(0);
    boolean[] half = new boolean[maxN]; // true: half A (source of disagreements in the clean protocol)
    SplittableRandom coin = new SplittableRandom(plan.config.seed() ^ 0x5DEECE66DL);
    for (int i = 0; i < maxN; i++) {
      half[i] = coin.nextBoolean();
    }
    for (StudyPlan.Model m : plan.models) {
      for (String vn : cfg.variants()) {
        StudyConfig.VariantSpec v = plan.config.variants().stream().filter(x -> x.name().equals(vn)).findFirst()
            .orElseThrow();
        List<CellAnalysis> before = new ArrayList<>();
        for (StudySet s : plan.sets) {
          int n = StudyRunner.size(plan, s);
          before.add(new CellAnalysis(cache.require(m.name(), CellCache.FLOAT, s.id(), n, classes),
              cache.require(m.name(), vn, s.id(), n, classes), StudyRunner.labels(plan, s), classes));
        }
        for (String protocol : List.of("paper", "clean")) {
          boolean clean = protocol.equals("clean");
          try {
            List<CellAnalysis> after = after(m, v, protocol, before, clean ? half : null);
            r.retraining.add(outcome(m.name(), vn, protocol, before, after, clean ? half : null));
          } catch (QuantLensException e) {
            if (log != null) {
              log.println("retraining " + m.name() + "/" + vn + " (" + protocol + ") skipped: " + e.getMessage());
            }
          }
        }
      }
    }
  }

  /** The analysis of each set after retraining (retrained float vs its rebuilt variant). */
  private List<CellAnalysis> after(StudyPlan.Model m, StudyConfig.VariantSpec v, String protocol,
      List<CellAnalysis> before, boolean[] half) {
    Path dir = out.resolve("cache").resolve("retrain").resolve(protocol).resolve(m.name()).resolve(v.name());
    CellCache cache = new CellCache(dir, "outputs");
    int classes = plan.classes.size();
    boolean done = true;
    for (StudySet s : plan.sets) {
      int n = StudyRunner.size(plan, s);
      done &= cache.valid("float", "logits", s.id(), n, classes) && cache.valid("quant", "logits", s.id(), n, classes);
    }
    if (!done) {
      Graph retrained = retrained(m, v, dir.resolve("model.onnx"), before, half);
      Variants.Built q = store.build(m, retrained, v);
      try (Session fs = new Session(retrained, new Session.Options().threads(1));
          Session qs = new Session(q.graph(), new Session.Options().threads(1))) {
        List<Callable<Void>> jobs = new ArrayList<>();
        for (StudySet s : plan.sets) {
          jobs.add(() -> {
            int n = StudyRunner.size(plan, s);
            if (cache.valid("float", "logits", s.id(), n, classes) && cache.valid("quant", "logits", s.id(), n, classes)) {
              return null;
            }
            Tensor x = sets.images(s).toModelInput();
            cache.write("float", "logits", s.id(), Inference.logits(fs, m.layout(), x, plan.config.batchSize(), classes));
            cache.write("quant", "logits", s.id(), Inference.logits(qs, m.layout(), x, plan.config.batchSize(), classes));
            return null;
          });
        }
        StudyRunner.invokeAll(pool, jobs);
      }
    }
    List<CellAnalysis> result = new ArrayList<>();
    for (StudySet s : plan.sets) {
      int n = StudyRunner.size(plan, s);
      result.add(new CellAnalysis(cache.require("float", "logits", s.id(), n, classes),
          cache.require("quant", "logits", s.id(), n, classes), StudyRunner.labels(plan, s), classes));
    }
    return result;
  }

  /** The retrained float model, cached at {@code file}. */
  private Graph retrained(StudyPlan.Model m, StudyConfig.VariantSpec v, Path file, List<CellAnalysis> before,
      boolean[] half) {
    if (Files.isRegularFile(file)) {
      try {
        return OnnxReader.read(file);
      } catch (QuantLensException e) {
        // damaged: retrain
      }
    }
    ImageDataset train = plan.train();
    Tensor tx = train.toModelInput();
    int per = tx.size() / tx.dim(0);
    List<float[]> extraX = new ArrayList<>();
    List<Long> extraY = new ArrayList<>();
    for (int k = 0; k < plan.sets.size(); k++) {
      StudySet s = plan.sets.get(k);
      boolean[] dis = before.get(k).disagree;
      long[] labels = StudyRunner.labels(plan, s);
      Tensor x = null;
      for (int i = 0; i < dis.length; i++) {
        if (dis[i] && (half == null || half[i])) {
          if (x == null) {
            x = sets.images(s).toModelInput();
          }
          extraX.add(java.util.Arrays.copyOfRange(x.floats(), i * per, (i + 1) * per));
          extraY.add(labels[i]);
        }
      }
    }
    float[] xs = new float[extraX.size() * per];
    long[] ys = new long[extraX.size()];
    for (int i = 0; i < extraX.size(); i++) {
      System.arraycopy(extraX.get(i), 0, xs, i * per, per);
      ys[i] = extraY.get(i);
    }
    if (log != null) {
      log.println("retraining " + m.name() + " with " + extraX.size() + " disagreements of " + v.name()
          + (half == null ? " (paper protocol)" : " (clean protocol)"));
    }
    Dataset base = Dataset.of(m.layout().view(tx), train.labels());
    Dataset extra = Dataset.of(m.layout().view(Tensor.of(xs, ys.length, tx.dim(1), tx.dim(2), tx.dim(3))),
        Tensor.of(ys, ys.length));
    StudyConfig.Retraining cfg = plan.config.retraining();
    Graph g = ModelZoo.fineTune(store.floatGraph(m), base, extra, cfg.epochs(), cfg.learningRate(),
        m.spec().batchSize(), plan.config.seed());
    byte[] bytes = OnnxWriter.toBytes(g);
    AtomicFiles.write(file, bytes);
    return OnnxReader.read(bytes, file.toString(), file.getParent());
  }

  /** Disagreements and quantized accuracy before vs after, over the evaluated inputs. */
  private StudyResults.Retrain outcome(String model, String variant, String protocol, List<CellAnalysis> before,
      List<CellAnalysis> after, boolean[] half) {
    int total = 0;
    for (CellAnalysis c : before) {
      for (int i = 0; i < c.n; i++) {
        total += half != null && half[i] ? 0 : 1;
      }
    }
    boolean[] b = new boolean[total];
    boolean[] a = new boolean[total];
    long okBefore = 0;
    long okAfter = 0;
    int j = 0;
    for (int k = 0; k < before.size(); k++) {
      CellAnalysis c = before.get(k);
      CellAnalysis d = after.get(k);
      long[] labels = StudyRunner.labels(plan, plan.sets.get(k));
      for (int i = 0; i < c.n; i++) {
        if (half != null && half[i]) {
          continue; // the clean protocol evaluates on the other half only
        }
        b[j] = c.disagree[i];
        a[j] = d.disagree[i];
        okBefore += c.predQuant[i] == labels[i] ? 1 : 0;
        okAfter += d.predQuant[i] == labels[i] ? 1 : 0;
        j++;
      }
    }
    return new StudyResults.Retrain(model, variant, protocol, RetrainOutcome.compare(b, a),
        total == 0 ? Double.NaN : (double) okBefore / total, total == 0 ? Double.NaN : (double) okAfter / total);
  }
}
