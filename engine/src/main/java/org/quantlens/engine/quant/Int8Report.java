package org.quantlens.engine.quant;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which nodes of a model run in int8 and which do not, and why: one entry per node of the graph
 * the report was made for. Printed by {@code inspect} and run summaries, so nothing falls back to
 * float silently.
 */
public final class Int8Report {
  /** One node's path. */
  public static final class Entry {
    private final String node;
    private final String opType;
    private final boolean int8;
    private final String reason;

    public Entry(String node, String opType, boolean int8, String reason) {
      this.node = node;
      this.opType = opType;
      this.int8 = int8;
      this.reason = reason;
    }

    /** The node's name in the graph the report describes. */
    public String node() {
      return node;
    }

    public String opType() {
      return opType;
    }

    /** True when the node's work is done by an int8 kernel (or absorbed into one). */
    public boolean int8() {
      return int8;
    }

    /** What the node became, or why it stays float. */
    public String reason() {
      return reason;
    }

    @Override
    public String toString() {
      return node + " (" + opType + "): " + (int8 ? "int8" : "float") + " - " + reason;
    }
  }

  private final List<Entry> entries;

  public Int8Report(List<Entry> entries) {
    this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
  }

  public List<Entry> entries() {
    return entries;
  }

  /** The entry of node {@code name}, or null. */
  public Entry entry(String name) {
    for (Entry e : entries) {
      if (e.node.equals(name)) {
        return e;
      }
    }
    return null;
  }

  /** Number of entries running int8. */
  public int int8Count() {
    int n = 0;
    for (Entry e : entries) {
      n += e.int8 ? 1 : 0;
    }
    return n;
  }

  /** One line per node, then a count. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Entry e : entries) {
      sb.append(e).append('\n');
    }
    return sb.append(int8Count()).append(" of ").append(entries.size()).append(" nodes int8\n").toString();
  }
}
