package org.quantlens.engine.kernels;

/**
 * What a kernel applies to each output row while it is still in cache: a clamp to
 * {@code [lo, hi]} (none, Relu, Clip) done inside the kernels' own loops, then optionally
 * {@code post} for activations that are not a clamp (LeakyRelu, Sigmoid, Tanh).
 */
public final class Epilogue {
  /** Applies an activation to {@code x[from, to)} in place. */
  @FunctionalInterface
  public interface RowFunction {
    void apply(float[] x, int from, int to);
  }

  /** Nothing. */
  public static final Epilogue NONE =
      new Epilogue(Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, null);

  public final float lo;
  public final float hi;
  /** Null when the clamp is all there is. */
  public final RowFunction post;

  public Epilogue(float lo, float hi, RowFunction post) {
    this.lo = lo;
    this.hi = hi;
    this.post = post;
  }

  /** Runs {@link #post} on {@code x[from, to)} if there is one. */
  public void finish(float[] x, int from, int to) {
    if (post != null) {
      post.apply(x, from, to);
    }
  }
}
