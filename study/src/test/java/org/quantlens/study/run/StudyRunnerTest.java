package org.quantlens.study.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.study.data.Npy;

/**
 * A small study end to end: every output of the contract, results.csv against disagreements
 * recomputed here from the cached logits, a rerun that computes nothing, an interrupted run that
 * resumes to the same files, thread-count independence, and the output-folder guard.
 */
class StudyRunnerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> SETS = List.of("clean", "mnist-c_fog_s4", "mnist-c_rotate_s4");
  private static final List<String> VARIANTS = List.of("static-int8", "fake-3");
  private static final int CELLS = SETS.size() * (VARIANTS.size() + 1);

  @TempDir
  static Path tmp;
  private static Path first;
  private static StudyRunner.Result firstResult;

  @BeforeAll
  static void runOnce() {
    first = tmp.resolve("first");
    firstResult = StudyRunner.run(SmallStudy.config(1), new StudyRunner.Options().out(first).threads(2));
  }

  @Test
  void writesEveryOutputOfTheContractWithItsColumns() throws IOException {
    assertEquals(CELLS, firstResult.computed());
    for (String f : List.of("study.json", "results.csv", "metrics.csv", "results.json", "report.html", "summary.md")) {
      assertTrue(Files.isRegularFile(first.resolve(f)), f);
    }
    List<String> results = Files.readAllLines(first.resolve("results.csv"));
    assertEquals("model,variant,set,shift,severity,n,acc_float,acc_quant,disagreements,disagreement_rate,"
        + "rate_ci_low,rate_ci_high,float_right_quant_wrong,float_wrong_quant_right,both_wrong", results.get(0));
    assertEquals(1 + SETS.size() * VARIANTS.size(), results.size());
    assertTrue(results.contains(results.stream().filter(l -> l.contains(",clean,identity,0,50,")).findFirst().orElse("missing")));
    assertTrue(results.stream().anyMatch(l -> l.contains(",mnist-c_fog_s4,mnist-c/fog,4,50,")));
    List<String> metrics = Files.readAllLines(first.resolve("metrics.csv"));
    assertEquals("model,variant,set,metric,protocol,auroc,aupr,tnr_at_95tpr", metrics.get(0));
    // margin and entropy on both softmaxes, kl once; two protocols each
    assertEquals(1 + SETS.size() * VARIANTS.size() * 5 * 2, metrics.size());
    assertTrue(metrics.stream().anyMatch(l -> l.contains(",margin@float,paper,")));
    assertTrue(metrics.stream().anyMatch(l -> l.contains(",kl,direct,")));
    for (String set : SETS) {
      Tensor labels = Npy.read(first.resolve("labels").resolve(set + ".npy"));
      assertEquals(DType.I64, labels.dtype());
      assertArrayEquals(new int[] {50}, labels.shape());
      for (String v : List.of("float", "static-int8", "fake-3")) {
        Tensor logits = Npy.read(first.resolve("outputs/lenet5-tiny").resolve(v).resolve(set + ".npy"));
        assertEquals(DType.F32, logits.dtype());
        assertArrayEquals(new int[] {50, 10}, logits.shape());
      }
    }
    assertTrue(Files.isRegularFile(first.resolve("models/lenet5-tiny.onnx")));
    JsonNode j = JSON.readTree(first.resolve("results.json").toFile());
    for (String k : List.of("study", "seed", "dataset", "class_names", "created", "elapsed_seconds", "models",
        "variants", "sets", "cells", "metrics", "layers", "retraining", "samples", "int8_nodes")) {
      assertTrue(j.has(k), k);
    }
    assertEquals(SETS.size() * VARIANTS.size(), j.get("cells").size());
    assertTrue(j.get("cells").get(0).has("margin_hist"));
    assertEquals(2, j.get("retraining").size()); // fake-3, paper and clean protocols
    assertTrue(j.get("layers").size() > 0);
    JsonNode layer = j.get("layers").get(0);
    for (String k : List.of("model", "variant", "set", "tensor", "op", "sqnr_db_agree", "sqnr_db_disagree",
        "cosine_agree", "cosine_disagree", "max_abs_agree", "max_abs_disagree")) {
      assertTrue(layer.has(k), k);
    }
    assertTrue(j.get("int8_nodes").size() > 0);
    assertTrue(j.get("samples").size() > 0, "fake-3 on 50 images should disagree somewhere");
    for (JsonNode s : j.get("samples")) {
      BufferedImage img = ImageIO.read(first.resolve(s.get("file").asText()).toFile());
      assertEquals(28 * 4, img.getWidth());
      assertEquals(3, s.get("float_top3").size());
      int index = s.get("index").asInt();
      int[] pf = argmax(Npy.read(first.resolve("outputs/lenet5-tiny/float").resolve(s.get("set").asText() + ".npy")));
      int[] pq = argmax(Npy.read(first.resolve("outputs/lenet5-tiny").resolve(s.get("variant").asText())
          .resolve(s.get("set").asText() + ".npy")));
      assertTrue(pf[index] != pq[index], "a sample is a disagreement");
      assertEquals(pf[index], s.get("float_top3").get(0).get(0).asInt());
      assertEquals(pq[index], s.get("quant_top3").get(0).get(0).asInt());
    }
  }

  @Test
  void resultsCsvAgreesWithDisagreementsRecomputedFromTheCachedLogits() throws IOException {
    List<String> lines = Files.readAllLines(first.resolve("results.csv"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      long[] y = Npy.read(first.resolve("labels").resolve(f[2] + ".npy")).longs();
      int[] pf = argmax(Npy.read(first.resolve("outputs").resolve(f[0]).resolve("float").resolve(f[2] + ".npy")));
      int[] pq = argmax(Npy.read(first.resolve("outputs").resolve(f[0]).resolve(f[1]).resolve(f[2] + ".npy")));
      int dis = 0;
      int fixedByQuant = 0;
      int brokenByQuant = 0;
      int both = 0;
      int okF = 0;
      int okQ = 0;
      for (int i = 0; i < y.length; i++) {
        okF += pf[i] == y[i] ? 1 : 0;
        okQ += pq[i] == y[i] ? 1 : 0;
        if (pf[i] != pq[i]) {
          dis++;
          if (pf[i] == y[i]) {
            brokenByQuant++;
          } else if (pq[i] == y[i]) {
            fixedByQuant++;
          } else {
            both++;
          }
        }
      }
      assertEquals(y.length, Integer.parseInt(f[5]), line);
      assertEquals(okF / (double) y.length, Double.parseDouble(f[6]), 1e-6, line);
      assertEquals(okQ / (double) y.length, Double.parseDouble(f[7]), 1e-6, line);
      assertEquals(dis, Integer.parseInt(f[8]), line);
      assertEquals(dis / (double) y.length, Double.parseDouble(f[9]), 1e-6, line);
      assertTrue(Double.parseDouble(f[10]) <= Double.parseDouble(f[9]) && Double.parseDouble(f[9]) <= Double.parseDouble(f[11]));
      assertEquals(brokenByQuant, Integer.parseInt(f[12]), line);
      assertEquals(fixedByQuant, Integer.parseInt(f[13]), line);
      assertEquals(both, Integer.parseInt(f[14]), line);
    }
  }

  @Test
  void aRerunComputesNothingAndLeavesCachedOutputsUntouched() throws IOException {
    Path dir = tmp.resolve("rerun");
    StudyRunner.run(SmallStudy.config(1), new StudyRunner.Options().out(dir).report(false));
    Map<Path, FileTime> before = mtimes(dir.resolve("outputs"));
    before.putAll(mtimes(dir.resolve("models")));
    byte[] csv = Files.readAllBytes(dir.resolve("results.csv"));
    StudyRunner.Result again = StudyRunner.run(SmallStudy.config(1), new StudyRunner.Options().out(dir).report(false));
    assertEquals(0, again.computed());
    assertEquals(CELLS, again.cached());
    Map<Path, FileTime> after = mtimes(dir.resolve("outputs"));
    after.putAll(mtimes(dir.resolve("models")));
    assertEquals(before, after);
    assertArrayEquals(csv, Files.readAllBytes(dir.resolve("results.csv")));
  }

  @Test
  void aRunInterruptedAfterSomeCellsResumesToTheSameFilesOnOneThread() throws IOException {
    Path dir = tmp.resolve("interrupted");
    AtomicInteger cells = new AtomicInteger();
    StudyRunner.Options killing = new StudyRunner.Options().out(dir).threads(1).report(false).afterCell(() -> {
      if (cells.incrementAndGet() == 4) {
        throw new IllegalStateException("killed after 4 cells");
      }
    });
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> StudyRunner.run(SmallStudy.config(1), killing));
    assertEquals("killed after 4 cells", e.getMessage());
    assertTrue(Files.notExists(dir.resolve("results.csv")));
    StudyRunner.Result resumed = StudyRunner.run(SmallStudy.config(1),
        new StudyRunner.Options().out(dir).threads(1).report(false));
    assertEquals(CELLS - 4, resumed.computed());
    assertEquals(4, resumed.cached());
    // the first run used two threads: the same files also show results do not depend on threads
    assertSameFiles(first, dir);
  }

  @Test
  void refusesAFolderOfAnotherConfigUnlessForced() throws IOException {
    Path dir = tmp.resolve("guarded");
    StudyRunner.run(SmallStudy.config(1), new StudyRunner.Options().out(dir).report(false));
    QuantLensException e = assertThrows(QuantLensException.class,
        () -> StudyRunner.run(SmallStudy.config(2), new StudyRunner.Options().out(dir).report(false)));
    assertTrue(e.getMessage().contains("another config") && e.getMessage().contains("seed"), e.getMessage());
    StudyRunner.Result forced = StudyRunner.run(SmallStudy.config(2),
        new StudyRunner.Options().out(dir).force(true).report(false));
    assertEquals(CELLS, forced.computed(), "forcing clears the other config's cache");
    Path foreign = tmp.resolve("foreign");
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("notes.txt"), "mine");
    e = assertThrows(QuantLensException.class,
        () -> StudyRunner.run(SmallStudy.config(1), new StudyRunner.Options().out(foreign).report(false)));
    assertTrue(e.getMessage().contains("not a study folder"), e.getMessage());
    assertTrue(Files.isRegularFile(foreign.resolve("notes.txt")));
  }

  private static void assertSameFiles(Path a, Path b) throws IOException {
    for (String sub : List.of("outputs", "labels", "samples", "models")) {
      Map<Path, FileTime> fa = mtimes(a.resolve(sub));
      Map<Path, FileTime> fb = mtimes(b.resolve(sub));
      assertEquals(fa.keySet(), fb.keySet(), sub);
      for (Path p : fa.keySet()) {
        assertArrayEquals(Files.readAllBytes(a.resolve(sub).resolve(p)), Files.readAllBytes(b.resolve(sub).resolve(p)),
            sub + "/" + p);
      }
    }
    for (String f : List.of("results.csv", "metrics.csv")) {
      assertEquals(Files.readString(a.resolve(f)), Files.readString(b.resolve(f)), f);
    }
    ObjectNode ja = (ObjectNode) JSON.readTree(a.resolve("results.json").toFile());
    ObjectNode jb = (ObjectNode) JSON.readTree(b.resolve("results.json").toFile());
    for (ObjectNode j : List.of(ja, jb)) {
      j.remove("created");
      j.remove("elapsed_seconds");
    }
    assertEquals(ja, jb);
  }

  private static Map<Path, FileTime> mtimes(Path dir) throws IOException {
    Map<Path, FileTime> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        m.put(dir.relativize(p), Files.getLastModifiedTime(p));
      }
    }
    return m;
  }

  /** Argmax per row, lowest index on ties, written here independently of the analysis package. */
  private static int[] argmax(Tensor logits) {
    int n = logits.dim(0);
    int c = logits.dim(1);
    float[] x = logits.floats();
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int k = 1; k < c; k++) {
        if (x[i * c + k] > x[i * c + best]) {
          best = k;
        }
      }
      out[i] = best;
    }
    return out;
  }

}
