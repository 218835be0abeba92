package org.quantlens.engine.graph;

import org.quantlens.engine.ops.OpRegistry;

/**
 * The graph passes a session applies before planning, in order: shape inference, constant
 * folding, dead-code removal, Conv/Gemm + BatchNormalization folding, residual (Conv + Add) and
 * activation fusion (then dead-code removal again, for weights the folding replaced). Each pass
 * rewrites the graph in place and keeps its outputs: exactly, or within float rounding where a
 * pass recomputes weights or reorders a sum (see each pass).
 */
public final class Passes {
  private Passes() {}

  /** Rewrites {@code g} in place for inference with the standard operators and returns it. */
  public static Graph optimize(Graph g) {
    return optimize(g, OpRegistry.standard());
  }

  /** Same as {@link #optimize(Graph)}, folding constants with the operators of {@code registry}. */
  public static Graph optimize(Graph g, OpRegistry registry) {
    ShapeInference.run(g);
    ConstantFolding.run(g, registry);
    DeadCodeElimination.run(g);
    BatchNormFolding.run(g);
    ResidualFusion.run(g);
    ActivationFusion.run(g);
    DeadCodeElimination.run(g);
    return g;
  }
}
