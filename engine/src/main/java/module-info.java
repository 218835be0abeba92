/**
 * The QuantLens engine: float32 and int8 inference, post-training quantization, quantization-aware
 * training. It needs nothing but the JDK. The Vector API is optional: with {@code --add-modules
 * jdk.incubator.vector} the SIMD kernels run, without it the scalar ones (logged once).
 */
module org.quantlens.engine {
  requires static jdk.incubator.vector;

  exports org.quantlens.engine;
  exports org.quantlens.engine.tensor;
  exports org.quantlens.engine.graph;
  exports org.quantlens.engine.ops;
  exports org.quantlens.engine.kernels;
  exports org.quantlens.engine.runtime;
  exports org.quantlens.engine.quant;
  exports org.quantlens.engine.train;
  exports org.quantlens.engine.train.grad;
}
