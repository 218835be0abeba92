package org.quantlens.engine.train.grad;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The backward rules by op type (default domain), as {@code OpRegistry} holds the forward
 * operators. Ops listed with {@link GradRule#NONE} produce values no gradient flows through
 * (shapes, indices, comparisons).
 */
public final class GradRegistry {
  private GradRegistry() {}

  private static final class Holder {
    static final GradRegistry STANDARD = build();
  }

  private final Map<String, GradRule> rules = new LinkedHashMap<>();

  /** The engine's backward rules. */
  public static GradRegistry standard() {
    return Holder.STANDARD;
  }

  private static GradRegistry build() {
    GradRegistry r = new GradRegistry();
    ElementwiseGrad.register(r);
    ActivationGrad.register(r);
    ShapeGrad.register(r);
    ReduceGrad.register(r);
    MatMulGrad.register(r);
    ConvGrad.register(r);
    PoolGrad.register(r);
    NormGrad.register(r);
    RecurrentGrad.register(r);
    SliceGrad.register(r);
    for (String op : new String[] {"Shape", "Size", "ArgMax", "ArgMin", "Equal", "Less", "Greater",
        "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf",
        "ConstantOfShape", "Constant", "Range", "NonZero"}) {
      r.register(op, GradRule.NONE);
    }
    return r;
  }

  /** Adds or replaces the rule of {@code opType}. */
  public void register(String opType, GradRule rule) {
    rules.put(opType, rule);
  }

  /** The rule of {@code opType}, or null when it has none. */
  public GradRule find(String opType) {
    return rules.get(opType);
  }

  /** A registry starting with this one's rules, to extend (QAT adds fake-quant rules). */
  public GradRegistry copy() {
    GradRegistry r = new GradRegistry();
    r.rules.putAll(rules);
    return r;
  }

  /** Every op type with a rule. */
  public Map<String, GradRule> rules() {
    return Collections.unmodifiableMap(rules);
  }
}
