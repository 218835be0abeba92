package org.quantlens.study.zoo;

import org.quantlens.engine.graph.Graph;

/**
 * LeNet-5 as the study uses it for 28 x 28 images: Conv(6, 5x5, pad 2) - ReLU - MaxPool 2 -
 * Conv(16, 5x5) - ReLU - MaxPool 2 - Dense 120 - ReLU - Dense 84 - ReLU - Dense classes (logits).
 */
public final class LeNet {
  private LeNet() {}

  /** LeNet-5 for {@code [N, channels, height, width]} inputs; input "input", output "logits". */
  public static Graph lenet5(int channels, int height, int width, int classes, long seed) {
    GraphBuilder b = new GraphBuilder("lenet5", seed).input("input", channels, height, width)
        .conv(6, 5, 1, 2).relu().maxPool(2)
        .conv(16, 5, 1, 0).relu().maxPool(2)
        .flatten().dense(120).relu().dense(84).relu().dense(classes);
    return b.build("logits");
  }
}
