package org.quantlens.study.cli;

import java.io.PrintStream;
import java.util.List;

/** One {@code quantlens} subcommand. */
interface Command {
  /** The name typed after {@code quantlens}. */
  String name();

  /** One line of usage, e.g. {@code run --model M.onnx ...}. */
  String usage();

  /** One sentence saying what it does. */
  String summary();

  /**
   * Runs the command.
   *
   * @return the exit code: 0 success, 1 the work failed
   * @throws UsageException on bad usage (exit 2)
   */
  int run(List<String> args, PrintStream out) throws Exception;
}
