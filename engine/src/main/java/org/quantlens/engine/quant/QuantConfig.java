package org.quantlens.engine.quant;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.tensor.DType;

/**
 * How to quantize: the calibration method for activation ranges, per-channel weights, the
 * activation type, 7-bit reduced range and the nodes to keep in float. Immutable; each
 * {@code withX} returns a changed copy. Weights always use their exact per-channel (or per-tensor)
 * min/max and symmetric int8; the method only chooses activation ranges.
 */
public final class QuantConfig {
  /** Ways to turn what the observers saw into a range. */
  public enum Method {
    /** Smallest and largest value seen. */
    MINMAX,
    /** Exponential moving average of each batch's min and max (see {@link #momentum()}). */
    MOVING_AVERAGE_MINMAX,
    /** The {@link #percentile()} of the value distribution at each end (histogram-based). */
    PERCENTILE,
    /** TensorRT-style KL-divergence threshold over a histogram of |x|. */
    ENTROPY,
    /** The range whose fake-quant squared error over the histogram is smallest. */
    MSE;

    /** Parses "minmax", "moving-average", "percentile", "entropy" or "mse". */
    public static Method parse(String s) {
      switch (s.toLowerCase(Locale.ROOT).replace('_', '-')) {
        case "minmax": return MINMAX;
        case "moving-average": case "moving-average-minmax": return MOVING_AVERAGE_MINMAX;
        case "percentile": return PERCENTILE;
        case "entropy": case "kl": return ENTROPY;
        case "mse": return MSE;
        default:
          throw new QuantLensException("unknown calibration method '" + s
              + "'; expected one of minmax, moving-average, percentile, entropy, mse");
      }
    }
  }

  private final Method method;
  private final double percentile;
  private final boolean perChannel;
  private final DType activationType;
  private final boolean activationSymmetric;
  private final boolean reduceRange;
  private final Set<String> keepFloat;
  private final int histogramBins;
  private final int entropyQuantBins;
  private final double momentum;

  private QuantConfig(Method method, double percentile, boolean perChannel, DType activationType,
      boolean activationSymmetric, boolean reduceRange, Set<String> keepFloat, int histogramBins,
      int entropyQuantBins, double momentum) {
    this.method = method;
    this.percentile = percentile;
    this.perChannel = perChannel;
    this.activationType = activationType;
    this.activationSymmetric = activationSymmetric;
    this.reduceRange = reduceRange;
    this.keepFloat = Set.copyOf(keepFloat);
    this.histogramBins = histogramBins;
    this.entropyQuantBins = entropyQuantBins;
    this.momentum = momentum;
  }

  /**
   * The defaults: MinMax, percentile 99.99 (when chosen), per-channel weights, uint8 asymmetric
   * activations, full 8-bit range, 2048 histogram bins per sign, 128 entropy bins, momentum 0.01.
   */
  public static QuantConfig defaults() {
    return new QuantConfig(Method.MINMAX, 99.99, true, DType.U8, false, false, Set.of(), 2048, 128, 0.01);
  }

  public Method method() {
    return method;
  }

  /** Percentile kept at each end for {@link Method#PERCENTILE}, in (0, 100]. */
  public double percentile() {
    return percentile;
  }

  /** Per-channel weights (axis 0 of Conv weights, per output column of Gemm/MatMul). */
  public boolean perChannel() {
    return perChannel;
  }

  /** {@link DType#U8} or {@link DType#I8}. */
  public DType activationType() {
    return activationType;
  }

  /** Symmetric activation ranges (zero point in the middle of the grid). */
  public boolean activationSymmetric() {
    return activationSymmetric;
  }

  /** 7-bit grids for weights and activations. */
  public boolean reduceRange() {
    return reduceRange;
  }

  /** Names of nodes kept in float. */
  public Set<String> keepFloat() {
    return keepFloat;
  }

  /** Histogram bins on each side of zero (so 2x this many in all); even. */
  public int histogramBins() {
    return histogramBins;
  }

