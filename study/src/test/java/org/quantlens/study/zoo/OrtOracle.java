package org.quantlens.study.zoo;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/** ONNX Runtime as the test oracle for zoo graphs: one float32 or int64 input, float32 output. */
final class OrtOracle {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private OrtOracle() {}

  /** Runs {@code model} on {@code input} (fed as {@code inputName}); returns output {@code out}. */
  static float[] run(byte[] model, String inputName, Tensor input, String out) throws OrtException {
    long[] shape = new long[input.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = input.dim(i);
    }
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      try (OrtSession s = ENV.createSession(model, o);
          OnnxTensor x = input.dtype() == DType.I64
              ? OnnxTensor.createTensor(ENV, LongBuffer.wrap((long[]) input.data()), shape)
              : OnnxTensor.createTensor(ENV, FloatBuffer.wrap(input.floats()), shape);
          OrtSession.Result r = s.run(Map.of(inputName, x))) {
        OnnxTensor y = (OnnxTensor) r.get(out).orElseThrow();
        FloatBuffer b = y.getFloatBuffer();
        float[] f = new float[b.remaining()];
        b.get(f);
        return f;
      }
    }
  }
}
