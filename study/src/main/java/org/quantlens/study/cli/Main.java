package org.quantlens.study.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.quantlens.engine.QuantLensException;

/**
 * The {@code quantlens} command line. Exit codes: 0 success, 1 the work failed (a one-line
 * message says why, no stack trace unless {@code QUANTLENS_DEBUG} is set), 2 bad usage.
 */
public final class Main {
  private static final List<Command> COMMANDS = List.of(
      new RunCommand(), new InspectCommand(), new ConformanceCommand(), new QuantizeCommand(),
      new ShiftCommand(), new BenchCommand(), new TrainCommand());

  private Main() {}

  public static void main(String[] argv) {
    System.exit(run(argv, System.out, System.err));
  }

  /** Runs one command line and returns its exit code. */
  public static int run(String[] argv, PrintStream out, PrintStream err) {
    if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help") || argv[0].equals("-h")) {
      usage(argv.length == 0 ? err : out);
      return argv.length == 0 ? 2 : 0;
    }
    Command cmd = COMMANDS.stream().filter(c -> c.name().equals(argv[0])).findFirst().orElse(null);
    if (cmd == null) {
      err.println("quantlens: unknown command '" + argv[0] + "'");
      usage(err);
      return 2;
    }
    try {
      return cmd.run(Arrays.asList(argv).subList(1, argv.length), out);
    } catch (UsageException e) {
      err.println("quantlens " + cmd.name() + ": " + e.getMessage());
      err.println("usage: quantlens " + cmd.usage());
      return 2;
    } catch (QuantLensException e) {
      err.println("quantlens " + cmd.name() + ": error: " + e.getMessage());
      debug(e, err);
      return 1;
    } catch (OutOfMemoryError e) {
      err.println("quantlens " + cmd.name() + ": error: out of memory (" + e.getMessage()
          + "); raise -Xmx with QUANTLENS_JAVA_OPTS");
      return 1;
    } catch (Exception | StackOverflowError e) {
      err.println("quantlens " + cmd.name() + ": error: " + e);
      debug(e, err);
      return 1;
    }
  }

  private static void debug(Throwable e, PrintStream err) {
    if (System.getenv("QUANTLENS_DEBUG") != null) {
      e.printStackTrace(err);
    }
  }

  private static void usage(PrintStream s) {
    s.println("usage: quantlens <command> [options]");
    s.println();
    for (Command c : COMMANDS) {
      s.printf("  %-12s %s%n", c.name(), c.summary());
      s.printf("  %-12s   quantlens %s%n", "", c.usage());
    }
  }
}
