package org.quantlens.engine.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** One-node graphs and naive quantization formulas for the quantized op tests. */
final class QuantTestSupport {
  private QuantTestSupport() {}

  /** A single-node graph: inputs named in order; a name found in {@code constants} is an initializer. */
  static Graph graph(String op, String domain, int opset, List<String> inputs, Map<String, Tensor> constants,
      Map<String, Tensor> feeds, Map<String, Attribute> attrs, String... outputs) {
    Graph g = new Graph("t");
    g.opsets().put("", opset);
    if (!domain.isEmpty()) {
      g.opsets().put(domain, 1);
    }
    for (String in : inputs) {
      if (in.isEmpty()) {
        continue;
      }
      if (constants.containsKey(in)) {
        g.initializers().put(in, constants.get(in));
      } else {
        Tensor t = feeds.get(in);
        g.inputs().add(new Value(in, t.dtype(), t.shape()));
      }
    }
    g.nodes().add(new Node("n", op, domain, inputs, List.of(outputs), attrs));
    for (String o : outputs) {
      if (!o.isEmpty()) {
        g.outputs().add(new Value(o, null, (int[]) null, null));
      }
    }
    return g;
  }

  /** Runs a graph with {@code threads} threads. */
  static Map<String, Tensor> run(Graph g, Map<String, Tensor> feeds, int threads) {
    try (Session s = new Session(g, new Session.Options().threads(threads))) {
      return s.run(feeds);
    }
  }

  static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      m.put((String) kv[i], v instanceof Attribute ? (Attribute) v
          : v instanceof long[] ? Attribute.of((long[]) v)
          : v instanceof Float ? Attribute.of((Float) v)
          : v instanceof String ? Attribute.of((String) v)
          : Attribute.of(((Number) v).longValue()));
    }
    return m;
  }

  /** Random 8-bit tensor (uint8 when {@code unsigned}). */
  static Tensor bytes(Random r, boolean unsigned, int... shape) {
    Tensor t = Tensor.zeros(unsigned ? DType.U8 : DType.I8, shape);
    r.nextBytes(t.bytes());
    return t;
  }

  /** An 8-bit scalar or vector of zero points. */
  static Tensor zp(boolean unsigned, int[] shape, int... values) {
    Tensor t = Tensor.zeros(unsigned ? DType.U8 : DType.I8, shape);
    for (int i = 0; i < values.length; i++) {
      t.bytes()[i] = (byte) values[i];
    }
    return t;
  }

  static Tensor scalar8(boolean unsigned, int v) {
    return zp(unsigned, new int[0], v);
  }

  static Tensor floats(int[] shape, float... v) {
    return Tensor.of(v.clone(), shape);
  }

  /** Value of element i of an 8-bit tensor. */
  static int q(Tensor t, int i) {
    return (int) t.getLong(i);
  }

  /**
   * Checks quantized outputs against a double-precision reference {@code v} (the value before
   * rounding, {@code real / y_scale + y_zp}): equal everywhere except, at most one step off, where
   * {@code v} is within {@code tieWindow} of a rounding tie (our float32 multiplier can land on the
   * other side). Returns the number of such near-tie differences.
   */
  static int assertQuantized(double[] v, Tensor got, int qmin, int qmax, double tieWindow, String what) {
    int nearTie = 0;
    List<String> bad = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      long want = (long) Math.max(qmin, Math.min(qmax, Math.rint(v[i])));
      long have = got.getLong(i);
      if (want == have) {
        continue;
      }
      double frac = Math.abs(v[i] - Math.floor(v[i]) - 0.5);
      if (Math.abs(want - have) == 1 && frac < tieWindow) {
        nearTie++;
      } else if (bad.size() < 5) {
        bad.add("[" + i + "] want " + want + " (v=" + v[i] + ") got " + have);
      }
    }
    assertTrue(bad.isEmpty(), what + ": " + bad);
    return nearTie;
  }
}
