package org.quantlens.engine.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A snapshot of a session's saturation counters ({@link Session#saturation()}): per node that
 * quantized or requantized values, how many were clipped at the low and high end of the integer
 * range and how many inputs were NaN or infinite, over all runs since the session was made (or
 * last {@link Session#resetSaturation() reset}); and the totals. Node names are those of the graph
 * the session runs (after QDQ folding, an int8 op carries the name of the op it replaced).
 */
public final class SaturationReport {
  /** One node's counts. */
  public static final class Entry {
    private final String node;
    private final String opType;
    private final long low;
    private final long high;
    private final long nonFinite;
    private final long total;

    public Entry(String node, String opType, long low, long high, long nonFinite, long total) {
      this.node = node;
      this.opType = opType;
      this.low = low;
      this.high = high;
      this.nonFinite = nonFinite;
      this.total = total;
    }

    public String node() {
      return node;
    }

    public String opType() {
      return opType;
    }

    /** Values clipped at the low end. */
    public long low() {
      return low;
    }

    /** Values clipped at the high end. */
    public long high() {
      return high;
    }

    /** NaN and infinite inputs (counted apart from low and high). */
    public long nonFinite() {
      return nonFinite;
    }

    /** Values the node quantized. */
    public long total() {
      return total;
    }

    /** Clipped values (low + high) as a fraction of {@link #total}, 0 when nothing was quantized. */
    public double clippedFraction() {
      return total == 0 ? 0 : (double) (low + high) / total;
    }

    @Override
    public String toString() {
      return String.format("%s (%s): %d low, %d high, %d non-finite of %d values (%.4f%% clipped)",
          node, opType, low, high, nonFinite, total, 100 * clippedFraction());
    }
  }

  private final List<Entry> entries;

  public SaturationReport(List<Entry> entries) {
    this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
  }

  /** One entry per node that quantized at least one value, in execution order. */
  public List<Entry> entries() {
    return entries;
  }

  /** The entry of node {@code name}, or null when it quantized nothing. */
  public Entry entry(String name) {
    for (Entry e : entries) {
      if (e.node.equals(name)) {
        return e;
      }
    }
    return null;
  }

  /** Sum of the entries' low counts. */
  public long low() {
    return entries.stream().mapToLong(Entry::low).sum();
  }

  /** Sum of the entries' high counts. */
  public long high() {
    return entries.stream().mapToLong(Entry::high).sum();
  }

  /** Sum of the entries' non-finite counts. */
  public long nonFinite() {
    return entries.stream().mapToLong(Entry::nonFinite).sum();
  }

  /** Values quantized over all nodes. */
  public long total() {
    return entries.stream().mapToLong(Entry::total).sum();
  }

  /** One line per node, then the totals. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Entry e : entries) {
      sb.append(e).append('\n');
    }
    return sb.append(String.format("total: %d low, %d high, %d non-finite of %d values quantized%n",
        low(), high(), nonFinite(), total())).toString();
  }
}
