package org.quantlens.engine.train.grad;

import org.quantlens.engine.graph.Node;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.tensor.Tensor;

/**
 * What a {@link GradRule} sees of one node during the backward pass: the values the forward pass
 * computed, the gradients arriving at the node's outputs, and the buffers its input gradients
 * accumulate into. Gradients are float32 arrays in the C order of the value they belong to; an
 * array may be longer than the value (buffers are reused across batches), so rules use the
 * value's {@link Tensor#size()}.
 */
public interface GradContext {
  /** The node, with its attributes and opset (for attribute defaults that changed over opsets). */
  NodeContext node();

  /** Shorthand for {@code node().node()}. */
  default Node graphNode() {
    return node().node();
  }

  /** The forward value of input {@code i}, or null when the input is omitted. */
  Tensor input(int i);

  /** The forward value of output {@code i}, or null when it was not produced. */
  Tensor output(int i);

  /** dLoss/d(output i), or null when no gradient reaches that output. */
  float[] outputGrad(int i);

  /** True when input {@code i} wants a gradient (a trainable parameter or downstream of one). */
  boolean needsGrad(int i);

  /**
   * The buffer dLoss/d(input i) accumulates into: rules ADD their contribution (an input read by
   * several nodes, or twice by one, sums its gradients). Only valid when {@link #needsGrad}.
   */
  float[] inputGrad(int i);

  /**
   * True when nothing has reached input {@code i}'s gradient yet in this pass, so a rule that
   * computes the whole gradient may write it with {@link #overwriteGrad} instead of adding to a
   * zeroed buffer (saving a fill and a read). False for parameters, whose gradients accumulate.
   */
  boolean canOverwrite(int i);

  /**
   * The gradient buffer of input {@code i}, NOT zeroed: the rule must write every one of the
   * input's elements. Only valid when {@link #canOverwrite} is true; later contributions add.
   */
  float[] overwriteGrad(int i);

  /** Whatever the node's training-mode forward saved for the backward pass (a dropout mask). */
  Object saved();

  /** True in training mode (dropout active, batch normalisation on batch statistics). */
  boolean training();

  /** The session's threads; work split over it must not change results with the thread count. */
  ExecContext exec();

  /**
   * A scratch array of at least {@code size} floats owned by this node and slot {@code key}, kept
   * between batches so the steady state does not allocate. Contents are undefined.
   */
  float[] scratch(int key, int size);
}
