package org.quantlens.study.zoo;

import org.quantlens.engine.graph.Graph;

/**
 * ResNet-20 with pre-activation residual blocks (He et al. 2016, "Identity Mappings in Deep
 * Residual Networks"; depth 6n + 2 with n = 3): a 3x3 convolution to 16 channels, then three
 * stages of three blocks with 16, 32 and 64 filters, then BatchNorm - ReLU - global average
 * pooling - Dense classes (logits). A block is {@code x + conv(relu(bn(conv(relu(bn(x))))))} with
 * 3x3 convolutions; the first block of stages 2 and 3 halves the resolution (stride 2) and its
 * shortcut becomes a 1x1 stride-2 convolution of the pre-activated input (a projection, as the
 * pre-activation paper does when the shape changes). Convolutions have no bias (a BatchNorm
 * follows each) and He-normal weights; works for any image size (32 x 32 RGB, 28 x 28 gray).
 * Input "input", output "logits".
 */
public final class ResNet {
  private static final int BLOCKS_PER_STAGE = 3;

  private ResNet() {}

  public static Graph resnet20(int channels, int height, int width, int classes, long seed) {
    GraphBuilder b = new GraphBuilder("resnet20", seed).init(GraphBuilder.Init.HE_NORMAL)
        .input("input", channels, height, width)
        .conv(16, 3, 1, 1, false);
    for (int stage = 0; stage < 3; stage++) {
      int filters = 16 << stage;
      for (int block = 0; block < BLOCKS_PER_STAGE; block++) {
        preActivationBlock(b, filters, stage > 0 && block == 0 ? 2 : 1);
      }
    }
    b.batchNorm().relu().globalAveragePool().flatten().dense(classes);
    return b.build("logits");
  }

  private static void preActivationBlock(GraphBuilder b, int filters, int stride) {
    GraphBuilder.Tap in = b.tap();
    b.batchNorm().relu();
    GraphBuilder.Tap shortcut = in;
    if (stride != 1 || in.shape()[0] != filters) {
      GraphBuilder.Tap pre = b.tap();
      shortcut = b.conv(filters, 1, stride, 0, false).tap();
      b.resume(pre);
    }
    b.conv(filters, 3, stride, 1, false).batchNorm().relu().conv(filters, 3, 1, 1, false)
        .add(shortcut);
  }
}
