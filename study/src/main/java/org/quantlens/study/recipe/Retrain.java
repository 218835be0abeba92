package org.quantlens.study.recipe;

import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.graph.Graph;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Dataset;

/**
 * Retraining with disagreements (the study's fourth question): the given inputs, with their true
 * labels, are added to the training data (repeated {@code repeats} times, to weigh them) and the
 * trained model is fine-tuned on the union with the standard recipe.
 */
public final class Retrain {
  private Retrain() {}

  /** Fine-tunes {@code model} on {@code train} plus {@code extra} once; see {@link #withExtra(Graph, Dataset, Dataset, int, TrainSettings)}. */
  public static Graph withExtra(Graph model, Dataset train, Dataset extra, TrainSettings settings) {
    return withExtra(model, train, extra, 1, settings);
  }

  /**
   * Fine-tunes {@code model} on {@code train} with {@code extra} appended {@code repeats} times.
   *
   * @return the fine-tuned float model
   */
  public static Graph withExtra(Graph model, Dataset train, Dataset extra, int repeats,
      TrainSettings settings) {
    if (repeats < 0) {
      throw new IllegalArgumentException("repeats must be >= 0, got " + repeats);
    }
    Dataset all = extra == null || extra.size() == 0 || repeats == 0 ? train
        : concat(train, extra, repeats);
    return new StandardRecipe().train(model, all, null, settings).model();
  }

  /** {@code a} followed by {@code repeats} copies of {@code b}; labels become int64. */
  static Dataset concat(Dataset a, Dataset b, int repeats) {
    if (!java.util.Arrays.equals(a.sampleShape(), b.sampleShape())) {
      throw new ShapeMismatchException("extra samples have shape "
          + java.util.Arrays.toString(b.sampleShape()) + ", the training samples "
          + java.util.Arrays.toString(a.sampleShape()));
    }
    if ((a.y().dtype() == DType.F32) != (b.y().dtype() == DType.F32)
        || a.y().size() / a.size() != b.y().size() / b.size()) {
      throw new ShapeMismatchException("extra targets (" + b.y().dtype() + ") do not match the "
          + "training targets (" + a.y().dtype() + ")");
    }
    int n = a.size() + repeats * b.size();
    int[] xs = a.x().shape();
    xs[0] = n;
    float[] x = new float[n * (a.x().size() / a.size())];
    System.arraycopy(a.x().floats(), 0, x, 0, a.x().size());
    for (int r = 0; r < repeats; r++) {
      System.arraycopy(b.x().floats(), 0, x, a.x().size() + r * b.x().size(), b.x().size());
    }
    Tensor y;
    if (a.y().dtype() == DType.F32) {
      int[] ys = a.y().shape();
      ys[0] = n;
      float[] v = new float[n * (a.y().size() / a.size())];
      System.arraycopy(a.y().floats(), 0, v, 0, a.y().size());
      for (int r = 0; r < repeats; r++) {
        System.arraycopy(b.y().floats(), 0, v, a.y().size() + r * b.y().size(), b.y().size());
      }
      y = Tensor.of(v, ys);
    } else {
      long[] v = new long[n];
      for (int i = 0; i < a.size(); i++) {
        v[i] = a.y().getLong(i);
      }
      for (int r = 0; r < repeats; r++) {
        for (int i = 0; i < b.size(); i++) {
          v[a.size() + r * b.size() + i] = b.y().getLong(i);
        }
      }
      y = Tensor.of(v, n);
    }
    return Dataset.of(Tensor.wrap(DType.F32, x, xs), y);
  }
}
