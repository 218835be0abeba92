package org.quantlens.engine.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The table of every operator the engine runs, looked up by (domain, op type, opset). Each entry
 * holds from which opset version its semantics apply; an entry lasts until the next entry of the
 * same op. {@code quantlens inspect} and the conformance report read this table, so documentation
 * and code cannot disagree.
 */
public final class OpRegistry {
  /** The newest default-domain opset the engine claims to understand. */
  public static final int MAX_OPSET = 22;
  /**
   * The domain of the engine's own operators (int8 LSTM/GRU and Gather, the residual FusedConv):
   * what the graph passes and quantizers rewrite nodes into.
   */
  public static final String QUANTLENS_DOMAIN = "com.quantlens";

  /** One registered operator version. */
  public static final class OpSpec {
    private final String domain;
    private final String opType;
    private final int since;
    private final OpFactory factory;
    private final OpArity arity;

    OpSpec(String domain, String opType, int since, OpFactory factory) {
      this.domain = domain;
      this.opType = opType;
      this.since = since;
      this.arity = OpArity.of(domain, opType, since);
      // every caller gets the arity check first, so no operator sees fewer inputs than it reads
      this.factory = arity == null ? factory : ctx -> {
        arity.check(ctx.node());
        return factory.create(ctx);
      };
    }

    public String domain() {
      return domain;
    }

    public String opType() {
      return opType;
    }

    /** First opset version these semantics apply to. */
    public int since() {
      return since;
    }

    /** Builds the operator after checking the node's input and output counts ({@link #arity()}). */
    public OpFactory factory() {
      return factory;
    }

    /** How many inputs and outputs a node may list, or null when the table does not know the op. */
    public OpArity arity() {
      return arity;
    }

    @Override
    public String toString() {
      return (domain.isEmpty() ? "" : domain + ".") + opType + "-" + since;
    }
  }

  private static final class Holder {
    static final OpRegistry STANDARD = build();
  }

  private final List<OpSpec> specs = new ArrayList<>();

  /** The engine's operators: every family below registers its own. */
  public static OpRegistry standard() {
    return Holder.STANDARD;
  }

  private static OpRegistry build() {
    OpRegistry r = new OpRegistry();
    OpFamily[] families = {
      new ElementwiseOps(), new ActivationOps(), new ReduceOps(), new ShapeOps(),
      new MatMulOps(), new ConvOps(), new PoolOps(), new NormOps(), new RecurrentOps(), new QuantOps(), new QuantRecurrentOps(),
    };
    for (OpFamily f : families) {
      f.register(r);
    }
    return r;
  }

  /** Registers a default-domain op whose semantics apply from opset {@code since}. */
  public void register(String opType, int since, OpFactory factory) {
    register("", opType, since, factory);
  }

  /** Registers an op of {@code domain} whose semantics apply from opset {@code since}. */
  public void register(String domain, String opType, int since, OpFactory factory) {
    specs.add(new OpSpec(domain, opType, since, factory));
  }

  /** The version of {@code opType} in force at {@code opset}, or null if there is none. */
  public OpSpec find(String domain, String opType, int opset) {
    String d = domain == null || domain.equals("ai.onnx") ? "" : domain;
    OpSpec best = null;
    for (OpSpec s : specs) {
      if (s.domain.equals(d) && s.opType.equals(opType) && s.since <= opset
          && (best == null || s.since > best.since)) {
        best = s;
      }
    }
    return best;
  }

  /** True when {@code opType} is known in any opset. */
  public boolean knows(String domain, String opType) {
    String d = domain == null || domain.equals("ai.onnx") ? "" : domain;
    for (OpSpec s : specs) {
      if (s.domain.equals(d) && s.opType.equals(opType)) {
        return true;
      }
    }
    return false;
  }

  /** All registered versions, in registration order. */
  public List<OpSpec> specs() {
    return Collections.unmodifiableList(specs);
  }
}
