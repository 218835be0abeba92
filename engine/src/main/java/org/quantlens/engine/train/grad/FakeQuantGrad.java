package org.quantlens.engine.train.grad;

import java.util.Map;
import org.quantlens.engine.ops.ExecContext;
import org.quantlens.engine.ops.NodeContext;
import org.quantlens.engine.quant.QuantMath;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Quantization-aware training through a QuantizeLinear/DequantizeLinear pair. In training mode the
 * pair computes fake quantization in float: QuantizeLinear outputs the dequantized value
 * {@code s * (clamp(rint(x / s) + zp) - zp)} as float32 and DequantizeLinear passes it on, so the
 * gradient can cross the pair. Backward is the straight-through estimator: the gradient passes
 * unchanged where {@code rint(x / s) + zp} lies inside the integer grid, and is zero where the value
 * was clipped. In evaluation mode the engine's own QuantizeLinear/DequantizeLinear run, on the
 * scale and zero-point tensors this rule keeps up to date (they must reach the pair as non-constant
 * values, e.g. through Identity, so the operators read them on every run).
 *
 * <p>Each QuantizeLinear is one of three kinds, named by node in the constructor:
 * <ul>
 *   <li>a weight: symmetric parameters recomputed from the current weights on every forward (per
 *       channel along the node's {@code axis}, or per tensor);
 *   <li>an observed activation: a moving average of each batch's min and max, starting from the
 *       range its parameters covered before training (calibration), parameters from the average;
 *   <li>a follower (the output of MaxPool, Flatten, ...): uses whatever its scale and zero point
 *       hold, which the activation it shares them with has just updated.
 * </ul>
 */
public final class FakeQuantGrad {
  /** How one QuantizeLinear node chooses its parameters. */
  public enum Kind { WEIGHT, ACTIVATION, FOLLOWER }

  private final Map<String, Kind> kinds;
  private final double momentum;
  private final QuantMath.IntRange activationRange;
  private final boolean activationSymmetric;
  private final QuantMath.IntRange weightRange;

  /**
   * @param kinds QuantizeLinear node name to its kind; other QuantizeLinear nodes are followers
   * @param momentum moving-average weight of each new batch's range, in (0, 1]
   */
  public FakeQuantGrad(Map<String, Kind> kinds, double momentum, QuantMath.IntRange activationRange,
      boolean activationSymmetric, QuantMath.IntRange weightRange) {
    if (!(momentum > 0 && momentum <= 1)) {
      throw new IllegalArgumentException("momentum must be in (0, 1], got " + momentum);
    }
    this.kinds = Map.copyOf(kinds);
    this.momentum = momentum;
    this.activationRange = activationRange;
    this.activationSymmetric = activationSymmetric;
    this.weightRange = weightRange;
  }

  /** {@code base} with the fake-quant rules of QuantizeLinear and DequantizeLinear added. */
  public GradRegistry registry(GradRegistry base) {
    GradRegistry r = base.copy();
    r.register("QuantizeLinear", new Quantize());
    r.register("DequantizeLinear", new PassThrough());
    return r;
  }

  /** The quantize half: fake quantization forward, straight-through backward. */
  private final class Quantize implements GradRule {
    @Override
    public boolean differentiable(int input) {
      return input == 0;
    }

    @Override
    public TrainingForward trainingForward(NodeContext ctx) {
      String name = ctx.node().name();
      Kind kind = kinds.getOrDefault(name, Kind.FOLLOWER);
      int axis = (int) ctx.attrLong("axis", 1);
      return new FakeQuantForward(kind, axis);
    }

    @Override
    public void backward(GradContext g) {
      float[] dy = g.outputGrad(0);
      if (dy == null || !g.needsGrad(0)) {
        return;
      }
      int n = g.input(0).size();
      float[] dx = g.inputGrad(0);
      boolean[] inside = (boolean[]) g.saved();
      if (inside == null) {
        for (int i = 0; i < n; i++) {
          dx[i] += dy[i];
        }
        return;
      }
      for (int i = 0; i < n; i++) {
        if (inside[i]) {
          dx[i] += dy[i];
        }
      }
    }
  }

  /** One node's training forward; holds its observer state and reused buffers. */
  private final class FakeQuantForward implements GradRule.TrainingForward {
    private final Kind kind;
    private final int axis;
    private double min;
    private double max;
    private boolean observed;
    private float[] out = new float[0];
    private boolean[] inside = new boolean[0];

    FakeQuantForward(Kind kind, int axis) {
      this.kind = kind;
      this.axis = axis;
    }

    @Override
    public Tensor[] run(Tensor[] in, long step, java.util.function.Consumer<Object> saved,
        ExecContext ctx) {
      Tensor x = in[0];
      Tensor scale = in[1];
      Tensor zp = in.length > 2 ? in[2] : null;
      int n = x.size();
      float[] xf = x.floats();
      if (kind == Kind.WEIGHT) {
        int ax = scale.size() == 1 ? -1 : (axis < 0 ? axis + x.rank() : axis);
        QuantMath.Params[] p = QuantMath.perAxisParams(x, ax, weightRange, true);
        store(p, scale, zp);
      } else if (kind == Kind.ACTIVATION) {
        if (!observed) {
          startFrom(scale, zp);
        }
        observe(xf, n);
        store(new QuantMath.Params[] {QuantMath.params(min, max, activationRange,
            activationSymmetric)}, scale, zp);
      }
      QuantMath.IntRange grid = kind == Kind.WEIGHT ? weightRange : activationRange;
      if (out.length < n) {
        out = new float[n];
        inside = new boolean[n];
      }
      int channels = scale.size();
      int inner = 1;
      if (channels > 1) {
        int ax = axis < 0 ? axis + x.rank() : axis;
        for (int d = ax + 1; d < x.rank(); d++) {
          inner *= x.dim(d);
        }
      }
      float[] s = scale.floats();
      int[] zs = new int[channels]; // read once: Tensor.getLong per element would be a virtual call
      for (int c = 0; zp != null && c < channels; c++) {
        zs[c] = (int) zp.getLong(zp.size() == 1 ? 0 : c);
      }
      for (int i = 0; i < n; i++) {
        int c = channels == 1 ? 0 : (i / inner) % channels;
        float sc = s[c];
        int z = zs[c];
        float v = (float) Math.rint(xf[i] / sc) + z;
        boolean ok = v >= grid.qmin && v <= grid.qmax;
        inside[i] = ok;
        v = ok ? v : v < grid.qmin ? grid.qmin : v > grid.qmax ? grid.qmax : z; // NaN -> zp
        out[i] = (v - z) * sc;
      }
      saved.accept(inside);
      return new Tensor[] {Tensor.wrap(DType.F32, out, x.shape())};
    }

    /** The range the current parameters cover (from calibration or earlier training). */
    private void startFrom(Tensor scale, Tensor zp) {
      double s = scale.getDouble(0);
      long z = zp == null ? 0 : zp.getLong(0);
      min = (activationRange.qmin - z) * s;
      max = (activationRange.qmax - z) * s;
      observed = true;
    }

    private void observe(float[] x, int n) {
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        float v = x[i];
        if (v < lo) {
          lo = v;
        }
        if (v > hi) {
          hi = v;
        }
      }
      if (!(lo <= hi) || Double.isInfinite(lo) || Double.isInfinite(hi)) {
        return; // NaN or infinite activations: keep the old range; the loss reports the problem
      }
      if (!observed) {
        min = lo;
        max = hi;
        observed = true;
      } else {
        min += momentum * (lo - min);
        max += momentum * (hi - max);
      }
    }
  }

  /** Writes parameters into the live scale and zero-point tensors, in place. */
  private static void store(QuantMath.Params[] p, Tensor scale, Tensor zp) {
    float[] s = scale.floats();
    for (int c = 0; c < scale.size(); c++) {
      QuantMath.Params q = p[p.length == 1 ? 0 : c];
      s[c] = q.scale;
      if (zp != null) {
        zp.setLong(c, q.zeroPoint);
      }
    }
  }

  /** The dequantize half: training mode passes the fake-quantized float through. */
  private static final class PassThrough implements GradRule {
    @Override
    public boolean differentiable(int input) {
      return input == 0;
    }

    @Override
    public TrainingForward trainingForward(NodeContext ctx) {
      return (in, step, saved, ex) -> new Tensor[] {in[0]};
    }

    @Override
    public void backward(GradContext g) {
      float[] dy = g.outputGrad(0);
      if (dy == null || !g.needsGrad(0)) {
        return;
      }
      int n = g.input(0).size();
      float[] dx = g.inputGrad(0);
      for (int i = 0; i < n; i++) {
        dx[i] += dy[i];
      }
    }
  }
}
