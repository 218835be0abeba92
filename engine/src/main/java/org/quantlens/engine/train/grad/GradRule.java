package org.quantlens.engine.train.grad;

import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.tensor.Tensor;

/**
 * The backward pass of one op type: given the gradients at a node's outputs, adds the gradients
 * of its inputs (see {@link GradContext}). A rule may also replace the op's forward pass in
 * training mode (dropout with a fresh seeded mask, batch normalisation on batch statistics); all
 * other ops train with the engine's own operators, so training and inference compute the same.
 */
public interface GradRule {
  /** Accumulates the input gradients of one node. */
  void backward(GradContext g);

  /**
   * Which inputs can carry a gradient at all (index, tensor type aside): a shape or an index input
   * never does. Values downstream of non-differentiable inputs only do not need gradients.
   */
  default boolean differentiable(int input) {
    return true;
  }

  /** A training-mode forward replacing the engine's operator, or null to use the engine's. */
  default TrainingForward trainingForward(NodeContext ctx) {
    return null;
  }

  /** A forward pass that may save state for {@link #backward} (see {@link GradContext#saved}). */
  @FunctionalInterface
  interface TrainingForward {
    /**
     * @param step the session's training step counter (seeds per-step randomness)
     * @param saved receives what backward needs; may be ignored
     */
    Tensor[] run(Tensor[] inputs, long step, java.util.function.Consumer<Object> saved,
        ExecContext ctx);
  }

  /** Marks an op whose outputs carry no gradient (Shape, ArgMax, ...). */
  GradRule NONE = new GradRule() {
    @Override
    public void backward(GradContext g) {}

    @Override
    public boolean differentiable(int input) {
      return false;
    }
  };
}
