package org.quantlens.engine.graph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.ops.Operator;
import org.quantlens.engine.tensor.Tensor;

/**
 * Replaces nodes whose inputs are all constant by initializers holding their outputs, computed
 * once with the engine's own operators (so results are exactly what the session would compute).
 * Also replaces integer values that shape inference knows completely, such as {@code Shape} of a
 * value with a static shape, so PyTorch's {@code Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape} chains collapse to a Reshape with a constant shape when the input shape is static.
 *
 * <p>Left alone: ops the registry does not know (the session reports them), random ops, ops with
 * subgraphs, Quantize/DequantizeLinear (the quantization passes want the QDQ pattern), ops that
 * fail on their constant inputs (the session reports that at run time), and results of more than
 * {@link #MAX_ELEMENTS} elements (folding them would keep large tensors alive for good).
 */
public final class ConstantFolding {
  /** Largest result (in elements) worth keeping as an initializer. */
  public static final int MAX_ELEMENTS = 1 << 24;
  private static final Set<String> NEVER = Set.of("RandomNormal", "RandomUniform",
      "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "QuantizeLinear",
      "DequantizeLinear", "DynamicQuantizeLinear", "If", "Loop", "Scan");

  private ConstantFolding() {}

  /** Folds with the engine's standard operators; returns the number of nodes removed. */
  public static int run(Graph g) {
    return run(g, OpRegistry.standard());
  }

  /** Folds with the operators of {@code registry}; returns the number of nodes removed. */
  public static int run(Graph g, OpRegistry registry) {
    ShapeInference si = new ShapeInference(g);
    Set<Node> folded = new HashSet<>();
    for (Node n : g.topologicalOrder()) {
      si.infer(n);
      Tensor[] values = foldable(n) ? known(n, si) : null;
      if (values == null && foldable(n) && allConstant(g, n) && small(n, si)) {
        values = evaluate(g, n, registry);
      }
      if (values == null) {
        continue;
      }
      for (int i = 0; i < values.length; i++) {
        String name = n.outputs().get(i);
        if (!name.isEmpty()) {
          g.initializers().put(name, values[i]);
          si.constant(name, values[i]);
        }
      }
      folded.add(n);
    }
    g.nodes().removeIf(folded::contains);
    return folded.size();
  }

  private static boolean foldable(Node n) {
    if (NEVER.contains(n.opType()) && n.domain().isEmpty() || n.outputs().isEmpty()) {
      return false;
    }
    for (Attribute a : n.attributes().values()) {
      if (a.kind() == Attribute.Kind.GRAPH) {
        return false;
      }
    }
    return true;
  }

  private static boolean allConstant(Graph g, Node n) {
    for (String in : n.inputs()) {
      if (!in.isEmpty() && !g.initializers().containsKey(in)) {
        return false;
      }
    }
    return true;
  }

  /** Outputs whose every value inference knows (all outputs, or null). */
  private static Tensor[] known(Node n, ShapeInference si) {
    Tensor[] r = new Tensor[n.outputs().size()];
    for (int i = 0; i < r.length; i++) {
      String name = n.outputs().get(i);
      if (!name.isEmpty() && (r[i] = si.knownTensor(name)) == null) {
        return null;
      }
    }
    return r;
  }

  /** False when inference already knows an output is too large to keep. */
  private static boolean small(Node n, ShapeInference si) {
    for (String o : n.outputs()) {
      ShapeInference.Info i = o.isEmpty() ? null : si.info(o);
      if (i != null && i.shape != null) {
        long p = 1;
        for (int d : i.shape) {
          p *= Math.max(d, 1);
        }
        if (p > MAX_ELEMENTS) {
          return false;
        }
      }
    }
    return true;
  }

  private static Tensor[] evaluate(Graph g, Node n, OpRegistry registry) {
    int opset = g.opset(n.domain());
    OpRegistry.OpSpec spec = registry.find(n.domain(), n.opType(), opset);
    if (spec == null) {
      return null;
    }
    Map<String, Tensor> init = g.initializers();
    int k = n.inputs().size();
    Tensor[] in = new Tensor[k];
    Value[] info = new Value[k];
    for (int i = 0; i < k; i++) {
      String name = n.inputs().get(i);
      in[i] = name.isEmpty() ? null : init.get(name);
      info[i] = in[i] == null ? null : new Value(name, in[i].dtype(), in[i].shape());
    }
    Tensor[] out;
    try {
      Operator op = spec.factory().create(new NodeContext(n, opset, in, info));
      out = op.run(in, ExecContext.SERIAL);
    } catch (RuntimeException e) {
      return null; // the session will report it when (and if) the node runs
    }
    List<Tensor> kept = new ArrayList<>();
    for (int i = 0; i < n.outputs().size(); i++) {
      if (n.outputs().get(i).isEmpty()) {
        kept.add(null);
        continue;
      }
      Tensor t = out == null || i >= out.length ? null : out[i];
      if (t == null || t.size() > MAX_ELEMENTS) {
        return null;
      }
      kept.add(t); // a view (Reshape of a constant) shares the constant's array, which is fine
    }
    return kept.toArray(new Tensor[0]);
  }
}
