package org.quantlens.engine.ops;

import org.quantlens.engine.kernels.Requantize;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.QuantParams;

/**
 * Saturation counting at the requantized output of an int8 kernel, made only when the session
 * counts ({@link ExecContext#saturation()} non-null). Counts are against the output type's range;
 * an end bounded by a fused activation (Relu's 0, Clip's min/max within the range) counts nothing,
 * since there the float model clips too: this matches what the QuantizeLinear after the
 * activation counts in the unfolded QDQ graph.
 */
final class RequantizeCounting {
  private final SaturationCounter counter;
  private final int qmin;
  private final int qmax;
  private final boolean low;
  private final boolean high;

  private RequantizeCounting(SaturationCounter counter, int qmin, int qmax, boolean low, boolean high) {
    this.counter = counter;
    this.qmin = qmin;
    this.qmax = qmax;
    this.low = low;
    this.high = high;
  }

  /** The counting of the running node's output, or null when counting is off. */
  static RequantizeCounting of(ExecContext ex, FusedActivation act, float yScale, int yZp, DType outType) {
    SaturationCounter c = ex.saturation();
    if (c == null) {
      return null;
    }
    int qmin = QuantParams.qmin(outType);
    int qmax = QuantParams.qmax(outType);
    boolean low = true;
    boolean high = true;
    if (act.kind().equals("Relu")) {
      low = false; // Relu's 0 quantizes to the zero point, inside the range
    } else if (act.kind().equals("Clip")) {
      low = Math.rint(act.min() / yScale) + yZp < qmin;
      high = Math.rint(act.max() / yScale) + yZp > qmax;
    }
    return new RequantizeCounting(c, qmin, qmax, low, high);
  }

  /** Counts what {@link Requantize#requantizeRow} made of these accumulators. */
  void row(int[] acc, int off, int n, int bias, float scale, int zp) {
    long[] c = new long[2];
    Requantize.get().countRowSaturation(acc, off, n, bias, scale, zp, qmin, qmax, c);
    counter.add(low ? c[0] : 0, high ? c[1] : 0, 0, n);
  }

  /** Counts what {@link Requantize#requantizeColumns} made of these accumulators. */
  void columns(int[] acc, int off, int n, float[] scale, int scaleOff, int zp) {
    long[] c = new long[2];
    Requantize.get().countColumnsSaturation(acc, off, n, scale, scaleOff, zp, qmin, qmax, c);
    counter.add(low ? c[0] : 0, high ? c[1] : 0, 0, n);
  }
}
