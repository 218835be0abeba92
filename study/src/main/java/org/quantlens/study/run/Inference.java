package org.quantlens.study.run;

import java.util.Arrays;
import java.util.Map;
import org.quantlens.engine.QuantLensException;
import org.quantlens.engine.runtime.Session;
import org.quantlens.engine.tensor.Tensor;

/** Runs a model over a whole set in fixed batches and returns its logits. */
final class Inference {
  private Inference() {}

  /**
   * Logits {@code [N, classes]} of {@code session} on {@code nchw} (F32 {@code [N, C, H, W]}), in
   * batches of {@code batch} in order: results depend on nothing else (dynamic-int8 quantizes per
   * batch, so the batches are fixed).
   */
  static Tensor logits(Session session, InputLayout layout, Tensor nchw, int batch, int classes) {
    int n = nchw.dim(0);
    float[] out = new float[n * classes];
    for (int from = 0; from < n; from += batch) {
      int k = Math.min(batch, n - from);
      Tensor y = session.run(Map.of(layout.input(), layout.slice(nchw, from, k))).values().iterator().next();
      if (y.rank() != 2 || y.dim(0) != k || y.dim(1) != classes) {
        throw new QuantLensException("the model's output is " + Arrays.toString(y.shape()) + " for a batch of "
            + k + "; expected [" + k + ", " + classes + "]");
      }
      System.arraycopy(y.toFloats(), 0, out, from * classes, k * classes);
    }
    return Tensor.of(out, n, classes);
  }
}
