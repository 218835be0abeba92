package org.quantlens.engine.ops;

/**
 * Quantized operators: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
 * QLinearMatMul, ConvInteger, QLinearConv (default domain) and the ONNX Runtime contrib ops of
 * domain {@code com.microsoft} (opset 1) that quantized models use. Semantics are ONNX's, with ONNX
 * Runtime's float32 arithmetic where ONNX leaves it open (requantization, QLinear* element-wise
 * ops as dequantize -> float32 op -> quantize).
 */
public final class QuantOps implements OpFamily {
  /** ONNX Runtime's contrib domain. */
  public static final String MS = "com.microsoft";

  /** The op family, ready to register into any {@link OpRegistry}. */
  public QuantOps() {}

  @Override
  public void register(OpRegistry r) {
    for (int v : new int[] {10, 13, 19}) {
      r.register("QuantizeLinear", v, ctx -> QuantizeOps.quantize(ctx, true));
      r.register("DequantizeLinear", v, ctx -> QuantizeOps.dequantize(ctx, true));
    }
    r.register(MS, "QuantizeLinear", 1, ctx -> QuantizeOps.quantize(ctx, true));
    r.register(MS, "DequantizeLinear", 1, ctx -> QuantizeOps.dequantize(ctx, true));
    r.register("DynamicQuantizeLinear", 11, QuantizeOps::dynamicQuantize);
    r.register("MatMulInteger", 10, QuantMatMulOps::matMulInteger);
    r.register("QLinearMatMul", 10, QuantMatMulOps::qlinearMatMul);
    r.register("QLinearConv", 10, QuantConvOps::qlinearConv);
    r.register("ConvInteger", 10, QuantConvOps::convInteger);
    r.register(MS, "QGemm", 1, QuantGemmOp::new);
    r.register(MS, "QLinearAdd", 1, ctx -> QLinearElementwiseOps.binary(ctx, false));
    r.register(MS, "QLinearMul", 1, ctx -> QLinearElementwiseOps.binary(ctx, true));
    r.register(MS, "QLinearSigmoid", 1, ctx -> QLinearElementwiseOps.lookup(ctx, true));
    r.register(MS, "QLinearLeakyRelu", 1, ctx -> QLinearElementwiseOps.lookup(ctx, false));
    r.register(MS, "QLinearConcat", 1, QLinearElementwiseOps::concat);
    r.register(MS, "QLinearGlobalAveragePool", 1, QLinearPoolOps::global);
    r.register(MS, "QLinearAveragePool", 1, QLinearPoolOps::average);
    r.register(MS, "MatMulIntegerToFloat", 1, QuantMatMulOps::matMulIntegerToFloat);
    r.register(MS, "DynamicQuantizeMatMul", 1, QuantMatMulOps::dynamicQuantizeMatMul);
  }
}
