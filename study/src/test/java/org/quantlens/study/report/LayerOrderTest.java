package org.quantlens.study.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quantlens.study.report.Facts.LayerSummary;

class LayerOrderTest {
  private static void add(List<LayerSummary> out, String variant, String... tensors) {
    for (String t : tensors) {
      out.add(new LayerSummary("m", variant, t, "", 1, 1, 1, 1, 0, 0));
    }
  }

  @Test
  void tensorsMissingFromTheFirstVariantAreSlottedInGraphOrder() {
    List<LayerSummary> layers = new ArrayList<>();
    // an int8 model that fused each conv with its relu, then a float-like one with every tensor
    add(layers, "static-int8", "relu2", "pool3", "relu5", "logits");
    add(layers, "fp16", "conv1", "relu2", "pool3", "conv4", "relu5", "gemm6", "logits");
    assertEquals(List.of("conv1", "relu2", "pool3", "conv4", "relu5", "gemm6", "logits"), CauseSections.graphOrder(layers));
  }
}
