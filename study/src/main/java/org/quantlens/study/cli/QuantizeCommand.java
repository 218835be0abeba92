package org.quantlens.study.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.quant.Variants;
import org.quantlens.onnx.OnnxReader;
import org.quantlens.onnx.OnnxWriter;

/** {@code quantlens quantize}: post-training quantization of an ONNX model into a QDQ model. */
final class QuantizeCommand implements Command {
  /** Our static-int8 recurrent ops, which quantize x and h at every step. */
  private static final Set<String> RECURRENT = Set.of("QuantizedLSTM", "QuantizedGRU");

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
    OnnxWriter.write(built.exportGraph(), target);
    out.print(built.report());
    for (Node n : built.graph().nodes()) {
      // our static-int8 layers (not those folded from a QDQ input, marked weight_only)
      if (built.ptq() != null && RECURRENT.contains(n.opType())
          && !n.attributes().containsKey("weight_only")) {
        out.println("note: " + n.name() + " is written as a standard " + n.opType().substring(9)
            + " on its 8-bit weights (int8 behind DequantizeLinear; below opset 13, their float"
            + " values), which means float x and h: ONNX cannot say \"quantize them at every"
            + " step\" as this variant does in memory");
      }
    }
    out.println("wrote " + target + " (" + built.variant() + ")");
    return 0;
  }
}
