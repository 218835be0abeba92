package org.quantlens.study.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Comparing two study output folders, for the tests that interrupt a study and resume it. */
public final class StudyFolders {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Files that carry the run's time, compared without it. */
  private static final List<String> TIMED = List.of("report.html", "summary.md", "results.json");

  private StudyFolders() {}

  /** Every regular file under {@code dir} (temporaries included), by relative path. */
  public static Map<Path, byte[]> contents(Path dir) throws IOException {
    Map<Path, byte[]> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        m.put(dir.relativize(p), Files.readAllBytes(p));
      }
    }
    return m;
  }

  /** The same set of files, each byte-identical, results.json equal without its time fields. */
  public static void assertSameResults(Path a, Path b) throws IOException {
    Map<Path, byte[]> fa = contents(a);
    Map<Path, byte[]> fb = contents(b);
    assertEquals(fa.keySet(), fb.keySet(), "the same files");
    for (Map.Entry<Path, byte[]> e : fa.entrySet()) {
      if (!TIMED.contains(e.getKey().toString())) {
        assertArrayEquals(e.getValue(), fb.get(e.getKey()), e.getKey().toString());
      }
    }
    ObjectNode ja = (ObjectNode) JSON.readTree(fa.get(Path.of("results.json")));
    ObjectNode jb = (ObjectNode) JSON.readTree(fb.get(Path.of("results.json")));
    for (ObjectNode j : List.of(ja, jb)) {
      j.remove("created");
      j.remove("elapsed_seconds");
    }
    assertEquals(ja, jb);
  }
}
