package org.quantlens.engine.quant;

/**
 * Watches the values one tensor takes over a calibration set and proposes a real range
 * {@code {lo, hi}} to quantize it with. Observers see only finite values (the calibrator rejects
 * NaN and infinity first) and keep bounded state, whatever the data set size.
 */
public interface Observer {
  /**
   * Takes in {@code x[0, n)}, one batch of the tensor. The values must be finite: a NaN would
   * poison the range ({@link Calibrator} checks each batch first and names the tensor).
   */
  void observe(float[] x, int n);

  /** Batches seen so far. */
  int batches();

  /** The proposed range {@code {lo, hi}} with {@code lo <= hi}; {@code {0, 0}} before any data. */
  double[] range();
}
