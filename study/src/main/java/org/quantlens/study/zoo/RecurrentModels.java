package org.quantlens.study.zoo;

import org.quantlens.engine.graph.Graph;

/**
 * The paper's recurrent classifiers. Text: Embedding(vocab, 128) - LSTM(50) or GRU(75) - Dense
 * classes, on int64 token ids {@code [N, maxLen]} (as {@code Vocabulary.encodeAll} makes them).
 * Images read row by row: each of the H rows is one step of C x W features (28 steps of 28 for
 * Fashion-MNIST), then the last hidden state - Dense classes. Input "input", output "logits".
 */
public final class RecurrentModels {
  /** The text models' embedding width (the paper's). */
  public static final int EMBEDDING = 128;
  /** The text LSTM's hidden size (the paper's). */
  public static final int TEXT_LSTM_HIDDEN = 50;
  /** The text GRU's hidden size (the paper's). */
  public static final int TEXT_GRU_HIDDEN = 75;
  /**
   * The row LSTM's hidden size. 64 and the GRU's 75 give both about 24 000 parameters on 28 x 28
   * images (LSTM 24 714, GRU 24 385), so neither wins by size; both are small enough for a CPU
   * epoch of Fashion-MNIST in well under a minute and large enough for the 85%.
   */
  public static final int ROW_LSTM_HIDDEN = 64;
  /** The row GRU's hidden size: the paper's text GRU width (see {@link #ROW_LSTM_HIDDEN}). */
  public static final int ROW_GRU_HIDDEN = 75;

  private RecurrentModels() {}

  public static Graph textLstm(int maxLen, int vocab, int classes, long seed) {
    return new GraphBuilder("text-lstm", seed).tokenInput("input", maxLen)
        .embedding(vocab, EMBEDDING).lstm(TEXT_LSTM_HIDDEN).dense(classes).build("logits");
  }

  public static Graph textGru(int maxLen, int vocab, int classes, long seed) {
    return new GraphBuilder("text-gru", seed).tokenInput("input", maxLen)
        .embedding(vocab, EMBEDDING).gru(TEXT_GRU_HIDDEN).dense(classes).build("logits");
  }

  public static Graph rowLstm(int channels, int height, int width, int classes, long seed) {
    return new GraphBuilder("row-lstm", seed).input("input", channels, height, width)
        .rowSequence().lstm(ROW_LSTM_HIDDEN).dense(classes).build("logits");
  }

  public static Graph rowGru(int channels, int height, int width, int classes, long seed) {
    return new GraphBuilder("row-gru", seed).input("input", channels, height, width)
        .rowSequence().gru(ROW_GRU_HIDDEN).dense(classes).build("logits");
  }
}
