package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.study.cli.Main;
import org.quantlens.study.run.StudyFolders;

/**
 * A study whose disk fills up midway (every write from the Nth on fails like ENOSPC, after part of
 * its content went to disk) stops with a one-line error naming the file and what to do, exit 1, no
 * temporary file left and every file written before intact; run again once there is space, it
 * resumes and ends with the results of an uninterrupted run. The same for an output folder that
 * cannot be made even by root (under /proc).
 */
class StudyDiskFullTest {
  /** Files that carry the time of the run; results.json is compared without its time fields. */

  @TempDir
  static Path tmp;
  private static Path config;
  private static Path reference;
  private static int referenceWrites;

  @BeforeAll
  static void runUninterrupted() throws IOException {
    config = tmp.resolve("small.json");
    Files.writeString(config, "{\n"
        + "  \"name\": \"small\", \"dataset\": \"fashion-mnist-mini\", \"test_size\": 50, \"train_size\": 200,\n"
        + "  \"seed\": 3, \"batch_size\": 16,\n"
        + "  \"models\": [{\"name\": \"lenet5-tiny\", \"arch\": \"lenet5\", \"recipe\": \"standard\", \"epochs\": 1,"
        + " \"batch_size\": 32, \"learning_rate\": 0.003}],\n"
        + "  \"variants\": [{\"name\": \"static-int8\", \"calibration_size\": 20}, \"fake-3\"],\n"
        + "  \"shifts\": {\"corruptions\": [\"mnist-c/fog\", \"mnist-c/rotate\"], \"severities\": [4]},\n"
        + "  \"metrics\": [\"margin\", \"entropy\"], \"samples_per_cell\": 1, \"layer_samples\": 4\n"
        + "}\n");
    reference = tmp.resolve("reference");
    AtomicInteger writes = new AtomicInteger();
    AtomicFiles.fault = (target, out) -> {
      writes.incrementAndGet();
      return out;
    };
    try {
      assertEquals(0, study(reference, new ByteArrayOutputStream()));
    } finally {
      AtomicFiles.fault = null;
    }
    referenceWrites = writes.get();
    assertTrue(referenceWrites >= 10, "a study writes many files, counted " + referenceWrites);
  }

  @AfterEach
  void noFault() {
    AtomicFiles.fault = null;
  }

  @Test
  void aDiskFullMidwayStopsWithOneLineNamingTheFileAndAResumeEndsLikeAnUninterruptedRun()
      throws IOException {
    Path out = tmp.resolve("disk-full");
    int failFrom = referenceWrites / 2;
    AtomicInteger writes = new AtomicInteger();
    Map<Path, byte[]> writtenBefore = new TreeMap<>();
    Path[] failed = new Path[1];
    AtomicFiles.fault = (target, stream) -> {
      if (writes.incrementAndGet() < failFrom) {
        return stream;
      }
      synchronized (failed) {
        if (failed[0] == null) {
          failed[0] = target;
          writtenBefore.putAll(contents(out)); // what is on disk when the disk fills up
        }
      }
      return new DiskFilling(stream, 100);
    };
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(1, study(out, err));
    AtomicFiles.fault = null;
    String line = oneLineError(err);
    assertTrue(line.contains("No space left on device") && line.contains("free space"), line);
    assertTrue(line.contains(out.toString()), "names the file: " + line);
    assertFalse(writtenBefore.isEmpty(), "files were written before the disk filled");
    assertNoTemporaries(out);
    Map<Path, byte[]> after = contents(out);
    for (Map.Entry<Path, byte[]> e : writtenBefore.entrySet()) {
      assertArrayEquals(e.getValue(), after.get(e.getKey()), "intact after the failure: " + e.getKey());
    }
    // with space again the same command resumes and ends with the uninterrupted run's results
    assertEquals(0, study(out, new ByteArrayOutputStream()));
    assertNoTemporaries(out);
    StudyFolders.assertSameResults(reference, out);
  }

  @Test
  void anOutputFolderUnderProcFailsWithOneLineNamingItAndEarlierResultsStayIntact() throws IOException {
    Path out = Path.of("/proc/quantlens-study-" + ProcessHandle.current().pid());
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")),
        "no /proc on this system");
    Map<Path, byte[]> before = contents(reference);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(1, study(out, err));
    String line = oneLineError(err);
    assertTrue(line.contains(out.toString()) && line.contains("choose a folder that can be written"), line);
    assertFalse(Files.exists(out));
    Map<Path, byte[]> after = contents(reference);
    assertEquals(before.keySet(), after.keySet());
    before.forEach((p, b) -> assertArrayEquals(b, after.get(p), p.toString()));
  }

  /** A stream that takes {@code room} bytes and then fails the way a full disk does. */
  private static final class DiskFilling extends FilterOutputStream {
    private long room;

    DiskFilling(OutputStream out, long room) {
      super(out);
      this.room = room;
    }

    @Override
    public void write(int b) throws IOException {
      if (room-- <= 0) {
        throw new IOException("No space left on device");
      }
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      for (int i = 0; i < len; i++) {
        write(b[off + i]);
      }
    }
  }

  private static int study(Path out, ByteArrayOutputStream err) {
    return Main.run(new String[] {"study", config.toString(), "--out", out.toString()},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  /** The error output is one line "quantlens study: error: ..." without a stack trace; returns it. */
  private static String oneLineError(ByteArrayOutputStream err) {
    String text = err.toString(StandardCharsets.UTF_8);
    List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), "one line expected: " + text);
    assertTrue(lines.get(0).startsWith("quantlens study: error: cannot write "), text);
    assertFalse(text.contains("\tat "), "no stack trace: " + text);
    System.out.println("study error: " + lines.get(0));
    return lines.get(0);
  }

  private static void assertNoTemporaries(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      assertEquals(List.of(), s.filter(AtomicFiles::isTemporary).toList(), "temporary files left in " + dir);
    }
  }

  /** Every whole file under {@code dir}; retried when a concurrent write moves a file mid-walk. */
  private static Map<Path, byte[]> contents(Path dir) {
    for (int attempt = 0; ; attempt++) {
      Map<Path, byte[]> m = new TreeMap<>();
      if (!Files.isDirectory(dir)) {
        return m;
      }
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.filter(p -> Files.isRegularFile(p) && !AtomicFiles.isTemporary(p)).toList()) {
          m.put(dir.relativize(p), Files.readAllBytes(p));
        }
        return m;
      } catch (IOException | java.io.UncheckedIOException e) {
        if (attempt == 5) {
          throw new AssertionError("cannot read " + dir + ": " + e, e);
        }
      }
    }
  }
}
