package org.quantlens.engine.ops;

import java.util.concurrent.ThreadLocalRandom;
import org.quantlens.engine.graph.Node;
import org.quantlens.engine.kernels.Copy;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Dropout. For inference (the usual case) the output is the input and the optional mask is all
 * true (BOOL from opset 10, the input's type before); before opset 7 {@code is_test=0} is read as
 * inference too, since such models were exported for inference. From opset 12 a true
 * {@code training_mode} input with a non-zero ratio drops elements: keep where {@code u >= ratio}
 * for {@code u} uniform in [0, 1), scale kept ones by {@code 1 / (1 - ratio)}. With a {@code seed}
 * attribute the draws are NumPy's {@code np.random.seed(seed); np.random.uniform(size=shape)}
 * (legacy MT19937), the same mask on every run, as the ONNX reference computes it; without one
 * every run draws a fresh mask.
 */
final class ShapeDropout {
  private ShapeDropout() {}

  static Operator create(NodeContext ctx) {
    Node node = ctx.node();
    boolean boolMask = ctx.opset() >= 10;
    boolean inputs = ctx.opset() >= 12;
    Long seed = inputs && ctx.has("seed") ? ctx.attrLong("seed", 0) : null;
    boolean mask = ctx.hasOutput(1);
    return (in, ec) -> {
      Tensor x = in[0];
      double ratio = 0;
      if (inputs && in.length > 2 && in[2] != null && in[2].size() > 0 && in[2].getLong(0) != 0) {
        ratio = in.length > 1 && in[1] != null && in[1].size() > 0 ? in[1].getDouble(0) : 0.5;
        if (!(ratio >= 0 && ratio < 1)) {
          throw ShapeSupport.fail(node, "ratio must be in [0, 1), got " + ratio);
        }
      }
      if (ratio == 0) {
        return mask ? new Tensor[] {x.reshape(x.shape()), ones(boolMask ? DType.BOOL : x.dtype(), x.shape())}
            : ec.result(x.reshape(x.shape()));
      }
      return train(x, ratio, seed == null ? ThreadLocalRandom.current().nextInt() : seed.intValue(), mask);
    };
  }

  private static Tensor ones(DType t, int[] shape) {
    Tensor m = Tensor.zeros(t, shape);
    Tensor one = Tensor.zeros(t, 1);
    one.setLong(0, 1);
    Copy.fill(m.data(), 0, m.size(), one.data());
    return m;
  }

  private static Tensor[] train(Tensor x, double ratio, int seed, boolean wantMask) {
    MersenneTwister mt = new MersenneTwister(seed);
    float scale = (float) (1.0 / (1.0 - ratio));
    Tensor y = Tensor.zeros(x.dtype(), x.shape());
    Tensor m = Tensor.zeros(DType.BOOL, x.shape());
    byte[] mb = m.bytes();
    for (int i = 0; i < x.size(); i++) {
      boolean keep = mt.nextDouble() >= ratio;
      mb[i] = (byte) (keep ? 1 : 0);
      if (x.dtype() == DType.F32) {
        y.floats()[i] = keep ? x.floats()[i] * scale : 0f;
      } else {
        y.setDouble(i, keep ? x.getDouble(i) * scale : 0);
      }
    }
    return wantMask ? new Tensor[] {y, m} : new Tensor[] {y};
  }

  /** MT19937 with NumPy's legacy seeding and 53-bit doubles ({@code RandomState.random_sample}). */
  static final class MersenneTwister {
    private final int[] mt = new int[624];
    private int pos;

    MersenneTwister(int seed) {
      mt[0] = seed;
      for (int i = 1; i < 624; i++) {
        mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
      }
      pos = 624;
    }

    int nextInt() {
      if (pos == 624) {
        twist();
      }
      int y = mt[pos++];
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      return y ^ (y >>> 18);
    }

    double nextDouble() {
      long a = (nextInt() & 0xffffffffL) >>> 5;
      long b = (nextInt() & 0xffffffffL) >>> 6;
      return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    private void twist() {
      for (int i = 0; i < 624; i++) {
        int y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
        mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
      }
      pos = 0;
    }
  }
}
