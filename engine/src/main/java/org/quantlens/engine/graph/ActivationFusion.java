package org.quantlens.engine.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Two fusions that save a pass over memory:
 * <ol>
 *   <li>{@code MatMul(A, B) + C} with A 2-D, B a constant 2-D float matrix and C a constant bias
 *       that broadcasts to the product without growing it becomes {@code Gemm(A, B, C)}. Gemm may
 *       add the bias in another order than MatMul-then-Add: equal within float rounding.</li>
 *   <li>Conv, Gemm, MatMul, DequantizeLinear or a residual {@link ResidualFusion#OP} followed by
 *       Relu, Clip (constant bounds), LeakyRelu, Sigmoid or Tanh loses the activation node: the producer
 *       carries it as {@link FusedActivation} attributes and takes over the activation's output
 *       name. The activation is then applied to the same float values, so the result is the same
 *       up to how the op's kernel evaluates Sigmoid and Tanh (Relu, Clip and LeakyRelu are
 *       exact).</li>
 * </ol>
 * Both need the intermediate value to be float32, read by the second node alone and no graph
 * output.
 */
public final class ActivationFusion {
  private ActivationFusion() {}

  /** Fuses in place; returns the number of nodes removed. */
  public static int run(Graph g) {
    int removed = 0;
    if (g.opset("") >= 7) {
      removed += matMulAdd(g);
    }
    return removed + activations(g);
  }

  // ---- MatMul + Add -> Gemm ------------------------------------------------------------------

  private static int matMulAdd(Graph g) {
    GraphIndex idx = new GraphIndex(g);
    Map<Node, Node> replace = new HashMap<>();
    List<Node> drop = new ArrayList<>();
    for (Node add : g.nodes()) {
      if (!add.opType().equals("Add") || !add.domain().isEmpty() || add.inputs().size() != 2) {
        continue;
      }
      for (int side = 0; side < 2; side++) {
        Node mm = idx.producer.get(add.input(side));
        Tensor bias = g.initializers().get(add.input(1 - side));
        if (mm != null && !replace.containsKey(mm) && mm.opType().equals("MatMul")
            && mm.domain().isEmpty() && bias != null && idx.onlyFeeds(add.input(side), add)) {
          Node gemm = toGemm(g, mm, add, bias);
          if (gemm != null) {
            replace.put(mm, gemm);
            drop.add(add);
            g.valueInfo().remove(mm.outputs().get(0));
            break;
          }
        }
      }
    }
    g.nodes().replaceAll(n -> replace.getOrDefault(n, n));
    g.nodes().removeAll(drop);
    return drop.size();
  }

  private static Node toGemm(Graph g, Node mm, Node add, Tensor bias) {
    Value a = g.value(mm.input(0));
    Tensor b = g.initializers().get(mm.input(1));
    int[] as = a == null ? null : a.shape();
    if (as == null || as.length != 2 || a.dtype() != DType.F32 || b == null
        || b.dtype() != DType.F32 || b.rank() != 2 || bias.dtype() != DType.F32 || bias.rank() > 2) {
      return null;
    }
    int[] out = {as[0], b.dim(1)};
    int[] bs = bias.shape();
    for (int i = 0; i < bs.length; i++) {
      int o = out[out.length - bs.length + i];
      if (bs[i] != 1 && bs[i] != o) {
        return null; // the bias would grow the result, or does not fit (or M is unknown)
      }
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    return new Node(mm.name(), "Gemm", "", List.of(mm.input(0), mm.input(1), add.input(
        add.input(0).equals(mm.outputs().get(0)) ? 1 : 0)), List.of(add.outputs().get(0)), attrs);
  }

  // ---- Conv/Gemm/MatMul + activation ---------------------------------------------------------

  private static int activations(Graph g) {
    GraphIndex idx = new GraphIndex(g);
    Map<Node, Node> replace = new HashMap<>();
    List<Node> drop = new ArrayList<>();
    for (Node act : g.nodes()) {
      if (!FusedActivation.SUPPORTED.contains(act.opType()) || !act.domain().isEmpty()
          || act.outputs().size() != 1) {
        continue;
      }
      String x = act.input(0);
      Node p = idx.producer.get(x);
      Value xv = g.value(x);
      if (p == null || replace.containsKey(p) || !takesActivation(p)
          || p.attributes().containsKey(FusedActivation.ATTR) || p.outputs().size() != 1
          || !idx.onlyFeeds(x, act) || xv == null || xv.dtype() != DType.F32) {
        continue;
      }
      Map<String, Attribute> fused = settings(g, act);
      if (fused == null) {
        continue;
      }
      Node r = p.withIO(p.inputs(), List.of(act.outputs().get(0)));
      for (Map.Entry<String, Attribute> e : fused.entrySet()) {
        r = r.withAttribute(e.getKey(), e.getValue());
      }
      replace.put(p, r);
      drop.add(act);
      g.valueInfo().remove(x);
    }
    g.nodes().replaceAll(n -> replace.getOrDefault(n, n));
    g.nodes().removeAll(drop);
    return drop.size();
  }

  /**
   * Conv, Gemm, MatMul, a residual {@link ResidualFusion#OP}, or DequantizeLinear (where a
   * quantized model's last op hands float values to a Sigmoid or Tanh: in a batch-64 run that
   * element-wise call came once per call, too rarely for C2 to compile its vector loop for
   * minutes, and C1's vector code allocates).
   */
  private static boolean takesActivation(Node p) {
    if (p.domain().equals(OpRegistry.QUANTLENS_DOMAIN)) {
      return p.opType().equals(ResidualFusion.OP);
    }
    return p.domain().isEmpty() && (p.opType().equals("Conv") || p.opType().equals("Gemm")
        || p.opType().equals("MatMul") || p.opType().equals("DequantizeLinear"));
  }

  /** The fused-activation attributes for {@code act}, or null if it cannot be fused. */
  private static Map<String, Attribute> settings(Graph g, Node act) {
    Map<String, Attribute> a = new LinkedHashMap<>();
    a.put(FusedActivation.ATTR, Attribute.of(act.opType()));
    switch (act.opType()) {
      case "LeakyRelu": {
        Attribute alpha = act.attributes().get("alpha");
        a.put(FusedActivation.ATTR_ALPHA, Attribute.of(alpha == null ? 0.01f : alpha.asFloat()));
        return a;
      }
      case "Clip": {
        float[] bounds = clipBounds(g, act);
        if (bounds == null) {
          return null;
        }
        a.put(FusedActivation.ATTR_MIN, Attribute.of(bounds[0]));
        a.put(FusedActivation.ATTR_MAX, Attribute.of(bounds[1]));
        return a;
      }
      default:
        return a;
    }
  }

  /** Clip's bounds: attributes before opset 11, constant scalar inputs from 11; null if unknown. */
  private static float[] clipBounds(Graph g, Node clip) {
    float[] b = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
    if (g.opset("") < 11) {
      Attribute min = clip.attributes().get("min");
      Attribute max = clip.attributes().get("max");
      b[0] = min == null ? -Float.MAX_VALUE : min.asFloat();
      b[1] = max == null ? Float.MAX_VALUE : max.asFloat();
      return b;
    }
    for (int i = 0; i < 2; i++) {
      String name = clip.input(i + 1);
      if (name.isEmpty()) {
        continue;
      }
      Tensor t = g.initializers().get(name);
      if (t == null || t.dtype() != DType.F32 || t.size() != 1) {
        return null;
      }
      b[i] = t.floats()[0];
    }
    return b;
  }
}
