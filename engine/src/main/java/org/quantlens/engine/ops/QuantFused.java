package org.quantlens.engine.ops;

import org.quantlens.engine.tensor.QuantParams;

/**
 * A fused Relu or Clip ({@link FusedActivation}) applied in the quantized domain: the output is
 * clamped to {@code [q(0), qmax]} (Relu) or {@code [q(min), q(max)]} (Clip) where {@code q} is the
 * output's QuantizeLinear. Because quantization is monotone this equals quantizing the activated
 * float value, which is what folding DQ -> op -> Relu -> Q into one quantized op needs.
 */
final class QuantFused {
  private QuantFused() {}

  /** Throws unless the activation can be applied as a clamp (none, Relu, Clip). */
  static FusedActivation check(NodeContext ctx) {
    FusedActivation a = FusedActivation.of(ctx);
    if (!a.isNone() && !a.kind().equals("Relu") && !a.kind().equals("Clip")) {
      throw ctx.error("fused " + a.kind() + " cannot be applied to a quantized output; only Relu and Clip");
    }
    return a;
  }

  /** {@code {lo, hi}}: the output range narrowed by {@code a}. */
  static int[] bounds(FusedActivation a, float yScale, int yZp, int qmin, int qmax) {
    int lo = qmin;
    int hi = qmax;
    if (a.kind().equals("Relu")) {
      lo = Math.max(lo, QuantParams.quantize(0f, yScale, yZp, qmin, qmax));
    } else if (a.kind().equals("Clip")) {
      lo = Math.max(lo, QuantParams.quantize(a.min(), yScale, yZp, qmin, qmax));
      hi = Math.min(hi, QuantParams.quantize(a.max(), yScale, yZp, qmin, qmax));
    }
    return new int[] {lo, Math.max(lo, hi)};
  }
}
