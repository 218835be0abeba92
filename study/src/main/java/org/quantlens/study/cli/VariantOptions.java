package org.quantlens.study.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.quant.Calibration;
import org.quantlens.engine.quant.QuantConfig;
import org.quantlens.engine.quant.UnknownVariantException;
import org.quantlens.engine.quant.Variants;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.study.data.Npy;

/**
 * The quantization options {@code run}, {@code quantize} and {@code bench} share: {@code --variant},
 * {@code --calib}, {@code --method}, {@code --per-tensor}, {@code --keep-float}.
 */
final class VariantOptions {
  static final Set<String> VALUED = Set.of("variant", "calib", "method", "keep-float", "calib-batch");
  static final Set<String> FLAGS = Set.of("per-tensor", "per-channel", "reduce-range");

  private VariantOptions() {}

  /** {@code floatGraph} itself for {@code --variant float} (the default), else the built variant. */
  static Variants.Built build(Args args, Graph floatGraph) {
    String variant = args.get("variant", "float");
    if (variant.equals("float")) {
      return null;
    }
    QuantConfig cfg = QuantConfig.defaults().withPerChannel(!args.flag("per-tensor"))
        .withReduceRange(args.flag("reduce-range"));
    if (args.get("method") != null) {
      try {
        cfg = cfg.withMethod(QuantConfig.Method.parse(args.get("method")));
      } catch (RuntimeException e) {
        throw new UsageException("--method: " + e.getMessage());
      }
    }
    if (args.get("keep-float") != null) {
      cfg = cfg.withKeepFloat(Set.of(args.get("keep-float").split(",")));
    }
    Calibration calib = null;
    try {
      if (Variants.needsCalibration(variant)) {
        calib = Calibration.of(calibration(args, floatGraph));
      }
      return Variants.buildVariant(floatGraph, variant, calib, cfg);
    } catch (UnknownVariantException e) {
      throw new UsageException("unknown --variant '" + variant + "'; valid: float, " + Variants.describeNames());
    }
  }

  /** Batches of the {@code --calib} set: NAME=X.npy, or X.npy for a single-input model. */
  private static List<Map<String, Tensor>> calibration(Args args, Graph g) {
    String spec = args.get("calib");
    if (spec == null) {
      throw new UsageException("--variant " + args.get("variant") + " needs --calib X.npy (calibration inputs)");
    }
    int eq = spec.indexOf('=');
    String name = eq < 0 ? null : spec.substring(0, eq);
    if (name == null) {
      if (g.inputs().size() != 1) {
        throw new UsageException("--calib: name the input (NAME=X.npy); the model has " + g.inputs().size());
      }
      name = g.inputs().get(0).name();
    }
    Tensor all = Npy.read(Path.of(eq < 0 ? spec : spec.substring(eq + 1)));
    int batch = args.intValue("calib-batch", 32);
    List<Map<String, Tensor>> feeds = new ArrayList<>();
    int n = all.rank() == 0 ? 1 : all.dim(0);
    int per = n == 0 ? 0 : all.size() / n;
    for (int start = 0; start < n; start += batch) {
      int k = Math.min(batch, n - start);
      int[] shape = all.shape();
      shape[0] = k;
      Tensor part = Tensor.zeros(all.dtype(), shape);
      System.arraycopy(all.data(), start * per, part.data(), 0, k * per);
      feeds.add(Map.of(name, part));
    }
    return feeds;
  }
}
