package org.quantlens.study.zoo;

import org.quantlens.engine.graph.Graph;

/**
 * Network in Network (Lin, Chen and Yan 2014), its CIFAR-10 form: three "mlpconv" blocks, each a
 * spatial convolution followed by two 1x1 convolutions (a small per-pixel MLP), all with ReLU:
 * <ol>
 *   <li>Conv 192 5x5 pad 2, Conv 160 1x1, Conv 96 1x1, MaxPool 3x3 stride 2 pad 1;
 *   <li>Conv 192 5x5 pad 2, Conv 192 1x1, Conv 192 1x1, AveragePool 3x3 stride 2 pad 1;
 *   <li>Conv 192 3x3 pad 1, Conv 192 1x1, Conv classes 1x1 - global average pooling: the logits.
 * </ol>
 * Dropout 0.5 follows each of the first two blocks, as in the original. The last 1x1 convolution
 * has no ReLU, so logits can be negative. Kernels are He-normal: with Glorot's smaller variance
 * the signal halves at each of the nine ReLU layers and training barely starts (10% after 40
 * Adam steps on Fashion-MNIST, where He-normal is far beyond chance).
 * Input "input", output "logits".
 */
public final class NiN {
  private NiN() {}

  /** The paper's widths (192 / 160 / 96). */
  public static Graph nin(int channels, int height, int width, int classes, long seed) {
    return nin(channels, height, width, classes, 1.0, 0.5, seed);
  }

  /**
   * NiN with every hidden width scaled by {@code widthScale} (rounded, at least 1) and dropout
   * {@code dropout} after the first two blocks (0 leaves it out): the same structure at a
   * fraction of the cost, for quick tests.
   */
  public static Graph nin(int channels, int height, int width, int classes, double widthScale,
      double dropout, long seed) {
    int w192 = scaled(192, widthScale);
    GraphBuilder b = new GraphBuilder("nin", seed).init(GraphBuilder.Init.HE_NORMAL)
        .input("input", channels, height, width)
        .conv(w192, 5, 1, 2).relu().conv(scaled(160, widthScale), 1, 1, 0).relu()
        .conv(scaled(96, widthScale), 1, 1, 0).relu().maxPool(3, 2, 1);
    if (dropout > 0) {
      b.dropout(dropout);
    }
    b.conv(w192, 5, 1, 2).relu().conv(w192, 1, 1, 0).relu().conv(w192, 1, 1, 0).relu()
        .averagePool(3, 2, 1);
    if (dropout > 0) {
      b.dropout(dropout);
    }
    b.conv(w192, 3, 1, 1).relu().conv(w192, 1, 1, 0).relu().conv(classes, 1, 1, 0)
        .globalAveragePool().flatten();
    return b.build("logits");
  }

  private static int scaled(int width, double scale) {
    return Math.max(1, (int) Math.round(width * scale));
  }
}
