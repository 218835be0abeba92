package org.quantlens.study.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.quantlens.engine.tensor.Tensor;

/**
 * Word ids for text models: id 0 is padding, id 1 an out-of-vocabulary word, and ids 2, 3, .. the
 * {@code maxWords} most frequent words of the fitting texts ({@link Tokenizer} words), by count
 * descending, ties broken alphabetically ({@link String#compareTo}), so fitting is deterministic.
 *
 * <p>Saved as UTF-8 text, one entry per line, line {@code k} (0-based) holding the word with id
 * {@code k}: line 0 is {@code <pad>}, line 1 {@code <oov>} (no word can contain '<'). Inference
 * loads the same file and sees the same ids.
 */
public final class Vocabulary {
  /** The padding id. */
  public static final int PAD = 0;
  /** The id of a word not in the vocabulary. */
  public static final int OOV = 1;
  private static final String PAD_TOKEN = "<pad>";
  private static final String OOV_TOKEN = "<oov>";

  /** Where padding or truncation happens: at the start (Keras' default) or the end. */
  public enum Side { PRE, POST }

  private final List<String> words;
  private final Map<String, Integer> ids = new HashMap<>();

  private Vocabulary(List<String> words) {
    this.words = List.copyOf(words);
    for (int i = 0; i < words.size(); i++) {
      ids.put(words.get(i), i + 2);
    }
  }

  /** Keeps the {@code maxWords} most frequent words of {@code texts}. */
  public static Vocabulary fit(Iterable<String> texts, int maxWords) {
    Map<String, Integer> counts = new HashMap<>();
    for (String t : texts) {
      for (String w : Tokenizer.tokenize(t)) {
        counts.merge(w, 1, Integer::sum);
      }
    }
    List<Map.Entry<String, Integer>> e = new ArrayList<>(counts.entrySet());
    e.sort((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey())
        : Integer.compare(b.getValue(), a.getValue()));
    List<String> words = new ArrayList<>();
    for (int i = 0; i < Math.min(maxWords, e.size()); i++) {
      words.add(e.get(i).getKey());
    }
    return new Vocabulary(words);
  }

  /** Ids including padding and OOV: the words' ids are 2 .. size() - 1. */
  public int size() {
    return words.size() + 2;
  }

  /** The id of {@code word} (as the tokenizer produces it), or {@link #OOV}. */
  public int id(String word) {
    return ids.getOrDefault(word, OOV);
  }

  /** The word with id {@code id}; "&lt;pad&gt;" and "&lt;oov&gt;" for 0 and 1. */
  public String word(int id) {
    return id == PAD ? PAD_TOKEN : id == OOV ? OOV_TOKEN : words.get(id - 2);
  }

  /** The ids of the words of {@code text}, unpadded. */
  public int[] encode(String text) {
    List<String> t = Tokenizer.tokenize(text);
    int[] out = new int[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = id(t.get(i));
    }
    return out;
  }

  /**
   * Exactly {@code maxLen} ids: a longer text loses words at the {@code truncating} side, a
   * shorter one gets {@link #PAD} at the {@code padding} side.
   */
  public int[] encode(String text, int maxLen, Side padding, Side truncating) {
    int[] ids = encode(text);
    int[] out = new int[maxLen];
    if (ids.length >= maxLen) {
      System.arraycopy(ids, truncating == Side.PRE ? ids.length - maxLen : 0, out, 0, maxLen);
    } else {
      System.arraycopy(ids, 0, out, padding == Side.PRE ? maxLen - ids.length : 0, ids.length);
    }
    return out;
  }

  /** I64 [N, maxLen], one row per text, as {@link #encode(String, int, Side, Side)}. */
  public Tensor encodeAll(List<String> texts, int maxLen, Side padding, Side truncating) {
    long[] out = new long[texts.size() * maxLen];
    for (int i = 0; i < texts.size(); i++) {
      int[] row = encode(texts.get(i), maxLen, padding, truncating);
      for (int j = 0; j < maxLen; j++) {
        out[i * maxLen + j] = row[j];
      }
    }
    return Tensor.of(out, texts.size(), maxLen);
  }

  /** Writes the vocabulary file (atomically). */
  public void save(Path file) {
    StringBuilder sb = new StringBuilder();
    sb.append(PAD_TOKEN).append('\n').append(OOV_TOKEN).append('\n');
    for (String w : words) {
      sb.append(w).append('\n');
    }
    AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Reads a file written by {@link #save(Path)}. */
  public static Vocabulary load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return load(in, file.toString());
    } catch (IOException e) {
      throw new DataLoadException(file + ": cannot read vocabulary: " + e.getMessage(), e);
    }
  }

  /** Reads a vocabulary file from a stream; {@code name} appears in errors. */
  public static Vocabulary load(InputStream in, String name) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    for (String l; (l = r.readLine()) != null; ) {
      lines.add(l);
    }
    if (lines.size() < 2 || !lines.get(0).equals(PAD_TOKEN) || !lines.get(1).equals(OOV_TOKEN)) {
      throw new DataLoadException(name + ":1: not a vocabulary file; expected lines '" + PAD_TOKEN
          + "' and '" + OOV_TOKEN + "' first");
    }
    List<String> words = lines.subList(2, lines.size());
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      if (w.isEmpty() || !w.equals(w.strip()) || w.contains("<")) {
        throw new DataLoadException(name + ":" + (i + 3) + ": invalid word '" + w + "'");
      }
      Integer prev = seen.put(w, i + 3);
      if (prev != null) {
        throw new DataLoadException(name + ":" + (i + 3) + ": duplicate word '" + w
            + "' (also on line " + prev + ")");
      }
    }
    return new Vocabulary(words);
  }

  /** The words in id order (ids 2, 3, ..). */
  public List<String> words() {
    return words;
  }

  @Override
  public String toString() {
    return "Vocabulary(" + words.size() + " words: " + Arrays.toString(words.stream().limit(5).toArray()) + "..)";
  }
}
