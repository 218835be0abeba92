package org.quantlens.onnx.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantlens.onnx.conformance.Conformance.Result;
import org.quantlens.onnx.conformance.Conformance.Status;

/**
 * The ONNX backend test suites: every case whose operators are all registered must pass, unless
 * {@code conformance-exclusions.txt} lists it for a type the engine lacks; a listed case must not
 * pass. Cases with unregistered operators or unsupported types are skipped by the runner. The full
 * report of each suite is written to {@code target/conformance-<suite>.txt}.
 */
class ConformanceTest {
  static final Path DATA =
      Path.of(System.getProperty("quantlens.onnxTestData", "/usr/share/libonnx-testdata/data"));
  /** Words an exclusion reason must contain: only missing types justify one. */
  private static final List<String> TYPE_WORDS =
      List.of("bfloat16", "string", "sequence", "optional", "float8", "complex");

  /** suite/case -> reason, in file order. */
  static Map<String, String> exclusions() throws IOException {
    Map<String, String> r = new LinkedHashMap<>();
    try (InputStream in = ConformanceTest.class.getResourceAsStream("/conformance-exclusions.txt")) {
      if (in == null) {
        throw new IOException("conformance-exclusions.txt is missing from the test resources");
      }
      BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      int no = 0;
      while ((line = br.readLine()) != null) {
        no++;
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        String[] parts = t.split("\\s+", 2);
        if (parts.length < 2 || !parts[0].contains("/")) {
          throw new IOException("conformance-exclusions.txt line " + no + ": expected 'suite/case  reason': " + line);
        }
        r.put(parts[0], parts[1]);
      }
    }
    return r;
  }

  @Test
  void exclusionsNameOnlyMissingTypesAndExistingCases() throws IOException {
    List<String> bad = new ArrayList<>();
    for (Map.Entry<String, String> e : exclusions().entrySet()) {
      String reason = e.getValue().toLowerCase(Locale.ROOT);
      if (TYPE_WORDS.stream().noneMatch(reason::contains)) {
        bad.add(e.getKey() + ": reason must be a missing type (" + TYPE_WORDS + "), got '" + e.getValue() + "'");
      }
      if (Files.isDirectory(DATA) && !Files.isDirectory(DATA.resolve(e.getKey()))) {
        bad.add(e.getKey() + ": no such case under " + DATA);
      }
    }
    assertTrue(bad.isEmpty(), "conformance-exclusions.txt:\n  " + String.join("\n  ", bad));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"node", "pytorch-converted", "pytorch-operator"})
  void everyCaseWithRegisteredOpsPasses(String suite) throws IOException {
    Path dir = DATA.resolve(suite);
    Assumptions.assumeTrue(Files.isDirectory(dir), "ONNX backend test data not installed: " + dir
        + " is missing (Debian package libonnx-testdata; or -Dquantlens.onnxTestData=DIR)");
    Map<String, String> excluded = exclusions();
    ByteArrayOutputStream report = new ByteArrayOutputStream();
    Conformance.Summary s;
    try (PrintStream out = new PrintStream(report, true, StandardCharsets.UTF_8)) {
      s = Conformance.run(List.of(dir), id -> true, out);
    }
    Path target = Path.of("target");
    if (Files.isDirectory(target)) {
      Files.write(target.resolve("conformance-" + suite + ".txt"), report.toByteArray());
    }
    List<String> offending = new ArrayList<>();
    for (Result r : s.results()) {
      String reason = excluded.get(r.id());
      if (r.status() == Status.PASS && reason != null) {
        offending.add(r.id() + ": passes now; remove it from conformance-exclusions.txt (" + reason + ")");
      } else if (r.status() == Status.FAIL && reason == null) {
        offending.add(r.id() + ": " + r.reason());
      }
    }
    Set<String> ids = s.results().stream().map(Result::id).collect(Collectors.toSet());
    for (String id : excluded.keySet()) {
      if (id.startsWith(suite + "/") && !ids.contains(id)) {
        offending.add(id + ": listed in conformance-exclusions.txt but not in the suite");
      }
    }
    if (!offending.isEmpty()) {
      fail(suite + ": " + offending.size() + " cases (" + s + "):\n  " + String.join("\n  ", offending));
    }
    System.out.println("conformance " + suite + ": " + s);
  }
}
