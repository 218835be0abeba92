package org.quantlens.study.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quantlens study}: bad configs exit 1 with the field named, bad usage exits 2. */
class StudyCommandTest {
  @TempDir
  Path tmp;

  private int run(ByteArrayOutputStream err, String... argv) {
    return Main.run(argv, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void aConfigWithAnUnknownVariantExitsOneNamingFieldAndChoices() throws IOException {
    Path cfg = tmp.resolve("bad.json");
    Files.writeString(cfg, "{\"name\": \"x\", \"models\": [{\"arch\": \"lenet5\"}], \"variants\": [\"int3\"]}");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(1, run(err, "study", cfg.toString(), "--out", tmp.resolve("out").toString()));
    String msg = err.toString(StandardCharsets.UTF_8);
    assertTrue(msg.contains("variants[0]") && msg.contains("'int3'") && msg.contains("static-int8"), msg);
    assertFalse(msg.contains("\tat "), "no stack trace: " + msg);
    assertFalse(Files.exists(tmp.resolve("out")));
  }

  @Test
  void aMissingConfigArgumentIsAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(2, run(err, "study"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("missing CONFIG.json"));
  }

  @Test
  void anUnreadableConfigExitsOne() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(1, run(err, "study", tmp.resolve("none.json").toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("none.json"));
  }
}
