package org.quantlens.study.zoo;

import java.util.Arrays;
import org.quantlens.engine.graph.Graph;

/**
 * One model of the zoo: its name, what input it takes and how to build it for given data. Every
 * graph has one input "input" (float32 {@code [N, C, H, W]} or int64 {@code [N, maxLen]}) and one
 * output "logits" {@code [N, classes]}.
 */
public final class Architecture {
  /** Builds the graph once the input has been checked. */
  @FunctionalInterface
  interface Factory {
    Graph build(int[] dims, int vocabSize, int classes, long seed);
  }

  private final String name;
  private final String description;
  private final ModelInput.Kind inputKind;
  private final int minSide;
  private final Factory factory;

  Architecture(String name, String description, ModelInput.Kind inputKind, int minSide,
      Factory factory) {
    this.name = name;
    this.description = description;
    this.inputKind = inputKind;
    this.minSide = minSide;
    this.factory = factory;
  }

  public String name() {
    return name;
  }

  /** One line: the layers, for listings and help. */
  public String description() {
    return description;
  }

  /** Images or token ids. */
  public ModelInput.Kind inputKind() {
    return inputKind;
  }

  /** The smallest image height and width the layers leave an output for (1 for token ids). */
  public int minSide() {
    return minSide;
  }

  /** What this architecture takes, for messages: "images [C, H, W] of at least 16 x 16". */
  public String takes() {
    if (inputKind == ModelInput.Kind.TOKENS) {
      return "token ids [maxLen] with a vocabulary size";
    }
    return "images [C, H, W]" + (minSide > 1 ? " of at least " + minSide + " x " + minSide : "");
  }

  /**
   * The untrained model for {@code input} and {@code classes}, weights drawn from {@code seed}.
   *
   * @throws ArchitectureMismatchException if the input is of the other kind, the images are
   *     smaller than {@link #minSide()}, or {@code classes < 2}
   */
  public Graph build(ModelInput input, int classes, long seed) {
    check(input, classes);
    return factory.build(input.dims(), input.vocabSize(), classes, seed);
  }

  /** As {@link #build} without building: whether data of this shape fits. */
  public void check(ModelInput input, int classes) {
    if (input.kind() != inputKind) {
      throw new ArchitectureMismatchException(name + " takes " + takes() + ", the data gives "
          + input);
    }
    int[] d = input.dims();
    if (inputKind == ModelInput.Kind.IMAGE && (d[1] < minSide || d[2] < minSide)) {
      throw new ArchitectureMismatchException(name + " takes " + takes() + ", the data gives "
          + "image " + Arrays.toString(d) + " (" + d[1] + " x " + d[2] + ")");
    }
    if (inputKind == ModelInput.Kind.TOKENS && input.vocabSize() < 2) {
      throw new ArchitectureMismatchException(name + " needs a vocabulary of at least 2 ids, "
          + "the data gives " + input);
    }
    if (classes < 2) {
      throw new ArchitectureMismatchException(name + " needs at least 2 classes, got " + classes);
    }
  }
}
