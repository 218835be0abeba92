package org.quantlens.study.data;

import java.util.List;
import org.quantlens.engine.ShapeMismatchException;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;

/**
 * A labelled image set as stored on disk: pixels as uint8 in [N, H, W, C] (channels last, as
 * MNIST, CIFAR and the corruption suites keep them) and int64 labels [N]. Models see
 * {@link #toModelInput()}: float32 [N, C, H, W] in [0, 1].
 */
public final class ImageDataset {
  private final String name;
  private final Tensor images;
  private final Tensor labels;
  private final List<String> classes;

  /**
   * @param images U8 [N, H, W, C]
   * @param labels I64 [N], each in [0, classes.size())
   */
  public ImageDataset(String name, Tensor images, Tensor labels, List<String> classes) {
    if (images.dtype() != DType.U8 || images.rank() != 4) {
      throw new ShapeMismatchException(name + ": images must be U8 [N,H,W,C], got " + images);
    }
    if (labels.dtype() != DType.I64 || labels.rank() != 1 || labels.dim(0) != images.dim(0)) {
      throw new ShapeMismatchException(name + ": " + images.dim(0) + " images but labels are "
          + labels.dtype() + java.util.Arrays.toString(labels.shape()));
    }
    for (long l : labels.longs()) {
      if (l < 0 || l >= classes.size()) {
        throw new ShapeMismatchException(name + ": label " + l + " outside [0, " + classes.size() + ")");
      }
    }
    this.name = name;
    this.images = images;
    this.labels = labels;
    this.classes = List.copyOf(classes);
  }

  public String name() {
    return name;
  }

  /** U8 [N, H, W, C]. */
  public Tensor images() {
    return images;
  }

  /** I64 [N]. */
  public Tensor labels() {
    return labels;
  }

  public List<String> classes() {
    return classes;
  }

  public int size() {
    return images.dim(0);
  }

  public int height() {
    return images.dim(1);
  }

  public int width() {
    return images.dim(2);
  }

  public int channels() {
    return images.dim(3);
  }

  /** The same images under another name and with other pixels (same shape), e.g. a shifted copy. */
  public ImageDataset withImages(String newName, Tensor newImages) {
    return new ImageDataset(newName, newImages, labels, classes);
  }

  /** The first {@code n} examples. */
  public ImageDataset head(int n) {
    int k = Math.min(n, size());
    int per = height() * width() * channels();
    byte[] px = java.util.Arrays.copyOf(images.bytes(), k * per);
    long[] lb = java.util.Arrays.copyOf(labels.longs(), k);
    return new ImageDataset(name, Tensor.wrap(DType.U8, px, k, height(), width(), channels()),
        Tensor.of(lb, k), classes);
  }

  /** Float32 [N, C, H, W] with pixels scaled to [0, 1]. */
  public Tensor toModelInput() {
    int n = size();
    int h = height();
    int w = width();
    int c = channels();
    byte[] px = images.bytes();
    float[] out = new float[n * c * h * w];
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int ch = 0; ch < c; ch++) {
            out[((i * c + ch) * h + y) * w + x] = (px[((i * h + y) * w + x) * c + ch] & 0xff) / 255f;
          }
        }
      }
    }
    return Tensor.of(out, n, c, h, w);
  }
}
