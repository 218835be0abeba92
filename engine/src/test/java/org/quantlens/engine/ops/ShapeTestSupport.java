package org.quantlens.engine.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.graph.Value;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** Runs single shape-family nodes through the standard registry, as a session would. */
final class ShapeTestSupport {
  private ShapeTestSupport() {}

  /** Runs tasks backwards and claims 4 threads: results must not depend on order or count. */
  static final ExecContext BACKWARDS = new ExecContext() {
    @Override
    public void forRange(int tasks, java.util.function.IntConsumer body) {
      for (int t = tasks - 1; t >= 0; t--) {
        body.accept(t);
      }
    }

    @Override
    public int threads() {
      return 4;
    }
  };

  static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      Attribute a = v instanceof Attribute ? (Attribute) v
          : v instanceof Long ? Attribute.of((Long) v)
          : v instanceof Integer ? Attribute.of((long) (Integer) v)
          : v instanceof Float ? Attribute.of((Float) v)
          : v instanceof String ? Attribute.of((String) v)
          : v instanceof long[] ? Attribute.of((long[]) v)
          : v instanceof float[] ? Attribute.of((float[]) v)
          : Attribute.of((Tensor) v);
      m.put((String) kv[i], a);
    }
    return m;
  }

  /** Runs {@code op} with one output; null inputs are omitted optional inputs. */
  static Tensor run1(String op, int opset, Map<String, Attribute> attrs, Tensor... inputs) {
    return run(op, opset, attrs, 1, false, inputs)[0];
  }

  /**
   * Runs {@code op}.
   *
   * @param constants whether the factory sees the inputs as constants (load-time path)
   */
  static Tensor[] run(String op, int opset, Map<String, Attribute> attrs, int outputs,
      boolean constants, Tensor... inputs) {
    List<String> in = new ArrayList<>();
    Value[] info = new Value[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      in.add(inputs[i] == null ? "" : "in" + i);
      info[i] = inputs[i] == null ? null : new Value("in" + i, inputs[i].dtype(), inputs[i].shape());
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      out.add("out" + i);
    }
    Node node = new Node("n", op, in, out, attrs);
    OpRegistry.OpSpec spec = OpRegistry.standard().find("", op, opset);
    if (spec == null) {
      throw new AssertionError(op + " is not registered at opset " + opset);
    }
    Operator o = spec.factory().create(new NodeContext(node, opset,
        constants ? inputs.clone() : null, info));
    return o.run(inputs.clone(), BACKWARDS);
  }

  static Tensor longs(long... v) {
    return Tensor.of(v, v.length);
  }

  static Tensor ints(int... v) {
    return Tensor.of(v, v.length);
  }

  /** A tensor of {@code t} holding 0, 1, 2, ... (wrapping for narrow types). */
  static Tensor iota(DType t, int... shape) {
    Tensor x = Tensor.zeros(t, shape);
    for (int i = 0; i < x.size(); i++) {
      x.setLong(i, t == DType.BOOL ? i % 2 : i);
    }
    return x;
  }

  static Tensor randomFloats(Random r, int... shape) {
    Tensor x = Tensor.zeros(DType.F32, shape);
    for (int i = 0; i < x.size(); i++) {
      x.floats()[i] = (float) r.nextGaussian();
    }
    return x;
  }

  /** Reads element {@code pos} (a multi-index) of {@code t} independently of any kernel. */
  static double at(Tensor t, int... pos) {
    int[] s = t.shape();
    int flat = 0;
    for (int d = 0; d < s.length; d++) {
      flat = flat * s[d] + pos[d];
    }
    return t.getDouble(flat);
  }

  /** Calls {@code f} with every multi-index of {@code shape} in C order. */
  static void forEachIndex(int[] shape, java.util.function.Consumer<int[]> f) {
    int total = 1;
    for (int d : shape) {
      total *= d;
    }
    int[] pos = new int[shape.length];
    for (int i = 0; i < total; i++) {
      f.accept(pos.clone());
      for (int d = shape.length - 1; d >= 0 && ++pos[d] == shape[d]; d--) {
        pos[d] = 0;
      }
    }
  }
}
