package org.quantlens.engine.kernels;

/**
 * A recurrent layer prepared once that runs whole sequence batches: {@link RecurrentLayer} (float),
 * {@link QuantRecurrentLayer} (int8 products) and {@link WeightOnlyRecurrentLayer} (float products
 * on int8-stored weights). The ops hold whichever the node calls for.
 */
public interface SequenceLayer {
  int hidden();

  int input();

  /** Floats of work space {@link #run} needs for {@code seqLen} steps of {@code batch} rows. */
  int workSize(int seqLen, int batch);

  /**
   * Runs the layer, allocating nothing but what a first call with a new shape needs; arguments and
   * output layout as {@link RecurrentLayer#run(Parallel, float[], float[], int, int, boolean,
   * int[], float[], float[], float[], float[], float[])}.
   */
  void run(Parallel par, float[] work, float[] x, int seqLen, int batch, boolean batchMajor,
      int[] lens, float[] h0, float[] c0, float[] y, float[] yh, float[] yc);
}
