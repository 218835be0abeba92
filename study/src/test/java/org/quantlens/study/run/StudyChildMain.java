package org.quantlens.study.run;

import java.nio.file.Path;

/**
 * Runs one study in its own JVM so a test can kill it with SIGKILL: {@code CONFIG.json OUT}. Exits
 * 0 when the study completed; any error propagates (exit 1 with a stack trace).
 */
final class StudyChildMain {
  private StudyChildMain() {}

  public static void main(String[] args) {
    StudyRunner.run(StudyConfigParser.read(Path.of(args[0])),
        new StudyRunner.Options().out(Path.of(args[1])).threads(2));
    System.exit(0);
  }
}
