package org.quantlens.engine.quant;

import java.util.function.Function;

/**
 * A histogram of the values seen, over {@code [-R, R)} with {@code bins} equal bins on each side of
 * zero, plus the exact min and max. {@code R} starts at the first batch's largest magnitude and
 * doubles when a later batch exceeds it (neighbouring bins merge pairwise, so bin edges stay exact
 * and memory stays {@code 2 * bins} counters). The range is then chosen by percentile, entropy
 * (KL divergence) or MSE, see the {@code *Range} methods; {@link #range()} uses the one given at
 * construction.
 */
public final class HistogramObserver implements Observer {
  private final int bins;
  private final long[] counts;
  private final Function<HistogramObserver, double[]> chooser;
  private double halfWidth; // R; 0 until a non-zero value arrives
  private long zerosBeforeRange;
  private long exactZeros;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private int batches;

  /**
   * @param binsPerSide bins on each side of zero (even)
   * @param chooser picks the range from this histogram, e.g. {@code h -> h.percentileRange(99.99)}
   */
  public HistogramObserver(int binsPerSide, Function<HistogramObserver, double[]> chooser) {
    if (binsPerSide < 2 || binsPerSide % 2 != 0) {
      throw new IllegalArgumentException("bins per side must be even and >= 2, got " + binsPerSide);
    }
    this.bins = binsPerSide;
    this.counts = new long[2 * binsPerSide];
    this.chooser = chooser;
  }

  @Override
  public void observe(float[] x, int n) {
    double absmax = 0;
    for (int i = 0; i < n; i++) {
      exactZeros += x[i] == 0 ? 1 : 0;
      min = Math.min(min, x[i]);
      max = Math.max(max, x[i]);
      absmax = Math.max(absmax, Math.abs(x[i]));
    }
    batches++;
    if (absmax == 0) {
      if (halfWidth == 0) {
        zerosBeforeRange += n;
      } else {
        counts[bins] += n;
      }
      return;
    }
    if (halfWidth == 0) {
      halfWidth = absmax;
      counts[bins] += zerosBeforeRange;
      zerosBeforeRange = 0;
    }
    while (absmax > halfWidth) {
      grow();
    }
    double inv = bins / halfWidth;
    int last = 2 * bins - 1;
    for (int i = 0; i < n; i++) {
      int b = (int) Math.floor((x[i] + halfWidth) * inv);
      counts[b < 0 ? 0 : b > last ? last : b]++;
    }
  }

  /** Doubles R: old bin j lands in new bin bins/2 + j/2. */
  private void grow() {
    long[] old = counts.clone();
    java.util.Arrays.fill(counts, 0);
    for (int j = 0; j < old.length; j++) {
      counts[bins / 2 + j / 2] += old[j];
    }
    halfWidth *= 2;
  }

  @Override
  public int batches() {
    return batches;
  }

  @Override
  public double[] range() {
    return chooser.apply(this);
  }

  /** The exact {min, max} seen. */
  public double[] minMax() {
    return min > max ? new double[] {0, 0} : new double[] {min, max};
  }

  /** Current half-width R of the histogram (0 while only zeros were seen). */
  public double halfWidth() {
    return halfWidth;
  }

  /** Bin width {@code R / bins}. */
  public double binWidth() {
    return halfWidth / bins;
  }

  /** A copy of the counts, bin {@code i} covering {@code [-R + i w, -R + (i + 1) w)}. */
  public long[] counts() {
    return counts.clone();
  }

  private long total() {
    long t = zerosBeforeRange;
    for (long c : counts) {
      t += c;
    }
    return t;
  }

