package org.quantlens.study.analysis;

import org.quantlens.engine.ShapeMismatchException;

/**
 * Error of a quantized activation against the float one, in the vocabulary of ONNX Runtime's
 * qdq_loss_debug and PyTorch's Numeric Suite (tensors matched by name by the caller).
 *
 * @param sqnrDb signal-to-quantization-noise ratio, 10 log10(sum r^2 / sum (r - o)^2) in dB;
 *     +infinity when the two are identical (no noise), NaN when both are all zero or empty
 * @param cosine cosine similarity sum r o / (|r| |o|); NaN when either is all zero or empty
 * @param maxAbs the largest |r - o|; NaN when empty
 */
public record LayerError(double sqnrDb, double cosine, double maxAbs) {

  /**
   * The error over {@code length} values from {@code offset} of both arrays (e.g. one input's
   * slice of a batched activation). Sums are accumulated in double.
   */
  public static LayerError between(float[] reference, float[] other, int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > reference.length || offset + length > other.length) {
      throw new ShapeMismatchException("layer error: slice [" + offset + ", " + (offset + length)
          + ") must lie inside both activations, got lengths " + reference.length + " and " + other.length);
    }
    if (length == 0) {
      return new LayerError(Double.NaN, Double.NaN, Double.NaN);
    }
    double signal = 0;
    double otherEnergy = 0;
    double dot = 0;
    double noise = 0;
    double maxAbs = 0;
    for (int i = offset, end = offset + length; i < end; i++) {
      double r = reference[i];
      double o = other[i];
      double d = r - o;
      signal += r * r;
      otherEnergy += o * o;
      dot += r * o;
      noise += d * d;
      maxAbs = Math.max(maxAbs, Math.abs(d));
    }
    double sqnr;
    if (noise == 0) {
      sqnr = signal == 0 ? Double.NaN : Double.POSITIVE_INFINITY;
    } else {
      sqnr = 10 * Math.log10(signal / noise);
    }
    double cosine = signal == 0 || otherEnergy == 0 ? Double.NaN : dot / Math.sqrt(signal * otherEnergy);
    return new LayerError(sqnr, cosine, maxAbs);
  }
}
