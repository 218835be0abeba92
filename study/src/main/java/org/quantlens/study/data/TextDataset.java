package org.quantlens.study.data;

import java.util.Arrays;
import java.util.List;
import org.quantlens.engine.tensor.Tensor;

/** A labelled text set: texts, int64 labels [N] in [0, classes) and the class names. */
public final class TextDataset {
  private final String name;
  private final List<String> texts;
  private final long[] labels;
  private final List<String> classes;

  public TextDataset(String name, List<String> texts, long[] labels, List<String> classes) {
    if (texts.size() != labels.length) {
      throw new IllegalArgumentException(name + ": " + texts.size() + " texts but " + labels.length + " labels");
    }
    for (long l : labels) {
      if (l < 0 || l >= classes.size()) {
        throw new IllegalArgumentException(name + ": label " + l + " outside [0, " + classes.size() + ")");
      }
    }
    this.name = name;
    this.texts = List.copyOf(texts);
    this.labels = labels.clone();
    this.classes = List.copyOf(classes);
  }

  public String name() {
    return name;
  }

  public List<String> texts() {
    return texts;
  }

  public String text(int i) {
    return texts.get(i);
  }

  public long label(int i) {
    return labels[i];
  }

  /** I64 [N] (a fresh copy). */
  public Tensor labels() {
    return Tensor.of(labels.clone(), labels.length);
  }

  public List<String> classes() {
    return classes;
  }

  public int size() {
    return texts.size();
  }

  /** The first {@code n} examples. */
  public TextDataset head(int n) {
    int k = Math.min(n, size());
    return new TextDataset(name, texts.subList(0, k), Arrays.copyOf(labels, k), classes);
  }
}
