package org.quantlens.study.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.quantlens.onnx.conformance.Conformance;

/** {@code quantlens conformance}: the ONNX backend test cases, one line per case. */
final class ConformanceCommand implements Command {
  @Override
  public String name() {
    return "conformance";
  }

  @Override
  public String usage() {
    return "conformance DIR... [--filter REGEX] [--timeout SECONDS]";
  }

  @Override
  public String summary() {
    return "runs ONNX backend test cases (model.onnx + test_data_set_*), PASS/FAIL/SKIP per case";
  }

  @Override
  public int run(List<String> argv, PrintStream out) {
    Args args = new Args(argv, Set.of("filter", "timeout"), Set.of());
    if (args.positionals().isEmpty()) {
      throw new UsageException("expected at least one test directory");
    }
    List<Path> dirs = new ArrayList<>();
    for (String d : args.positionals()) {
      Path p = Path.of(d);
      if (!Files.isDirectory(p)) {
        throw new UsageException("not a directory: " + d);
      }
      dirs.add(p);
    }
    Predicate<String> filter = id -> true;
    if (args.get("filter") != null) {
      try {
        filter = Pattern.compile(args.get("filter")).asPredicate();
      } catch (PatternSyntaxException e) {
        throw new UsageException("--filter: invalid regular expression: " + e.getDescription());
      }
    }
    Duration limit = Duration.ofSeconds(args.intValue("timeout",
        (int) Conformance.DEFAULT_TIME_LIMIT.getSeconds()));
    return Conformance.run(dirs, filter, out, limit).failed() > 0 ? 1 : 0;
  }
}
