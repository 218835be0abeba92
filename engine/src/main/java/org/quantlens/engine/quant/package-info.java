/**
 * Quantization: {@link org.quantlens.engine.quant.QuantMath} (scale/zero point, rounding,
 * fake-quant at 2..16 bits), observers and the {@link org.quantlens.engine.quant.Calibrator}
 * (MinMax, moving-average MinMax, percentile, entropy/KL, MSE), the PTQ pass
 * {@link org.quantlens.engine.quant.Ptq} (QDQ graph or float simulation), the QDQ-to-int8
 * {@link org.quantlens.engine.quant.QdqFolding} with its {@link org.quantlens.engine.quant.Int8Report},
 * {@link org.quantlens.engine.quant.DynamicQuantizer}, and the named variants of
 * {@link org.quantlens.engine.quant.Variants} configured by {@link org.quantlens.engine.quant.QuantConfig}.
 */
package org.quantlens.engine.quant;
