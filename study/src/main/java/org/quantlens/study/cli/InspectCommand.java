package org.quantlens.study.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.ShapeInference;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.quant.Int8Report;
import org.quantlens.engine.quant.QdqFolding;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.onnx.OnnxReader;

/** {@code quantlens inspect}: what a model contains and what of it the engine runs. */
final class InspectCommand implements Command {
  @Override
  public String name() {
    return "inspect";
  }

  @Override
  public String usage() {
    return "inspect M.onnx [--nodes]";
  }

  @Override
  public String summary() {
    return "lists a model's inputs, outputs, ops (supported or not), parameters and shapes";
  }

  @Override
  public int run(List<String> argv, PrintStream out) throws Exception {
    Args args = new Args(argv, Set.of(), Set.of("nodes"));
    if (args.positionals().size() != 1) {
      throw new UsageException("expected one model file");
    }
    Path file = Path.of(args.positionals().get(0));
    Graph g = OnnxReader.read(file);
    ShapeInference.run(g);
    OpRegistry registry = OpRegistry.standard();

    out.printf("model     %s (%,d bytes)%n", file, Files.size(file));
    StringBuilder opsets = new StringBuilder();
    g.opsets().forEach((d, v) -> opsets.append(opsets.length() == 0 ? "" : ", ")
        .append(d.isEmpty() ? "ai.onnx" : d).append(' ').append(v));
    out.println("opsets    " + opsets);
    for (Value v : g.inputs()) {
      out.println("input     " + v);
    }
    for (Value v : g.outputs()) {
      Value known = g.valueInfo().getOrDefault(v.name(), v);
      out.println("output    " + (known.dtype() == null && known.shape() == null ? v : known));
    }
    long params = 0;
    long bytes = 0;
    for (Tensor t : g.initializers().values()) {
      params += t.size();
      bytes += (long) t.size() * t.dtype().byteSize();
    }
    out.printf("weights   %,d values in %d tensors, %,d bytes%n", params, g.initializers().size(), bytes);

    Map<String, int[]> counts = new TreeMap<>();
    List<String> unsupported = new ArrayList<>();
    for (Node n : g.nodes()) {
      int opset = g.opset(n.domain());
      String key = (n.domain().isEmpty() ? "" : n.domain() + ".") + n.opType();
      OpRegistry.OpSpec spec = registry.find(n.domain(), n.opType(), opset);
      counts.computeIfAbsent(key, k -> new int[2])[spec == null ? 1 : 0]++;
      if (spec == null) {
        unsupported.add(n.describe() + " at opset " + opset);
      }
    }
    out.printf("ops       %d nodes, %d op types%n", g.nodes().size(), counts.size());
    counts.forEach((op, c) -> out.printf("  %-28s %4d  %s%n", op, c[0] + c[1],
        c[1] == 0 ? "supported" : "NOT SUPPORTED"));
    if (args.flag("nodes")) {
      out.println("nodes");
      for (Node n : g.topologicalOrder()) {
        List<String> shapes = new ArrayList<>();
        for (String o : n.outputs()) {
          Value v = g.value(o);
          shapes.add(v == null ? o + ": ?" : v.toString());
        }
        out.printf("  %-40s %s%n", n.describe(), String.join(", ", shapes));
      }
    }
    boolean quantized = g.nodes().stream().anyMatch(n -> n.opType().startsWith("Quantize")
        || n.opType().startsWith("Dequantize") || n.opType().startsWith("QLinear"));
    if (quantized && unsupported.isEmpty()) {
      Int8Report report = QdqFolding.fold(g).report();
      out.printf("int8      %d of %d nodes run int8%n", report.int8Count(), report.entries().size());
      if (args.flag("nodes")) {
        report.entries().forEach(e -> out.println("  " + e));
      }
    }
    if (unsupported.isEmpty()) {
      out.println("status    every node is supported");
    } else {
      out.println("status    " + unsupported.size() + " unsupported node(s):");
      unsupported.forEach(u -> out.println("  " + u));
    }
    return 0;
  }
}
