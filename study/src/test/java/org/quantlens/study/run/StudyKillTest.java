package org.quantlens.study.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.study.cli.Main;
import org.quantlens.study.data.AtomicFiles;

/**
 * Studies lose nothing: a study run in a child JVM and killed with SIGKILL at seeded random points
 * resumes to files byte-identical to an uninterrupted run's, with no temporary file left; an
 * output folder that cannot be written gives a one-line error naming it and leaves other results
 * intact.
 */
class StudyKillTest {
  /** Files that carry the time of the run; results.json is compared without its time fields. */

  @TempDir
  static Path tmp;
  private static Path config;
  private static Path reference;

  @BeforeAll
  static void runUninterrupted() throws Exception {
    config = SmallStudy.write(tmp, SmallStudy.json(1));
    reference = tmp.resolve("reference");
    Process p = start(reference, tmp.resolve("reference.log"));
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the uninterrupted run did not finish in 120 s");
    assertEquals(0, p.exitValue(), () -> "the uninterrupted run failed: " + log(tmp.resolve("reference.log")));
  }

  @Test
  void aStudyKilledWithSigkillAtRandomPointsResumesToTheSameFilesWithNoTemporaryLeft() throws Exception {
    Path dir = tmp.resolve("killed");
    Random random = new Random(8);
    int kills = 0;
    // alternate kills after a random time (often during training or the grid) with kills as soon as
    // k cell files exist (during the grid, often while the next cell is being written)
    for (int attempt = 0; attempt < 6 && kills < 4; attempt++) {
      Path logFile = tmp.resolve("killed-" + attempt + ".log");
      Process p = start(dir, logFile);
      if (attempt % 2 == 0) {
        p.waitFor(300 + random.nextInt(2700), TimeUnit.MILLISECONDS);
      } else {
        int k = 1 + random.nextInt(3) + cellFiles(dir);
        while (p.isAlive() && cellFiles(dir) < k) {
          Thread.sleep(2);
        }
      }
      if (p.isAlive()) {
        p.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no finally block runs
        p.waitFor(30, TimeUnit.SECONDS);
        kills++;
        System.out.println("kill " + kills + " (attempt " + attempt + "): " + cellFiles(dir) + " cell files on disk");
      } else {
        assertEquals(0, p.exitValue(), () -> "a run failed: " + log(logFile));
      }
    }
    assertTrue(kills >= 3, "only " + kills + " runs were still alive when killed");
    // what a kill in the middle of an atomic write leaves: a temporary file with part of the content;
    // and a cached cell damaged on disk (truncated), which must count as not computed
    Path cell = dir.resolve("outputs/lenet5-tiny/float/clean.npy");
    byte[] whole = Files.readAllBytes(reference.resolve("outputs/lenet5-tiny/float/clean.npy"));
    Files.createDirectories(cell.getParent());
    Files.write(cell.resolveSibling(".clean.npy4711.tmp"), Arrays.copyOf(whole, whole.length / 3));
    Files.write(cell, Arrays.copyOf(whole, whole.length - 40));
    Process last = start(dir, tmp.resolve("killed-last.log"));
    assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the resumed run did not finish in 120 s");
    assertEquals(0, last.exitValue(), () -> "the resumed run failed: " + log(tmp.resolve("killed-last.log")));
    assertNoTemporaries(reference);
    assertNoTemporaries(dir);
    assertSameResults(reference, dir);
  }

  @Test
  void anOutputFolderUnderARegularFileFailsWithOneLineNamingItAndEarlierResultsStayIntact() throws IOException {
    Map<Path, byte[]> before = contents(reference);
    Path blocker = tmp.resolve("a-file");
    Files.writeString(blocker, "not a folder");
    Path out = blocker.resolve("study");
    String err = studyExpectingFailure(out);
    assertTrue(err.contains(out.toString()), err);
    assertTrue(Files.isRegularFile(blocker) && Files.readString(blocker).equals("not a folder"));
    assertContentsEqual(before, contents(reference));
  }

  @Test
  void aReadOnlyOutputFolderFailsWithOneLineNamingItAndEarlierResultsStayIntact() throws IOException {
    Path out = tmp.resolve("read-only");
    Files.createDirectories(out);
    assertTrue(out.toFile().setWritable(false, false));
    try {
      assumeFalse(Files.isWritable(out), "running as root: a read-only folder is still writable, so this "
          + "case cannot be made here (the regular-file-parent test covers unwritable outputs)");
      Map<Path, byte[]> before = contents(reference);
      String err = studyExpectingFailure(out);
      assertTrue(err.contains(out.toString()), err);
      assertContentsEqual(before, contents(reference));
      try (Stream<Path> s = Files.list(out)) {
        assertEquals(0, s.count(), "nothing written into the read-only folder");
      }
    } finally {
      out.toFile().setWritable(true, false);
    }
  }

  /** Runs {@code quantlens study} into {@code out}, asserts exit 1 and a one-line error; returns it. */
  private static String studyExpectingFailure(Path out) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"study", config.toString(), "--out", out.toString()},
        new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = err.toString(StandardCharsets.UTF_8);
    assertEquals(1, code, text);
    List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), "one line expected: " + text);
    assertTrue(lines.get(0).startsWith("quantlens study: error: "), text);
    assertFalse(text.contains("\tat "), "no stack trace: " + text);
    System.out.println("unwritable output: " + lines.get(0));
    return lines.get(0);
  }

  private static Process start(Path out, Path logFile) throws IOException {
    String java = ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx1g"));
    String simd = System.getProperty("quantlens.simd");
    if (simd != null) {
      cmd.add("-Dquantlens.simd=" + simd); // the child computes like this JVM would
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StudyChildMain.class.getName(),
        config.toString(), out.toString()));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
  }

  private static int cellFiles(Path out) throws IOException {
    Path outputs = out.resolve("outputs");
    if (!Files.isDirectory(outputs)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(outputs)) {
      return (int) s.filter(p -> p.toString().endsWith(".npy") && !AtomicFiles.isTemporary(p)).count();
    } catch (java.io.UncheckedIOException e) {
      return 0; // a temporary file moved away while walking
    }
  }

  private static void assertNoTemporaries(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> left = s.filter(p -> p.getFileName().toString().endsWith(".tmp")
          || p.getFileName().toString().startsWith(".")).toList();
      assertEquals(List.of(), left, "temporary files left in " + dir);
    }
  }

  /** Every file byte-identical, the same set of files, results.json equal without its time fields. */
  private static void assertSameResults(Path a, Path b) throws IOException {
    Map<Path, byte[]> fa = contents(a);
    for (String must : List.of("results.csv", "metrics.csv", "results.json", "study.json", "labels/clean.npy",
        "outputs/lenet5-tiny/fake-3/mnist-c_rotate_s4.npy")) {
      assertTrue(fa.containsKey(Path.of(must)), must);
    }
    StudyFolders.assertSameResults(a, b);
  }

  private static Map<Path, byte[]> contents(Path dir) throws IOException {
    return StudyFolders.contents(dir);
  }

  private static void assertContentsEqual(Map<Path, byte[]> a, Map<Path, byte[]> b) {
    assertEquals(a.keySet(), b.keySet());
    for (Path p : a.keySet()) {
      assertArrayEquals(a.get(p), b.get(p), p.toString());
    }
  }

  private static String log(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