  /** Quantized bins the entropy method compares against (128 in TensorRT). */
  public int entropyQuantBins() {
    return entropyQuantBins;
  }

  /** Weight of each new batch in the moving-average MinMax ({@code m += momentum * (b - m)}). */
  public double momentum() {
    return momentum;
  }

  public QuantConfig withMethod(Method m) {
    return new QuantConfig(m, percentile, perChannel, activationType, activationSymmetric,
        reduceRange, keepFloat, histogramBins, entropyQuantBins, momentum);
  }

  public QuantConfig withPercentile(double p) {
    if (!(p > 0 && p <= 100)) {
      throw new QuantLensException("percentile must be in (0, 100], got " + p);
    }
    return new QuantConfig(method, p, perChannel, activationType, activationSymmetric,
        reduceRange, keepFloat, histogramBins, entropyQuantBins, momentum);
  }

  public QuantConfig withPerChannel(boolean on) {
    return new QuantConfig(method, percentile, on, activationType, activationSymmetric,
        reduceRange, keepFloat, histogramBins, entropyQuantBins, momentum);
  }

  public QuantConfig withActivationType(DType t) {
    if (t != DType.U8 && t != DType.I8) {
      throw new QuantLensException("activation type must be U8 or I8, got " + t);
    }
    return new QuantConfig(method, percentile, perChannel, t, activationSymmetric,
        reduceRange, keepFloat, histogramBins, entropyQuantBins, momentum);
  }

  public QuantConfig withActivationSymmetric(boolean on) {
    return new QuantConfig(method, percentile, perChannel, activationType, on,
        reduceRange, keepFloat, histogramBins, entropyQuantBins, momentum);
  }

  public QuantConfig withReduceRange(boolean on) {
    return new QuantConfig(method, percentile, perChannel, activationType, activationSymmetric,
        on, keepFloat, histogramBins, entropyQuantBins, momentum);
  }

  public QuantConfig withKeepFloat(Set<String> nodeNames) {
    return new QuantConfig(method, percentile, perChannel, activationType, activationSymmetric,
        reduceRange, new LinkedHashSet<>(nodeNames), histogramBins, entropyQuantBins, momentum);
  }

  public QuantConfig withHistogramBins(int bins) {
    if (bins < 2 || bins % 2 != 0) {
      throw new QuantLensException("histogram bins must be even and at least 2, got " + bins);
    }
    return new QuantConfig(method, percentile, perChannel, activationType, activationSymmetric,
        reduceRange, keepFloat, bins, entropyQuantBins, momentum);
  }

  public QuantConfig withEntropyQuantBins(int bins) {
    if (bins < 2) {
      throw new QuantLensException("entropy quantized bins must be at least 2, got " + bins);
    }
    return new QuantConfig(method, percentile, perChannel, activationType, activationSymmetric,
        reduceRange, keepFloat, histogramBins, bins, momentum);
  }

  public QuantConfig withMomentum(double m) {
    if (!(m > 0 && m <= 1)) {
      throw new QuantLensException("momentum must be in (0, 1], got " + m);
    }
    return new QuantConfig(method, percentile, perChannel, activationType, activationSymmetric,
        reduceRange, keepFloat, histogramBins, entropyQuantBins, m);
  }

  /** The activation grid at {@code bits} bits. */
  QuantMath.IntRange activationRange(int bits) {
    return QuantMath.intRange(bits, activationType == DType.I8, activationSymmetric, reduceRange);
  }

  /** The symmetric signed weight grid at {@code bits} bits. */
  QuantMath.IntRange weightRange(int bits) {
    return QuantMath.intRange(bits, true, true, reduceRange);
  }

  @Override
  public String toString() {
    return "QuantConfig{method=" + method + (method == Method.PERCENTILE ? " " + percentile : "")
        + ", perChannel=" + perChannel + ", activations=" + activationType
        + (activationSymmetric ? " symmetric" : " asymmetric") + (reduceRange ? ", reduceRange" : "")
        + (keepFloat.isEmpty() ? "" : ", keepFloat=" + keepFloat) + "}";
  }
}
