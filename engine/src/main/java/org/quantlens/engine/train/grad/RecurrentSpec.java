package org.quantlens.engine.train.grad;

import java.util.ArrayList;
import java.util.List;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.kernels.RecurrentLayer;
import org.quantlens.engine.kernels.RnnActivation;
import org.quantlens.engine.ops.NodeContext;

/**
 * The attributes of one LSTM, GRU or RNN node as training reads them, with the same defaults and
 * checks as the engine's forward operator: direction, hidden_size, layout (opset 14+), clip,
 * input_forget, linear_before_reset (GRU, opset 3+), and the activations per direction.
 */
final class RecurrentSpec {
  final String node;
  final RecurrentLayer.Type type;
  final int directions;
  final boolean reverse;
  /** hidden_size, or -1 to take it from R. */
  final int hiddenAttr;
  final boolean batchMajor;
  final float clip;
  final boolean inputForget;
  final boolean linearBeforeReset;
  /** Per direction: LSTM f, g, h; GRU f, g; RNN f. */
  final List<List<RnnActivation>> activations;
  /** Which of Y, Y_h, Y_c the node produces. */
  final boolean[] outputs = new boolean[3];

  RecurrentSpec(NodeContext ctx, RecurrentLayer.Type type) {
    this.node = ctx.node().describe();
    this.type = type;
    String dir = ctx.attrString("direction", "forward");
    switch (dir) {
      case "forward":
        directions = 1;
        reverse = false;
        break;
      case "reverse":
        directions = 1;
        reverse = true;
        break;
      case "bidirectional":
        directions = 2;
        reverse = false;
        break;
      default:
        throw ctx.error("direction '" + dir + "' is not forward, reverse or bidirectional");
    }
    hiddenAttr = ctx.attrInt("hidden_size", -1);
    if (ctx.has("hidden_size") && hiddenAttr <= 0) {
      throw ctx.error("hidden_size must be positive, got " + hiddenAttr);
    }
    int layout = ctx.opset() >= 14 ? ctx.attrInt("layout", 0) : 0;
    if (layout != 0 && layout != 1) {
      throw ctx.error("layout must be 0 or 1, got " + layout);
    }
    batchMajor = layout == 1;
    clip = ctx.attrFloat("clip", Float.POSITIVE_INFINITY);
    if (!(clip >= 0)) {
      throw ctx.error("clip must be a non-negative number, got " + clip);
    }
    inputForget = type == RecurrentLayer.Type.LSTM && ctx.attrInt("input_forget", 0) != 0;
    linearBeforeReset = type == RecurrentLayer.Type.GRU && ctx.opset() >= 3
        && ctx.attrInt("linear_before_reset", 0) != 0;
    activations = parseActivations(ctx);
    for (int i = 0; i < outputs.length; i++) {
      outputs[i] = ctx.hasOutput(i) && (i < 2 || type == RecurrentLayer.Type.LSTM);
    }
  }

  int gates() {
    return type.gates();
  }

  private List<List<RnnActivation>> parseActivations(NodeContext ctx) {
    Attribute acts = ctx.attr("activations");
    int k = type == RecurrentLayer.Type.LSTM ? 3 : type == RecurrentLayer.Type.GRU ? 2 : 1;
    List<String> names = new ArrayList<>();
    if (acts == null) {
      List<String> one = type == RecurrentLayer.Type.LSTM ? List.of("Sigmoid", "Tanh", "Tanh")
          : type == RecurrentLayer.Type.GRU ? List.of("Sigmoid", "Tanh") : List.of("Tanh");
      for (int d = 0; d < directions; d++) {
        names.addAll(one);
      }
    } else {
      names.addAll(acts.asStrings());
    }
    List<RnnActivation> all;
    try {
      all = RnnActivation.parseList(names, ctx.attrFloats("activation_alpha", null),
          ctx.attrFloats("activation_beta", null));
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
    List<List<RnnActivation>> per = new ArrayList<>();
    for (int d = 0; d < directions; d++) {
      if (all.size() >= k * directions) {
        per.add(List.copyOf(all.subList(d * k, d * k + k)));
      } else if (all.size() == k) {
        per.add(List.copyOf(all));
      } else {
        throw ctx.error("activations lists " + all.size() + " functions; " + type + " needs " + k
            + " per direction (" + k * directions + ")");
      }
    }
    return per;
  }
}
