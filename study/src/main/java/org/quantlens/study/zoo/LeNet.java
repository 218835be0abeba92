package org.quantlens.study.zoo;

import org.quantlens.engine.graph.Graph;

/** The LeNet family for small gray images (LeCun et al. 1998), input "input", output "logits". */
public final class LeNet {
  private LeNet() {}

  /**
   * LeNet-1 as DeepXplore and the testing literature after it define it: Conv(4, 5x5) - ReLU -
   * MaxPool 2 - Conv(12, 5x5) - ReLU - MaxPool 2 - Dense classes (logits); no padding, so 28 x 28
   * becomes 24, 12, 8, 4 and the dense layer sees 12 x 4 x 4 = 192 features.
   */
  public static Graph lenet1(int channels, int height, int width, int classes, long seed) {
    return new GraphBuilder("lenet1", seed).input("input", channels, height, width)
        .conv(4, 5, 1, 0).relu().maxPool(2)
        .conv(12, 5, 1, 0).relu().maxPool(2)
        .flatten().dense(classes).build("logits");
  }

  /**
   * LeNet-5 as the study uses it for 28 x 28 images: Conv(6, 5x5, pad 2) - ReLU - MaxPool 2 -
   * Conv(16, 5x5) - ReLU - MaxPool 2 - Dense 120 - ReLU - Dense 84 - ReLU - Dense classes (logits).
   */
  public static Graph lenet5(int channels, int height, int width, int classes, long seed) {
    GraphBuilder b = new GraphBuilder("lenet5", seed).input("input", channels, height, width)
        .conv(6, 5, 1, 2).relu().maxPool(2)
        .conv(16, 5, 1, 0).relu().maxPool(2)
        .flatten().dense(120).relu().dense(84).relu().dense(classes);
    return b.build("logits");
  }
}
