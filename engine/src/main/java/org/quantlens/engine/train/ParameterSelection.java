package org.quantlens.engine.train;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Which float initializers of a graph are trained by default: the weight and bias inputs of
 * Conv, Gemm, MatMul, the recurrent ops, BatchNormalization's scale and bias, a float Gather table
 * (an embedding), and an initializer added to a MatMul, Gemm or Conv result (a bias exported as a
 * separate Add). BatchNormalization's running statistics are buffers: updated by training, not by
 * the optimizer.
 */
public final class ParameterSelection {
  private ParameterSelection() {}

  /** The default trainable initializers of {@code g}, in initializer order. */
  public static Set<String> trainable(Graph g) {
    Set<String> picked = new LinkedHashSet<>();
    for (Node n : g.nodes()) {
      int[] slots;
      switch (n.opType()) {
        case "Conv": case "ConvTranspose": slots = new int[] {1, 2}; break;
        case "Gemm": slots = new int[] {0, 1, 2}; break;
        case "MatMul": slots = new int[] {0, 1}; break;
        case "LSTM": case "GRU": case "RNN": slots = new int[] {1, 2, 3}; break;
        case "BatchNormalization": slots = new int[] {1, 2}; break;
        case "Gather": slots = new int[] {0}; break;
        case "Add": slots = biasOfProduct(g, n); break;
        default: slots = new int[0];
      }
      for (int i : slots) {
        String v = n.input(i);
        if (isFloat(g.initializers().get(v))) {
          picked.add(v);
        }
      }
    }
    return inInitializerOrder(g, picked);
  }

  /** BatchNormalization's running mean and variance initializers. */
  public static Set<String> buffers(Graph g) {
    Set<String> picked = new LinkedHashSet<>();
    for (Node n : g.nodes()) {
      if (n.opType().equals("BatchNormalization")) {
        for (int i = 3; i <= 4; i++) {
          if (isFloat(g.initializers().get(n.input(i)))) {
            picked.add(n.input(i));
          }
        }
      }
    }
    return inInitializerOrder(g, picked);
  }

  private static int[] biasOfProduct(Graph g, Node add) {
    for (int i = 0; i < 2; i++) {
      Node p = g.producer(add.input(1 - i));
      if (p != null && (p.opType().equals("MatMul") || p.opType().equals("Gemm")
          || p.opType().equals("Conv"))) {
        return new int[] {i};
      }
    }
    return new int[0];
  }

  private static boolean isFloat(Tensor t) {
    return t != null && t.dtype() == DType.F32;
  }

  private static Set<String> inInitializerOrder(Graph g, Set<String> names) {
    Set<String> r = new LinkedHashSet<>();
    for (Map.Entry<String, Tensor> e : g.initializers().entrySet()) {
      if (names.contains(e.getKey())) {
        r.add(e.getKey());
      }
    }
    return r;
  }
}
