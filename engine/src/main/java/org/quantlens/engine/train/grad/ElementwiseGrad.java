package org.quantlens.engine.train.grad;

import org.quantlens.engine.tensor.Tensor;

/** Add, Sub, Mul and Div with numpy broadcasting: each operand's gradient is summed over the dimensions it was broadcast along. */
final class ElementwiseGrad {
  private ElementwiseGrad() {}

  static void register(GradRegistry r) {
    r.register("Add", g -> binary(g, BroadcastGrad.ADD, BroadcastGrad.ADD));
    r.register("Sub", g -> binary(g, BroadcastGrad.ADD, BroadcastGrad.SUB));
    r.register("Mul", g -> binary(g, BroadcastGrad.MUL, BroadcastGrad.MUL));
    r.register("Div", g -> binary(g, BroadcastGrad.DIV, BroadcastGrad.DIV_DIVISOR));
  }

  /** {@code modeA} for the first operand (other operand B), {@code modeB} for the second (other A). */
  private static void binary(GradContext g, int modeA, int modeB) {
    float[] dy = g.outputGrad(0);
    Tensor y = g.output(0);
    Tensor a = g.input(0);
    Tensor b = g.input(1);
    if (g.needsGrad(0)) {
      BroadcastGrad.accumulate(modeA, dy, y.shape(), g.inputGrad(0), a.shape(),
          modeA == BroadcastGrad.ADD ? null : b.floats(), b.shape(), null);
    }
    if (g.needsGrad(1)) {
      boolean plain = modeB == BroadcastGrad.ADD || modeB == BroadcastGrad.SUB;
      BroadcastGrad.accumulate(modeB, dy, y.shape(), g.inputGrad(1), b.shape(),
          plain ? null : modeB == BroadcastGrad.MUL ? a.floats() : b.floats(),
          plain ? null : modeB == BroadcastGrad.MUL ? a.shape() : b.shape(),
          y.floats());
    }
  }
}
