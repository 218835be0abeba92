package org.quantlens.engine.kernels;

/**
 * The epilogue of a convolution fused with the Add after it (a residual connection): each
 * finished row of the output gets the same elements of {@code z}, a tensor of the output's shape,
 * then the activation that followed the Add. The same float operations in the same order as the
 * separate Add and activation, so the same bits, without two more passes over the output.
 *
 * <p>One object per calling thread, taken for a call and released after it: a steady-state call
 * allocates nothing, and concurrent calls of one session each have their own {@code z}.
 */
public final class ResidualEpilogue implements Epilogue.RowFunction {
  private static final PerThread<ResidualEpilogue> FREE = new PerThread<>(ResidualEpilogue::new);

  private final Epilogue epilogue =
      new Epilogue(Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, this);
  private final VectorMath vm = VectorMath.get();
  private float[] z;
  private Epilogue.RowFunction then;

  private ResidualEpilogue() {}

  /**
   * This thread's epilogue adding {@code z} (indexed like the output array) and then applying
   * {@code then} (null for none). Give it back with {@link #release} when the call is done.
   */
  public static ResidualEpilogue take(float[] z, Epilogue.RowFunction then) {
    ResidualEpilogue r = FREE.take();
    r.z = z;
    r.then = then;
    return r;
  }

  /** What to hand the kernels: no clamp of their own, this as the row step. */
  public Epilogue epilogue() {
    return epilogue;
  }

  /** Drops the operands and puts this object back for the thread's next call. */
  public void release() {
    z = null;
    then = null;
    FREE.give(this);
  }

  @Override
  public void apply(float[] x, int from, int to) {
    vm.binary(VectorMath.ADD, x, from, z, from, x, from, to - from);
    if (then != null) {
      then.apply(x, from, to);
    }
  }
}