  /**
   * {@code {lo, hi}} where a fraction {@code (100 - p) / 100} of the values lies below {@code lo}
   * and the same fraction above {@code hi}, interpolated linearly inside a bin (so exact to one bin
   * width), and never beyond the exact min and max.
   */
  public double[] percentileRange(double p) {
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
    }
    if (halfWidth == 0) {
      return minMax();
    }
    long total = total();
    double tail = total * (100 - p) / 100;
    double lo = quantileFromBelow(tail);
    double hi = quantileFromBelow(total - tail);
    double[] mm = minMax();
    return new double[] {Math.max(mm[0], Math.min(lo, mm[1])), Math.min(mm[1], Math.max(hi, mm[0]))};
  }

  /** The value below which {@code target} of the counted values lie (interpolated in its bin). */
  private double quantileFromBelow(double target) {
    double w = binWidth();
    double cum = 0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] > 0 && cum + counts[i] >= target) {
        double frac = (target - cum) / counts[i];
        return -halfWidth + (i + frac) * w;
      }
      cum += counts[i];
    }
    return halfWidth;
  }

  /**
   * TensorRT's entropy calibration: over the histogram of |x| (bins per side), for each candidate
   * threshold bin {@code i} from {@code quantBins} up, the reference distribution P is the first
   * {@code i} bins with every value beyond folded into the last one, Q is those {@code i} bins
   * merged into {@code quantBins} groups and spread back evenly over each group's non-empty bins;
   * the threshold {@code i * w} with the smallest KL(P || Q) wins. The range is the exact min/max
   * clipped to {@code [-t, t]}. Exact zeros (half of a ReLU output) are left out: the zero point
   * represents them exactly, and as a spike in the first bin they would otherwise push the
   * threshold down (spreading the spike over a wider first group costs more the wider it is).
   */
  public double[] entropyRange(int quantBins) {
    double[] mm = minMax();
    if (halfWidth == 0 || bins <= quantBins) {
      return mm;
    }
    double[] abs = new double[bins];
    for (int k = 0; k < bins; k++) {
      abs[k] = counts[bins + k] + counts[bins - 1 - k];
    }
    abs[0] = Math.max(0, abs[0] - exactZeros);
    int last = bins; // bins past the largest non-empty one add nothing: stop there
    while (last > quantBins && abs[last - 1] == 0) {
      last--;
    }
    double[] suffix = new double[bins + 1];
    for (int k = bins - 1; k >= 0; k--) {
      suffix[k] = suffix[k + 1] + abs[k];
    }
    int best = last;
    double bestKl = Double.POSITIVE_INFINITY;
    double[] p = new double[bins];
    double[] q = new double[bins];
    for (int i = quantBins; i <= last; i++) {
      double kl = klForThreshold(abs, suffix, i, quantBins, p, q);
      if (kl < bestKl) {
        bestKl = kl;
        best = i;
      }
    }
    double t = best * binWidth();
    return new double[] {Math.max(mm[0], -t), Math.min(mm[1], t)};
  }

  private static double klForThreshold(double[] abs, double[] suffix, int i, int nq, double[] p,
      double[] q) {
    System.arraycopy(abs, 0, p, 0, i);
    p[i - 1] += suffix[i];
    for (int j = 0; j < nq; j++) {
      int start = (int) ((long) j * i / nq);
      int end = (int) ((long) (j + 1) * i / nq);
      double sum = 0;
      int nonEmpty = 0;
      for (int k = start; k < end; k++) {
        sum += abs[k];
        nonEmpty += abs[k] != 0 ? 1 : 0;
      }
      double each = nonEmpty == 0 ? 0 : sum / nonEmpty;
      for (int k = start; k < end; k++) {
        q[k] = abs[k] != 0 ? each : 0;
      }
    }
    double ps = 0;
    double qs = 0;
    for (int k = 0; k < i; k++) {
      ps += p[k];
      qs += q[k];
    }
    if (ps == 0 || qs == 0) {
      return Double.POSITIVE_INFINITY;
    }
    // Where P has mass and Q none (the outlier bin), Q gets a tiny floor instead of infinity, as
    // the usual smoothing does; such thresholds are then heavily but finitely penalised.
    final double floor = 1e-4 / i;
    double kl = 0;
    for (int k = 0; k < i; k++) {
      if (p[k] > 0) {
        double pk = p[k] / ps;
        double qk = Math.max(q[k] / qs, floor);
        kl += pk * Math.log(pk / qk);
      }
    }
    return kl;
  }

  /**
   * The range among {@code candidates} shrinkings of the exact min/max ({@code k / candidates} of
   * each end, k = 1..candidates) whose fake-quant onto {@code r} has the smallest squared error
   * over the histogram (each bin's count at its centre).
   */
  public double[] mseRange(QuantMath.IntRange r, boolean symmetric, int candidates) {
    double[] mm = minMax();
    if (halfWidth == 0) {
      return mm;
    }
    double w = binWidth();
    double bestErr = Double.POSITIVE_INFINITY;
    double[] best = mm;
    for (int k = candidates; k >= 1; k--) {
      double lo = mm[0] * k / candidates;
      double hi = mm[1] * k / candidates;
      QuantMath.Params qp = QuantMath.params(lo, hi, r, symmetric);
      double err = 0;
      for (int b = 0; b < counts.length && err < bestErr; b++) {
        if (counts[b] != 0) {
          float c = (float) (-halfWidth + (b + 0.5) * w);
          double d = c - QuantMath.fakeQuant(c, qp.scale, qp.zeroPoint, r);
          err += counts[b] * d * d;
        }
      }
      if (err < bestErr) {
        bestErr = err;
        best = new double[] {lo, hi};
      }
    }
    return best;
  }
}
