package org.quantlens.engine.ops;

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
import org.quantlens.engine.tensor.Tensor;

/** Builds and runs one-node graphs for the Conv, Pool and BatchNorm op tests. */
final class ConvTestGraphs {
  private ConvTestGraphs() {}

  /**
   * Runs {@code op} once. Inputs named in {@code constants} become initializers, the others graph
   * inputs; null entries of {@code inputs} are omitted optional inputs ("").
   *
   * @return the node's outputs in order
   */
  static Tensor[] run(String op, int opset, Map<String, Attribute> attrs, Tensor[] inputs,
      boolean[] constant, int outputs, int threads) {
    Graph g = new Graph("t");
    g.opsets().put("", opset);
    List<String> names = new ArrayList<>();
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    for (int i = 0; i < inputs.length; i++) {
      if (inputs[i] == null) {
        names.add("");
        continue;
      }
      String name = "in" + i;
      names.add(name);
      if (constant != null && i < constant.length && constant[i]) {
        g.initializers().put(name, inputs[i]);
      } else {
        g.inputs().add(new Value(name, inputs[i].dtype(), inputs[i].shape()));
        feeds.put(name, inputs[i]);
      }
    }
    List<String> outs = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      outs.add("out" + i);
      g.outputs().add(new Value("out" + i, null, (int[]) null, null));
    }
    g.nodes().add(new Node("n", op, names, outs, attrs));
    try (Session s = new Session(g, new Session.Options().threads(threads))) {
      Map<String, Tensor> r = s.run(feeds);
      Tensor[] res = new Tensor[outputs];
      for (int i = 0; i < outputs; i++) {
        res[i] = r.get("out" + i);
      }
      return res;
    }
  }

  static Tensor randomF32(Random rnd, int... shape) {
    Tensor t = Tensor.zeros(org.quantlens.engine.tensor.DType.F32, shape);
    float[] f = t.floats();
    for (int i = 0; i < f.length; i++) {
      f[i] = rnd.nextFloat() * 2 - 1;
    }
    return t;
  }

  static Attribute ints(int... v) {
    long[] l = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      l[i] = v[i];
    }
    return Attribute.of(l);
  }
}
