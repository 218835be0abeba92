package org.quantlens.engine.quant;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Runs a calibration set through the float graph (unoptimised, so every value keeps its graph
 * name) and feeds the float32 values of the requested tensors to one {@link Observer} each.
 */
public final class Calibrator {
  private Calibrator() {}

  /** The observer {@code cfg} asks for, at {@code bits} bits for the MSE grid. */
  public static Observer newObserver(QuantConfig cfg, int bits) {
    switch (cfg.method()) {
      case MINMAX:
        return new MinMaxObserver();
      case MOVING_AVERAGE_MINMAX:
        return new MovingAverageMinMaxObserver(cfg.momentum());
      case PERCENTILE: {
        double p = cfg.percentile();
        return new HistogramObserver(cfg.histogramBins(), h -> h.percentileRange(p));
      }
      case ENTROPY: {
        int nq = cfg.entropyQuantBins();
        return new HistogramObserver(cfg.histogramBins(), h -> h.entropyRange(nq));
      }
      default: {
        QuantMath.IntRange r = cfg.activationRange(bits);
        boolean sym = cfg.activationSymmetric();
        return new HistogramObserver(cfg.histogramBins(), h -> h.mseRange(r, sym, 100));
      }
    }
  }

  /**
   * Observes {@code tensors} of {@code graph} over {@code calib} and returns each one's range
   * {@code {lo, hi}}.
   *
   * @throws QuantLensException if the set is empty, a tensor is never computed, or a value is NaN
   *     or infinite (the message names the tensor and the sample index)
   */
  public static Map<String, double[]> ranges(Graph graph, Calibration calib, QuantConfig cfg,
      int bits, Collection<String> tensors) {
    Map<String, Observer> obs = new LinkedHashMap<>();
    for (String t : tensors) {
      obs.put(t, newObserver(cfg, bits));
    }
    observe(graph, calib, obs);
    Map<String, double[]> r = new LinkedHashMap<>();
    obs.forEach((k, o) -> r.put(k, o.range()));
    return r;
  }

  /** Feeds every value named in {@code observers} to its observer over the whole set. */
  public static void observe(Graph graph, Calibration calib, Map<String, ? extends Observer> observers) {
    int[] sample = {0};
    Session.Options opts = new Session.Options().optimize(false).observer((name, value) -> {
      Observer o = observers.get(name);
      if (o == null || !value.dtype().isFloating()) {
        return;
      }
      float[] x = value.dtype() == DType.F32 ? value.floats() : value.toFloats();
      int n = value.size();
      for (int i = 0; i < n; i++) {
        if (!Float.isFinite(x[i])) {
          throw new QuantLensException("calibration sample " + sample[0] + ": tensor '" + name
              + "' holds " + x[i] + " at element " + i + "; calibration data must be finite");
        }
      }
      o.observe(x, n);
    });
    try (Session s = new Session(graph, opts)) {
      Iterator<Map<String, Tensor>> it = calib.open();
      while (it.hasNext()) {
        s.run(it.next());
        sample[0]++;
      }
    }
    if (sample[0] == 0) {
      throw new QuantLensException("the calibration set is empty: at least one sample is needed");
    }
    for (Map.Entry<String, ? extends Observer> e : observers.entrySet()) {
      if (e.getValue().batches() == 0) {
        throw new QuantLensException("tensor '" + e.getKey()
            + "' was never computed as float during calibration; cannot choose its range");
      }
    }
  }
}
