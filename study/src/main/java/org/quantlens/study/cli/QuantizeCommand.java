package org.quantlens.study.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.quant.Variants;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.OnnxWriter;

/** {@code quantlens quantize}: post-training quantization of an ONNX model into a QDQ model. */
final class QuantizeCommand implements Command {
  @Override
  public String name() {
    return "quantize";
  }

  @Override
  public String usage() {
    return "quantize --model M.onnx --variant V [--calib X.npy] [--method minmax|percentile|entropy|mse]"
        + " [--per-tensor] [--reduce-range] [--keep-float NODE,...] --out Q.onnx";
  }

  @Override
  public String summary() {
    return "quantizes a model (static-int8, dynamic-int8, weight-int8, fp16, fake-N) and writes it as ONNX";
  }

  @Override
  public int run(List<String> argv, PrintStream out) throws Exception {
    Set<String> valued = new HashSet<>(VariantOptions.VALUED);
    valued.addAll(Set.of("model", "out"));
    Args args = new Args(argv, valued, VariantOptions.FLAGS);
    if (!args.positionals().isEmpty()) {
      throw new UsageException("unexpected argument '" + args.positionals().get(0) + "'");
    }
    Graph g = OnnxReader.read(Path.of(args.require("model")));
    Path target = Path.of(args.require("out"));
    if (args.get("variant") == null || args.get("variant").equals("float")) {
      throw new UsageException("--variant must name a quantized variant: " + Variants.describeNames());
    }
    Variants.Built built = VariantOptions.build(args, g);
    // static-int8 and fake-N are written as their QDQ plan: the standard form other runtimes read.
    Graph export = built.ptq() != null ? built.ptq().graph() : built.graph();
    OnnxWriter.write(export, target);
    out.print(built.report());
    out.println("wrote " + target + " (" + built.variant() + ")");
    return 0;
  }
}
