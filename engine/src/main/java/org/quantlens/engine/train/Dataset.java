package org.quantlens.engine.train;

import java.util.Arrays;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * Samples and targets held in memory: inputs {@code [N, ...]} float32 (images, features) or
 * int64/int32 (token ids for embedding models), targets {@code [N]} class indices (int32/int64) or
 * {@code [N, ...]} float32 (probabilities, regression values). Batches keep the input type.
 */
public final class Dataset {
  private final Tensor x;
  private final Tensor y;

  private Dataset(Tensor x, Tensor y) {
    this.x = x;
    this.y = y;
  }

  /**
   * @throws ShapeMismatchException if the sample counts differ or the inputs are not float32,
   *     int64 or int32
   */
  public static Dataset of(Tensor x, Tensor y) {
    if (x.dtype() != DType.F32 && x.dtype() != DType.I64 && x.dtype() != DType.I32) {
      throw new ShapeMismatchException("training inputs must be float32, int64 or int32, got "
          + x.dtype());
    }
    if (x.rank() < 1 || y.rank() < 1 || x.dim(0) != y.dim(0)) {
      throw new ShapeMismatchException("inputs " + Arrays.toString(x.shape()) + " and targets "
          + Arrays.toString(y.shape()) + " must have the same number of samples");
    }
    if (y.dtype() != DType.F32 && y.dtype() != DType.I64 && y.dtype() != DType.I32) {
      throw new ShapeMismatchException("targets must be int32, int64 or float32, got " + y.dtype());
    }
    return new Dataset(x, y);
  }

  /**
   * For training methods that perturb or blend inputs (adversarial examples, Mixup), which only
   * make sense for float inputs: returns this dataset when its inputs are float32.
   *
   * @param method what needs float inputs, for the message (e.g. "the mixup recipe")
   * @throws ShapeMismatchException when the inputs are integers (token ids)
   */
  public Dataset requireFloatInputs(String method) {
    if (x.dtype() != DType.F32) {
      throw new ShapeMismatchException(method + " perturbs or blends inputs, so it needs float32"
          + " inputs, but the inputs " + Arrays.toString(x.shape()) + " are " + x.dtype()
          + " (token ids?); train this model with the standard or qat recipe");
    }
    return this;
  }

  public Tensor x() {
    return x;
  }

  public Tensor y() {
    return y;
  }

  public int size() {
    return x.dim(0);
  }

  /** The shape of one input sample. */
  public int[] sampleShape() {
    return Arrays.copyOfRange(x.shape(), 1, x.rank());
  }

  /** The first {@code n} samples (views, not copies). */
  public Dataset head(int n) {
    int m = Math.min(n, size());
    int[] xs = x.shape();
    int[] ys = y.shape();
    xs[0] = m;
    ys[0] = m;
    return new Dataset(Tensor.wrap(x.dtype(), x.data(), xs), Tensor.wrap(y.dtype(), y.data(), ys));
  }
}
