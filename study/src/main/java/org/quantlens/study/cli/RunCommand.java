package org.quantlens.study.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.study.data.Npy;

/** {@code quantlens run}: inference on NPY inputs, one NPY file per graph output. */
final class RunCommand implements Command {
  @Override
  public String name() {
    return "run";
  }

  @Override
  public String usage() {
    return "run --model M.onnx --input NAME=X.npy ... --out DIR [--threads T] [--variant V --calib X.npy]"
        + " [--saturation]";
  }

  @Override
  public String summary() {
    return "runs a model on NPY inputs and writes DIR/<output name>.npy for each graph output";
  }

  @Override
  public int run(List<String> argv, PrintStream out) {
    Set<String> valued = new java.util.HashSet<>(VariantOptions.VALUED);
    valued.addAll(Set.of("model", "input", "out", "threads"));
    Set<String> flags = new java.util.HashSet<>(VariantOptions.FLAGS);
    flags.add("saturation");
    Args args = new Args(argv, valued, flags);
    if (!args.positionals().isEmpty()) {
      throw new UsageException("unexpected argument '" + args.positionals().get(0) + "'");
    }
    Path model = Path.of(args.require("model"));
    Path outDir = Path.of(args.require("out"));
    Graph graph = OnnxReader.read(model);
    org.quantlens.engine.quant.Variants.Built built = VariantOptions.build(args, graph);
    if (built != null) {
      graph = built.graph();
      out.println(built.variant() + ": " + built.report().int8Count() + " of "
          + built.report().entries().size() + " nodes int8");
      for (org.quantlens.engine.quant.Int8Report.Entry e : built.report().entries()) {
        if (!e.int8()) {
          out.println("  not int8: " + e);
        }
      }
    }
    Map<String, Tensor> feeds = feeds(args.all("input"), graph);
    Session.Options options = new Session.Options();
    if (args.get("threads") != null) {
      options.threads(args.intValue("threads", 1));
    }
    // With a variant (or --saturation), count values clipped when quantizing: the summary says
    // where the int8 range was too narrow for this data.
    options.countSaturation(built != null || args.flag("saturation"));
    try (Session session = new Session(graph, options)) {
      Map<String, Tensor> results = session.run(feeds);
      if (session.countsSaturation()) {
        printSaturation(session.saturation(), out);
      }
      for (Map.Entry<String, Tensor> e : results.entrySet()) {
        Path file = outDir.resolve(fileName(e.getKey()) + ".npy");
        Npy.write(file, e.getValue());
        out.println("wrote " + file + "  " + e.getValue().dtype() + Arrays.toString(e.getValue().shape()));
      }
    }
    return 0;
  }

  /** Nodes that clipped values or saw NaN/Inf, then the totals. */
  static void printSaturation(org.quantlens.engine.runtime.SaturationReport r, PrintStream out) {
    if (r.entries().isEmpty()) {
      out.println("saturation: no node quantized values");
      return;
    }
    for (org.quantlens.engine.runtime.SaturationReport.Entry e : r.entries()) {
      if (e.low() + e.high() + e.nonFinite() > 0) {
        out.println("  saturation " + e);
      }
    }
    out.printf("saturation: %d low, %d high, %d non-finite of %d values quantized in %d nodes%n",
        r.low(), r.high(), r.nonFinite(), r.total(), r.entries().size());
  }

  /** Reads {@code NAME=FILE.npy} pairs; a bare file is allowed when the model has one input. */
  private static Map<String, Tensor> feeds(List<String> specs, Graph graph) {
    if (specs.isEmpty()) {
      throw new UsageException("missing --input NAME=X.npy (model inputs: " + names(graph.inputs()) + ")");
    }
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      String name;
      String file;
      if (eq < 0) {
        if (graph.inputs().size() != 1) {
          throw new UsageException("--input " + spec + ": name the input (NAME=X.npy); model inputs: "
              + names(graph.inputs()));
        }
        name = graph.inputs().get(0).name();
        file = spec;
      } else {
        name = spec.substring(0, eq);
        file = spec.substring(eq + 1);
      }
      feeds.put(name, Npy.read(Path.of(file)));
    }
    return feeds;
  }

  private static String names(List<Value> values) {
    StringBuilder sb = new StringBuilder();
    for (Value v : values) {
      sb.append(sb.length() == 0 ? "" : ", ").append(v);
    }
    return sb.toString();
  }

  /** A file name for an output: characters that could leave the folder become '_'. */
  static String fileName(String outputName) {
    String s = outputName.replaceAll("[^A-Za-z0-9._-]", "_");
    return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
  }
}
