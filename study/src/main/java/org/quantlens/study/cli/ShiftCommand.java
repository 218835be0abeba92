package org.quantlens.study.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.quantlens.study.data.DatasetRegistry;
import org.quantlens.study.data.ImageDataset;
import org.quantlens.study.data.Npy;
import org.quantlens.study.data.Split;
import org.quantlens.study.shift.Shifts;
import org.quantlens.study.shift.UnknownShiftException;

/** {@code quantlens shift}: writes a shifted data set as NPY, or a PNG grid of samples. */
final class ShiftCommand implements Command {
  @Override
  public String name() {
    return "shift";
  }

  @Override
  public String usage() {
    return "shift --dataset D --shift S --severity K [--seed N] [--split test|train] [--limit N] --out X.npy"
        + "\n                   | shift --dataset D --shift S[,S...]|mnist-c|cifar10-c --grid G.png [--samples N]";
  }

  @Override
  public String summary() {
    return "writes a shifted set (images X.npy uint8 NHWC, labels X.labels.npy) or a grid of samples";
  }

  @Override
  public int run(List<String> argv, PrintStream out) {
    Args args = new Args(argv, Set.of("dataset", "shift", "severity", "seed", "split", "limit", "out",
        "grid", "samples"), Set.of());
    if (!args.positionals().isEmpty()) {
      throw new UsageException("unexpected argument '" + args.positionals().get(0) + "'");
    }
    Split split = split(args.get("split", "test"));
    ImageDataset data = DatasetRegistry.standard().images(args.require("dataset"), split);
    if (args.get("limit") != null) {
      data = data.head(args.intValue("limit", data.size()));
    }
    long seed = args.intValue("seed", 0);
    if (args.get("grid") != null) {
      List<String> names = names(args.require("shift"));
      Path png = Path.of(args.get("grid"));
      Shifts.grid(data, names, args.intValue("samples", 3), seed, png);
      out.println("wrote " + png + " (" + names.size() + " shifts x 5 severities)");
      return 0;
    }
    String shift = args.require("shift");
    int severity = shift.equals("identity") ? args.intValue("severity", 1) : args.intValue("severity", -1);
    if (severity < 0) {
      throw new UsageException("missing --severity (1..5)");
    }
    checked(shift, severity);
    ImageDataset shifted = Shifts.apply(data, shift, severity, seed);
    Path images = Path.of(args.require("out"));
    String base = images.getFileName().toString().replaceFirst("\\.npy$", "");
    Path labels = images.resolveSibling(base + ".labels.npy");
    Npy.write(images, shifted.images());
    Npy.write(labels, shifted.labels());
    out.println("wrote " + images + " (" + shifted.name() + ", " + shifted.size() + " images) and " + labels);
    return 0;
  }

  /** An unknown shift or severity is a usage error (exit 2); the message lists the valid ones. */
  private static void checked(String shift, int severity) {
    try {
      Shifts.check(shift, severity);
    } catch (UnknownShiftException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static Split split(String s) {
    try {
      return Split.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--split must be test or train, got '" + s + "'");
    }
  }

  /** A suite name, or a comma-separated list of shift names. */
  private static List<String> names(String spec) {
    if (!spec.contains("/") && !spec.contains(",") && !spec.equals("identity")) {
      try {
        return Shifts.suite(spec);
      } catch (UnknownShiftException e) {
        throw new UsageException(e.getMessage());
      }
    }
    List<String> names = new ArrayList<>();
    for (String s : spec.split(",")) {
      checked(s.trim(), 1);
      names.add(s.trim());
    }
    return names;
  }
}
