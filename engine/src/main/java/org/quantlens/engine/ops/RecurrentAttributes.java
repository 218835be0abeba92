package org.quantlens.engine.ops;

import java.util.ArrayList;
import java.util.List;
import org.quantlens.engine.graph.Attribute;
import org.quantlens.engine.kernels.RecurrentLayer;
import org.quantlens.engine.kernels.RnnActivation;
import org.quantlens.engine.tensor.Tensor;

/**
 * The attributes of an RNN, GRU or LSTM node (and of their quantized forms), parsed and checked
 * once at load; errors name the node. The forward ops extend it with their own parse state, and
 * training reads the same object, so both agree on defaults and checks.
 */
public class RecurrentAttributes {
  public final String node;
  public final RecurrentLayer.Type type;
  public final int directions;
  public final boolean reverse;
  /** hidden_size, or -1 when absent (then R's shape says). */
  public final int hiddenAttr;
  /** layout 1: X and Y batch-major. */
  public final boolean batchMajor;
  public final float clip;
  public final boolean inputForget;
  public final boolean linearBeforeReset;
  /** Activation functions per direction (alpha and beta consumed over the whole list). */
  public final List<List<RnnActivation>> activations;
  /** Which of Y, Y_h, Y_c the node asks for (Y_c only for LSTM). */
  public final boolean[] outputs = new boolean[3];
  /** {state, Y, {work size}} of the last X shape, while the weights are load-time constants. */
  private final ShapeKeyed<int[][]> shapes = new ShapeKeyed<>();

  /**
   * @param layoutOne whether layout 1 (batch-major) is allowed; the error says what is
   * @param resetAttribute whether this op version has linear_before_reset (GRU from opset 3)
   */
  public RecurrentAttributes(NodeContext ctx, RecurrentLayer.Type type, boolean layoutOne,
      boolean resetAttribute) {
    this.node = ctx.node().describe();
    this.type = type;
    String dir = ctx.attrString("direction", "forward");
    switch (dir) {
      case "forward": directions = 1; reverse = false; break;
      case "reverse": directions = 1; reverse = true; break;
      case "bidirectional": directions = 2; reverse = false; break;
      default:
        throw ctx.error("direction '" + dir + "' is not forward, reverse or bidirectional");
    }
    hiddenAttr = ctx.attrInt("hidden_size", -1);
    if (ctx.has("hidden_size") && hiddenAttr <= 0) {
      throw ctx.error("hidden_size must be positive, got " + hiddenAttr);
    }
    int layout = ctx.attrInt("layout", 0);
    if (layout != 0 && (layout != 1 || !layoutOne)) {
      throw ctx.error("layout must be 0" + (layoutOne ? " or 1" : "") + ", got " + layout);
    }
    batchMajor = layout == 1;
    clip = ctx.attrFloat("clip", Float.POSITIVE_INFINITY);
    if (!(clip >= 0)) {
      throw ctx.error("clip must be a non-negative number, got " + clip);
    }
    inputForget = type == RecurrentLayer.Type.LSTM && ctx.attrInt("input_forget", 0) != 0;
    linearBeforeReset = type == RecurrentLayer.Type.GRU && resetAttribute
        && ctx.attrInt("linear_before_reset", 0) != 0;
    activations = activations(ctx, type, directions);
    for (int i = 0; i < outputs.length; i++) {
      outputs[i] = ctx.hasOutput(i) && (i < 2 || type == RecurrentLayer.Type.LSTM);
    }
  }

  /** The standard operators' attributes: layout from opset 14, linear_before_reset from 3. */
  public static RecurrentAttributes of(NodeContext ctx, RecurrentLayer.Type type) {
    return new RecurrentAttributes(ctx, type, ctx.opset() >= 14, ctx.opset() >= 3);
  }

  private static List<List<RnnActivation>> activations(NodeContext ctx, RecurrentLayer.Type type,
      int directions) {
    int k = type == RecurrentLayer.Type.LSTM ? 3 : type == RecurrentLayer.Type.GRU ? 2 : 1;
    Attribute acts = ctx.attr("activations");
    List<String> names = new ArrayList<>();
    if (acts == null) {
      List<String> one = k == 3 ? List.of("Sigmoid", "Tanh", "Tanh")
          : k == 2 ? List.of("Sigmoid", "Tanh") : List.of("Tanh");
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
        per.add(all.subList(d * k, d * k + k));
      } else if (all.size() == k) {
        per.add(all); // one list given for both directions
      } else {
        throw ctx.error("activations lists " + all.size() + " functions; " + type + " needs " + k
            + " per direction (" + k * directions + ")");
      }
    }
    return per;
  }

  /**
   * The shapes of Y_h (and Y_c) and of Y for X, with {@code work}, as {state, Y, {work}}. With
   * {@code keep} (weights prepared at load: their sizes never change) they are kept for the last
   * X shape, so that a steady-state run allocates none.
   */
  int[][] shapes(Tensor x, int hidden, int work, boolean keep) {
    int[][] s = keep ? shapes.get(x) : null;
    if (s == null) {
      int seqLen = batchMajor ? x.dim(1) : x.dim(0);
      int batch = batchMajor ? x.dim(0) : x.dim(1);
      int d = directions;
      s = new int[][] {
          batchMajor ? new int[] {batch, d, hidden} : new int[] {d, batch, hidden},
          batchMajor ? new int[] {batch, seqLen, d, hidden} : new int[] {seqLen, d, batch, hidden},
          {work}};
      if (keep) {
        shapes.put(x, s);
      }
    }
    return s;
  }
}
