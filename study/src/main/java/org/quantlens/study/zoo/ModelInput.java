package org.quantlens.study.zoo;

import java.util.Arrays;
import org.quantlens.study.data.ImageDataset;

/**
 * What a model reads, one sample, without the batch dimension: a float image {@code [C, H, W]}
 * or int64 token ids {@code [maxLen]} from a vocabulary of {@code vocabSize} ids.
 */
public final class ModelInput {
  /** The two kinds of input the zoo's models take. */
  public enum Kind { IMAGE, TOKENS }

  private final Kind kind;
  private final int[] dims;
  private final int vocabSize;

  private ModelInput(Kind kind, int[] dims, int vocabSize) {
    for (int d : dims) {
      if (d < 1) {
        throw new IllegalArgumentException("input dimensions must be positive, got "
            + Arrays.toString(dims));
      }
    }
    this.kind = kind;
    this.dims = dims;
    this.vocabSize = vocabSize;
  }

  /** A float32 image {@code [channels, height, width]}. */
  public static ModelInput image(int channels, int height, int width) {
    return new ModelInput(Kind.IMAGE, new int[] {channels, height, width}, 0);
  }

  /** The images of {@code d} as models read them ({@code ImageDataset.toModelInput()}). */
  public static ModelInput of(ImageDataset d) {
    return image(d.channels(), d.height(), d.width());
  }

  /** Token ids {@code [maxLen]} in {@code [0, vocabSize)}. */
  public static ModelInput tokens(int maxLen, int vocabSize) {
    if (vocabSize < 1) {
      throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
    }
    return new ModelInput(Kind.TOKENS, new int[] {maxLen}, vocabSize);
  }

  public Kind kind() {
    return kind;
  }

  /** The sample shape: {@code [C, H, W]} or {@code [maxLen]}. */
  public int[] dims() {
    return dims.clone();
  }

  /** The vocabulary size of token ids; 0 for images. */
  public int vocabSize() {
    return vocabSize;
  }

  /** For messages: "image [1, 28, 28]" or "token ids [200] (vocabulary 10000)". */
  @Override
  public String toString() {
    return kind == Kind.IMAGE ? "image " + Arrays.toString(dims)
        : "token ids " + Arrays.toString(dims) + " (vocabulary " + vocabSize + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelInput && ((ModelInput) o).kind == kind
        && Arrays.equals(((ModelInput) o).dims, dims) && ((ModelInput) o).vocabSize == vocabSize;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * kind.hashCode() + Arrays.hashCode(dims)) + vocabSize;
  }
}
