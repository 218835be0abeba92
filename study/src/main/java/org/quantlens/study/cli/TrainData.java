package org.quantlens.study.cli;

import java.nio.file.Path;
import java.util.List;
import org.quantlens.engine.train.Dataset;
import org.quantlens.study.data.DatasetRegistry;
import org.quantlens.study.data.ImageDataset;
import org.quantlens.study.data.Split;
import org.quantlens.study.data.TextDataset;
import org.quantlens.study.data.Vocabulary;
import org.quantlens.study.zoo.ModelInput;

/**
 * The train and test splits of a registered dataset as {@code quantlens train} feeds them: images
 * as float32 NCHW in [0, 1], texts as int64 token ids {@code [N, maxLen]} through a vocabulary
 * (fitted on the training texts, or given), padded and truncated at the start as Keras does.
 */
final class TrainData {
  final Dataset train;
  final Dataset test;
  final ModelInput input;
  final int classes;
  /** The vocabulary of a text dataset, null for images. */
  final Vocabulary vocabulary;

  private TrainData(Dataset train, Dataset test, ModelInput input, int classes, Vocabulary vocabulary) {
    this.train = train;
    this.test = test;
    this.input = input;
    this.classes = classes;
    this.vocabulary = vocabulary;
  }

  /** The images of {@code name}, the training split cut to {@code limit}. */
  static TrainData images(DatasetRegistry registry, String name, int limit, String what) {
    ImageDataset train;
    try {
      train = registry.images(name, Split.TRAIN);
    } catch (IllegalArgumentException e) { // the registry's kind check, before any loading
      throw new UsageException(what + " reads images, but dataset '" + name + "' holds texts");
    }
    ImageDataset test = registry.images(name, Split.TEST);
    if (limit < train.size()) {
      train = train.head(limit);
    }
    return new TrainData(Dataset.of(train.toModelInput(), train.labels()),
        Dataset.of(test.toModelInput(), test.labels()), ModelInput.of(train), train.classes().size(), null);
  }

  /**
   * The texts of {@code name}, the training split cut to {@code limit}, encoded with {@code vocab}
   * or, when it is null, with the {@code maxWords} most frequent words of the training texts.
   */
  static TrainData texts(DatasetRegistry registry, String name, int limit, int maxLen, int maxWords,
      Path vocab, String what) {
    TextDataset train;
    try {
      train = registry.texts(name, Split.TRAIN);
    } catch (IllegalArgumentException e) { // the registry's kind check, before any loading
      throw new UsageException(what + " reads token ids, but dataset '" + name + "' holds images");
    }
    TextDataset test = registry.texts(name, Split.TEST);
    if (limit < train.size()) {
      train = train.head(limit);
    }
    Vocabulary v = vocab != null ? Vocabulary.load(vocab) : Vocabulary.fit(train.texts(), maxWords);
    return new TrainData(encode(train, v, maxLen), encode(test, v, maxLen),
        ModelInput.tokens(maxLen, v.size()), train.classes().size(), v);
  }

  private static Dataset encode(TextDataset d, Vocabulary v, int maxLen) {
    List<String> texts = d.texts();
    return Dataset.of(v.encodeAll(texts, maxLen, Vocabulary.Side.PRE, Vocabulary.Side.PRE), d.labels());
  }
}
