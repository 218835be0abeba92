package org.quantlens.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test's main class in a JVM of its own, for checks that depend on what the JIT has seen:
 * the test JVM's profiles hold whatever the tests before it ran.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /**
   * Runs {@code main} with the test's class path, the Vector API module, the engine's
   * {@code quantlens.simd} and {@code quantlens.vectorBits} settings and {@code flags}; fails
   * unless it exits with 0 within {@code seconds}. Returns its last line of output.
   */
  public static String lastLine(Class<?> main, int seconds, String... flags)
      throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules",
        "jdk.incubator.vector"));
    cmd.addAll(List.of(flags));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    for (String p : new String[] {"quantlens.simd", "quantlens.vectorBits"}) {
      if (System.getProperty(p) != null) {
        cmd.add("-D" + p + "=" + System.getProperty(p));
      }
    }
    cmd.add(main.getName());
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out;
    try {
      out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      proc.destroyForcibly();
      throw e;
    }
    assertTrue(proc.waitFor(seconds, TimeUnit.SECONDS), main.getSimpleName() + " did not finish");
    assertEquals(0, proc.exitValue(), out);
    return out.strip().lines().reduce((a, b) -> b).orElse("");
  }
}
