package org.quantlens.engine.quant;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.tensor.Tensor;

/**
 * A calibration data set: input feeds (graph input name to tensor) run through the float graph to
 * observe activation ranges. Either a list (reusable) or an iterator of batches (one pass only,
 * so data sets larger than memory can stream).
 */
public final class Calibration {
  private final List<Map<String, Tensor>> list;
  private Iterator<Map<String, Tensor>> iterator;

  private Calibration(List<Map<String, Tensor>> list, Iterator<Map<String, Tensor>> iterator) {
    this.list = list;
    this.iterator = iterator;
  }

  /** A reusable calibration set of feeds. */
  public static Calibration of(List<Map<String, Tensor>> feeds) {
    return new Calibration(List.copyOf(feeds), null);
  }

  /** A one-pass calibration set streamed from {@code batches}. */
  public static Calibration of(Iterator<Map<String, Tensor>> batches) {
    return new Calibration(null, batches);
  }

  /** True when the set has no sample (a streamed set is checked without consuming it). */
  public boolean isEmpty() {
    return list != null ? list.isEmpty() : iterator == null || !iterator.hasNext();
  }

  /** The feeds; a streamed set can be opened once. */
  Iterator<Map<String, Tensor>> open() {
    if (list != null) {
      return list.iterator();
    }
    if (iterator == null) {
      throw new QuantLensException("this calibration set streams from an iterator and was already used");
    }
    Iterator<Map<String, Tensor>> it = iterator;
    iterator = null;
    return it;
  }
}
