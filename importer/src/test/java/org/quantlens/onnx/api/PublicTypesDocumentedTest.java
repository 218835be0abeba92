package org.quantlens.onnx.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public type of the engine and the importer (the parts people embed) has a Javadoc comment.
 * Reads the sources: tests run in the module folder, the engine's sources are its sibling.
 */
class PublicTypesDocumentedTest {
  private static final Pattern PUBLIC_TYPE = Pattern.compile(
      "^ *public (?:static |final |abstract |sealed |non-sealed )*(?:class|interface|enum|record|@interface) (\\w+)",
      Pattern.MULTILINE);

  /** Public type declarations in {@code source} not preceded by a doc comment (annotations aside). */
  static List<String> undocumented(String source) {
    List<String> missing = new ArrayList<>();
    Matcher m = PUBLIC_TYPE.matcher(source);
    while (m.find()) {
      String before = source.substring(0, m.start()).stripTrailing();
      while (!before.isEmpty() && lastLine(before).strip().startsWith("@")) {
        before = before.substring(0, before.lastIndexOf('\n') + 1).stripTrailing();
      }
      if (!before.endsWith("*/") || before.lastIndexOf("/**") < before.lastIndexOf("/*")) {
        missing.add(m.group(1));
      }
    }
    return missing;
  }

  private static String lastLine(String s) {
    return s.substring(s.lastIndexOf('\n') + 1);
  }

  @Test
  void theCheckSeesMissingAndPresentComments() {
    assertEquals(List.of("Bare", "Inner"), undocumented(
        "/** Doc. */\npublic final class A {\n  /** Doc. */\n  @Deprecated\n  public record B() {}\n}\n"
            + "/* not javadoc */\npublic class Bare {\n  public static final class Inner {}\n}\n"));
  }

  @Test
  void everyPublicTypeOfEngineAndImporterHasJavadoc() throws IOException {
    List<String> missing = new ArrayList<>();
    int files = 0;
    for (Path root : List.of(Path.of("../engine/src/main/java"), Path.of("src/main/java"))) {
      assertTrue(Files.isDirectory(root), "sources not found at " + root.toAbsolutePath());
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
          files++;
          for (String type : undocumented(Files.readString(p))) {
            missing.add(root.relativize(p) + ": " + type);
          }
        }
      }
    }
    assertTrue(files > 100, "only " + files + " source files found");
    assertEquals(List.of(), missing, "public types without Javadoc");
  }
}
