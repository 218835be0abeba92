package org.quantlens.study.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.quantlens.study.run.StudyConfig;
import org.quantlens.study.run.StudyConfigParser;
import org.quantlens.study.run.StudyRunner;

/** {@code quantlens study CONFIG.json [--out DIR] [--force] [--threads N]}: runs a study, resumably. */
final class StudyCommand implements Command {
  @Override
  public String name() {
    return "study";
  }

  @Override
  public String usage() {
    return "study CONFIG.json [--out DIR] [--force] [--threads N]";
  }

  @Override
  public String summary() {
    return "runs a study (models x variants x data sets); resumes where a killed run stopped";
  }

  @Override
  public int run(List<String> argv, PrintStream out) {
    Args args = new Args(argv, Set.of("out", "threads"), Set.of("force"));
    if (args.positionals().size() != 1) {
      throw new UsageException(args.positionals().isEmpty() ? "missing CONFIG.json"
          : "one config expected, got " + args.positionals());
    }
    StudyConfig config = StudyConfigParser.read(Path.of(args.positionals().get(0)));
    StudyRunner.Options o = new StudyRunner.Options().force(args.flag("force")).log(out)
        .progress(System.err, System.console() != null);
    if (args.get("out") != null) {
      o.out(Path.of(args.get("out")));
    }
    if (args.get("threads") != null) {
      int t = args.intValue("threads", 1);
      if (t < 1) {
        throw new UsageException("--threads must be at least 1, got " + t);
      }
      o.threads(t);
    }
    StudyRunner.Result r = StudyRunner.run(config, o);
    printFindings(r, out);
    return 0;
  }

  /** The report's path and its three most important findings. */
  static void printFindings(StudyRunner.Result r, PrintStream out) {
    out.println();
    out.println("report: " + r.report().toAbsolutePath());
    List<String> f = r.findings();
    for (int i = 0; i < Math.min(3, f.size()); i++) {
      out.println("  " + (i + 1) + ". " + f.get(i));
    }
  }
}
