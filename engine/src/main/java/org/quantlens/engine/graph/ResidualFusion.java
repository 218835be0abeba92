package org.quantlens.engine.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quantlens.engine.ops.FusedActivation;
import org.quantlens.engine.ops.OpRegistry;
import org.quantlens.engine.tensor.DType;

/**
 * {@code Add(Conv(X, W, B), Z)}, a residual connection, becomes {@code com.quantlens.FusedConv(X,
 * W, B, Z)}: the convolution adds each finished row of Z while the row is still in cache, and the
 * activation after the Add can then be fused too ({@link ActivationFusion} runs after this pass).
 * That saves the Add's pass over memory and, with several threads, its join.
 *
 * <p>Fused only where the conv's output is float32, read by the Add alone and no graph output, the
 * conv carries no activation of its own (it would come before the Add), and Z is float32 of the
 * same rank with no dimension known to differ. Z may still broadcast at run time (an unknown batch
 * of 1): the op then adds it as the Add would have. The fused node takes the Add's place in the
 * node order, after whatever computes Z.
 */
public final class ResidualFusion {
  /** The fused op, in {@link OpRegistry#QUANTLENS_DOMAIN}. */
  public static final String OP = "FusedConv";

  private ResidualFusion() {}

  /** Fuses in place; returns the number of nodes removed. */
  public static int run(Graph g) {
    if (g.opset("") < 7) { // Add broadcast only on request before opset 7
      return 0;
    }
    GraphIndex idx = new GraphIndex(g);
    Map<Node, Node> replace = new HashMap<>();
    Set<Node> drop = new HashSet<>();
    for (Node add : g.nodes()) {
      if (!add.opType().equals("Add") || !add.domain().isEmpty() || add.inputs().size() != 2
          || add.outputs().size() != 1) {
        continue;
      }
      for (int side = 0; side < 2; side++) {
        String y = add.input(side);
        String z = add.input(1 - side);
        Node conv = idx.producer.get(y);
        if (conv != null && !drop.contains(conv) && fusable(g, idx, conv, add, y, z)) {
          replace.put(add, fused(conv, z, add.outputs().get(0)));
          drop.add(conv);
          g.valueInfo().remove(y);
          break;
        }
      }
    }
    if (drop.isEmpty()) {
      return 0;
    }
    g.nodes().replaceAll(n -> replace.getOrDefault(n, n));
    g.nodes().removeAll(drop);
    g.opsets().putIfAbsent(OpRegistry.QUANTLENS_DOMAIN, 1);
    return drop.size();
  }

  private static boolean fusable(Graph g, GraphIndex idx, Node conv, Node add, String y, String z) {
    if (!conv.opType().equals("Conv") || !conv.domain().isEmpty() || conv.outputs().size() != 1
        || conv.attributes().containsKey(FusedActivation.ATTR) || y.equals(z)
        || !idx.onlyFeeds(y, add)) {
      return false;
    }
    Value yv = g.value(y);
    Value zv = g.value(z);
    if (yv == null || zv == null || yv.dtype() != DType.F32 || zv.dtype() != DType.F32
        || yv.shape() == null || zv.shape() == null) {
      return false;
    }
    int[] ys = yv.shape();
    int[] zs = zv.shape();
    if (ys.length != zs.length) {
      return false;
    }
    for (int i = 0; i < ys.length; i++) {
      if (ys[i] >= 0 && zs[i] >= 0 && ys[i] != zs[i]) {
        return false;
      }
    }
    return true;
  }

  private static Node fused(Node conv, String z, String out) {
    List<String> in = new ArrayList<>(conv.inputs());
    if (in.size() < 3) {
      in.add(""); // no bias
    }
    in.add(z);
    return new Node(conv.name(), OP, OpRegistry.QUANTLENS_DOMAIN, in, List.of(out),
        conv.attributes());
  }
}
