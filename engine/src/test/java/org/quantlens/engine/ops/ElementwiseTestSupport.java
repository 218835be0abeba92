package org.quantlens.engine.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.tensor.Shapes;
import org.quantlens.engine.tensor.Tensor;

/** Runs one registered op directly, and naive index-by-index references for the tests. */
final class ElementwiseTestSupport {
  private ElementwiseTestSupport() {}

  /**
   * A context claiming 4 threads that runs the tasks serially in reverse order: results must
   * equal the single-threaded ones bit for bit if tasks are disjoint and chunking is fixed.
   */
  static final ExecContext PAR = new ExecContext() {
    @Override
    public void forRange(int tasks, IntConsumer body) {
      for (int t = tasks - 1; t >= 0; t--) {
        body.accept(t);
      }
    }

    @Override
    public int threads() {
      return 4;
    }
  };

  /** Attributes from key, value pairs (Float, Integer/Long, String, long[], float[]). */
  static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      Attribute a = v instanceof Float ? Attribute.of((Float) v)
          : v instanceof Integer ? Attribute.of((long) (Integer) v)
          : v instanceof Long ? Attribute.of((Long) v)
          : v instanceof String ? Attribute.of((String) v)
          : v instanceof long[] ? Attribute.of((long[]) v)
          : Attribute.of((float[]) v);
      m.put((String) kv[i], a);
    }
    return m;
  }

  /** Runs {@code op} at {@code opset} on the inputs (null = omitted optional input). */
  static Tensor run(String op, int opset, Map<String, Attribute> attrs, ExecContext ctx,
      Tensor... inputs) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < inputs.length; i++) {
      names.add(inputs[i] == null ? "" : "in" + i);
    }
    Node node = new Node("n", op, names, List.of("out"), attrs);
    OpRegistry.OpSpec spec = OpRegistry.standard().find("", op, opset);
    if (spec == null) {
      throw new AssertionError(op + " is not registered at opset " + opset);
    }
    Operator o = spec.factory().create(new NodeContext(node, opset));
    Tensor[] copies = new Tensor[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      copies[i] = inputs[i] == null ? null : inputs[i].copy();
    }
    Tensor out = o.run(inputs, ctx)[0];
    for (int i = 0; i < inputs.length; i++) { // inputs are never mutated or aliased
      if (inputs[i] != null) {
        for (int k = 0; k < inputs[i].size(); k++) {
          if (Double.doubleToRawLongBits(inputs[i].getDouble(k))
              != Double.doubleToRawLongBits(copies[i].getDouble(k))) {
            throw new AssertionError(op + " mutated input " + i);
          }
        }
        if (inputs[i].data() == out.data()) {
          throw new AssertionError(op + " returned its input's array");
        }
      }
    }
    return out;
  }

  static Tensor run(String op, int opset, Map<String, Attribute> attrs, Tensor... inputs) {
    return run(op, opset, attrs, ExecContext.SERIAL, inputs);
  }

  /** The numpy broadcast of the shapes, computed independently of Shapes.broadcast. */
  static int[] broadcastShape(int[]... shapes) {
    int rank = 0;
    for (int[] s : shapes) {
      rank = Math.max(rank, s.length);
    }
    int[] out = new int[rank];
    java.util.Arrays.fill(out, 1);
    for (int[] s : shapes) {
      for (int i = 0; i < s.length; i++) {
        int o = rank - s.length + i;
        if (s[i] != 1) {
          if (out[o] != 1 && out[o] != s[i]) {
            throw new AssertionError("shapes do not broadcast");
          }
          out[o] = s[i];
        }
      }
    }
    return out;
  }

  /** Flat index into a tensor of {@code shape} for output coordinates {@code idx} (broadcast). */
  static int sourceIndex(int[] shape, int[] idx) {
    int off = idx.length - shape.length;
    int flat = 0;
    for (int i = 0; i < shape.length; i++) {
      int c = shape[i] == 1 ? 0 : idx[off + i];
      flat = flat * shape[i] + c;
    }
    return flat;
  }

  /** Coordinates of flat index {@code flat} in {@code shape}. */
  static int[] coords(int[] shape, int flat) {
    int[] idx = new int[shape.length];
    for (int i = shape.length - 1; i >= 0; i--) {
      idx[i] = flat % shape[i];
      flat /= shape[i];
    }
    return idx;
  }

  static float[] randomFloats(java.util.Random rnd, int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = rnd.nextFloat() * 8 - 4;
    }
    return f;
  }

  /** A 1-D float32 tensor. */
  static Tensor vec(float... v) {
    return Tensor.of(v, v.length);
  }

  /** A 1-D int32 tensor. */
  static Tensor ivec(int... v) {
    return Tensor.of(v, v.length);
  }

  static int size(int[] shape) {
    return Shapes.size(shape);
  }
}
