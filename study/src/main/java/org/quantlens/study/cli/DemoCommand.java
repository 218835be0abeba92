package org.quantlens.study.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.quantlens.study.run.StudyRunner;
import org.quantlens.study.run.Studies;

/**
 * {@code quantlens demo [--out DIR]}: the whole study on the bundled Fashion-MNIST subset, offline,
 * in a few minutes (see {@link Studies#demo}).
 */
final class DemoCommand implements Command {
  static final String DEFAULT_OUT = "quantlens-demo";

  @Override
  public String name() {
    return "demo";
  }

  @Override
  public String usage() {
    return "demo [--out DIR] [--force] [--threads N]";
  }

  @Override
  public String summary() {
    return "trains small models on the bundled data, quantizes them, runs 15 corruptions, writes the report";
  }

  @Override
  public int run(List<String> argv, PrintStream out) {
    Args args = new Args(argv, Set.of("out", "threads"), Set.of("force"));
    if (!args.positionals().isEmpty()) {
      throw new UsageException("unexpected argument '" + args.positionals().get(0) + "'");
    }
    Path dir = Path.of(args.get("out", DEFAULT_OUT));
    StudyRunner.Options o = new StudyRunner.Options().out(dir).force(args.flag("force")).log(out)
        .progress(System.err, System.console() != null);
    if (args.get("threads") != null) {
      o.threads(Math.max(1, args.intValue("threads", 1)));
    }
    StudyRunner.Result r = StudyRunner.run(Studies.demo(), o);
    StudyCommand.printFindings(r, out);
    return 0;
  }
}
