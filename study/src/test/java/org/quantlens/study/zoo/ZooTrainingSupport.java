package org.quantlens.study.zoo;

import java.util.SplittableRandom;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.engine.train.Dataset;
import org.quantlens.study.data.DatasetRegistry;
import org.quantlens.study.data.ImageDataset;
import org.quantlens.study.data.Split;

/** Training data for the zoo's training tests. */
final class ZooTrainingSupport {
  private ZooTrainingSupport() {}

  /** fashion-mnist-mini (bundled: 5 000 train / 1 000 test) as model input, float [N, 1, 28, 28]. */
  static Dataset mini(Split split) {
    ImageDataset d = DatasetRegistry.mini(split);
    return Dataset.of(d.toModelInput(), d.labels());
  }

  /** {@code n} samples of {@code d} drawn without replacement (the mini set is sorted by class). */
  static Dataset subset(Dataset d, int n, long seed) {
    int total = d.size();
    int[] idx = new int[total];
    for (int i = 0; i < total; i++) {
      idx[i] = i;
    }
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      int j = i + r.nextInt(total - i);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    int per = d.x().size() / total;
    float[] x = new float[n * per];
    long[] y = new long[n];
    float[] xs = d.x().floats();
    Tensor labels = d.y();
    for (int i = 0; i < n; i++) {
      System.arraycopy(xs, idx[i] * per, x, i * per, per);
      y[i] = labels.dtype() == org.quantlens.engine.tensor.DType.I64 ? labels.longs()[idx[i]]
          : ((int[]) labels.data())[idx[i]];
    }
    int[] shape = d.x().shape();
    shape[0] = n;
    return Dataset.of(Tensor.of(x, shape), Tensor.of(y, n));
  }
}
