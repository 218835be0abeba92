package org.quantlens.study.recipe;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import org.quantlens.engine.train.Dataset;

/** Top-1 predictions of an ONNX model in ONNX Runtime (the oracle for exported models). */
final class OrtTop1 {
  private OrtTop1() {}

  /**
   * @param optimized let ONNX Runtime fuse QDQ into its int8 kernels; off, it runs every
   *     QuantizeLinear/DequantizeLinear and float op as the ONNX spec defines them
   */
  static int[] predict(byte[] model, String input, Dataset data, boolean optimized) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    int n = data.size();
    int row = data.x().size() / n;
    int[] pred = new int[n];
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      if (!optimized) {
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      }
      try (OrtSession s = env.createSession(model, o)) {
        for (int from = 0; from < n; from += 500) {
          int count = Math.min(500, n - from);
          long[] shape = new long[data.x().rank()];
          for (int d = 0; d < shape.length; d++) {
            shape[d] = d == 0 ? count : data.x().dim(d);
          }
          FloatBuffer fb = FloatBuffer.wrap(data.x().floats(), from * row, count * row).slice();
          try (OnnxTensor t = OnnxTensor.createTensor(env, fb, shape);
              OrtSession.Result r = s.run(Map.of(input, t))) {
            float[][] y = (float[][]) r.get(0).getValue();
            for (int i = 0; i < count; i++) {
              pred[from + i] = argmax(y[i]);
            }
          }
        }
      }
    }
    return pred;
  }

  static int argmax(float[] v) {
    int b = 0;
    for (int j = 1; j < v.length; j++) {
      b = v[j] > v[b] ? j : b;
    }
    return b;
  }
}
