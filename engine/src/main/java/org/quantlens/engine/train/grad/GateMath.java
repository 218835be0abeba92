package org.quantlens.engine.train.grad;

import org.quantlens.engine.kernels.RnnActivation;
import org.quantlens.engine.kernels.VectorMath;

/**
 * Gate activations of the recurrent ops for training: the forward over a run (clip, then the
 * function; Sigmoid and Tanh on the SIMD {@link VectorMath}, the rarer functions through
 * {@link RnnActivation#apply}) and its derivative, from the stored clipped argument and output.
 */
final class GateMath {
  private static final VectorMath VM = VectorMath.get();

  private GateMath() {}

  /** Clips {@code a[aOff..+n)} in place to [-clip, clip] (if finite), then {@code y = act(a)}. */
  static void activate(RnnActivation act, float clip, float[] a, int aOff, float[] y, int yOff,
      int n) {
    if (clip != Float.POSITIVE_INFINITY) {
      VM.map(VectorMath.CLIP, -clip, clip, a, aOff, a, aOff, n);
    }
    switch (act.kind()) {
      case SIGMOID:
        VM.map(VectorMath.SIGMOID, 0f, 0f, a, aOff, y, yOff, n);
        break;
      case TANH:
        VM.map(VectorMath.TANH, 0f, 0f, a, aOff, y, yOff, n);
        break;
      default:
        for (int i = 0; i < n; i++) {
          y[yOff + i] = act.apply(a[aOff + i]);
        }
    }
  }

  /**
   * {@code dA = dy * act'(a)} over a run, with {@code a} the clipped argument and {@code y} the
   * output of {@link #activate}; zero where the clip bound was reached. {@code dA} may be
   * {@code dy} at the same offset.
   */
  static void backprop(RnnActivation act, float clip, float[] dy, int dyOff, float[] a, int aOff,
      float[] y, int yOff, float[] dA, int daOff, int n) {
    switch (act.kind()) {
      case SIGMOID:
        for (int i = 0; i < n; i++) {
          float v = y[yOff + i];
          dA[daOff + i] = dy[dyOff + i] * v * (1f - v);
        }
        break;
      case TANH:
        for (int i = 0; i < n; i++) {
          float v = y[yOff + i];
          dA[daOff + i] = dy[dyOff + i] * (1f - v * v);
        }
        break;
      default:
        for (int i = 0; i < n; i++) {
          dA[daOff + i] = dy[dyOff + i] * derivative(act, a[aOff + i], y[yOff + i]);
        }
    }
    if (clip != Float.POSITIVE_INFINITY) {
      for (int i = 0; i < n; i++) {
        if (Math.abs(a[aOff + i]) >= clip) {
          dA[daOff + i] = 0f;
        }
      }
    }
  }

  /** {@code act'(x)}, given also {@code y = act(x)}. */
  static float derivative(RnnActivation act, float x, float y) {
    float al = act.alpha();
    float be = act.beta();
    switch (act.kind()) {
      case SIGMOID:
        return y * (1f - y);
      case TANH:
        return 1f - y * y;
      case RELU:
        return x > 0 ? 1f : 0f;
      case AFFINE:
        return al;
      case LEAKY_RELU:
        return x >= 0 ? 1f : al;
      case THRESHOLDED_RELU:
        return x >= al ? 1f : 0f;
      case SCALED_TANH: {
        double t = Math.tanh((double) be * x);
        return (float) (al * be * (1 - t * t));
      }
      case HARD_SIGMOID: {
        float v = al * x + be;
        return v > 0 && v < 1 ? al : 0f;
      }
      case ELU:
        return x >= 0 ? 1f : y + al;
      case SOFTSIGN: {
        float d = 1f + Math.abs(x);
        return 1f / (d * d);
      }
      case SOFTPLUS:
        return RnnActivation.sigmoid(x);
      default:
        throw new AssertionError(act.kind());
    }
  }
}
