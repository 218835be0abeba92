package org.quantlens.study.shift;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Synthetic shifts of text, each with severities 1..5, deterministic for a seed (text {@code i} of
 * a list gets its own random stream from (seed, name, severity, i), as images do):
 * <ul>
 *   <li>{@code text/char_typo}: each ASCII letter, with probability p = .02 .04 .07 .10 .15, gets
 *       one typo chosen uniformly from: swap with the next character (when that is a letter;
 *       otherwise a substitution), deletion, insertion of a QWERTY neighbour after it, substitution
 *       by a QWERTY neighbour. Neighbours keep the letter's case; other characters, whitespace
 *       included, are kept as they are.</li>
 *   <li>{@code text/word_dropout}: each word is dropped with probability p = .05 .10 .15 .20 .30
 *       (if every word would go, the first is kept).</li>
 *   <li>{@code text/word_shuffle}: local reordering in a window k = 2 3 4 5 6: word i gets the
 *       key {@code i + U[0, k)} and words are stably sorted by key (Lample et al., 2018), so no
 *       word moves more than k - 1 places.</li>
 * </ul>
 * Word shifts split on whitespace and join with single spaces.
 */
public final class TextShift {
  /** Character typos. */
  public static final String CHAR_TYPO = "text/char_typo";
  /** Word dropout. */
  public static final String WORD_DROPOUT = "text/word_dropout";
  /** Local word-order shuffle. */
  public static final String WORD_SHUFFLE = "text/word_shuffle";

  private static final double[] TYPO_RATE = {.02, .04, .07, .10, .15};
  private static final double[] DROP_RATE = {.05, .10, .15, .20, .30};
  private static final int[] WINDOW = {2, 3, 4, 5, 6};

  private static final String[] ROWS = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};
  /** Row offsets of a staggered keyboard, in key widths. */
  private static final double[] ROW_SHIFT = {0, 0.5, 1.0};
  private static final Map<Character, char[]> NEIGHBOURS = neighbours();

  private TextShift() {}

  /** The text shift names. */
  public static List<String> names() {
    return List.of(CHAR_TYPO, WORD_DROPOUT, WORD_SHUFFLE);
  }

  /** One line about a text shift and its rate per severity. */
  public static String describe(String name) {
    switch (check(name, 1)) {
      case CHAR_TYPO:
        return "per-letter typo (swap / delete / insert neighbour / substitute neighbour, QWERTY);"
            + " rate " + Arrays.toString(TYPO_RATE);
      case WORD_DROPOUT:
        return "drop each word; rate " + Arrays.toString(DROP_RATE);
      default:
        return "local word shuffle, key i + U[0, k); window k " + Arrays.toString(WINDOW);
    }
  }

  private static String check(String name, int severity) {
    if (!names().contains(name)) {
      throw UnknownShiftException.unknownName(name, names());
    }
    if (severity < 1 || severity > 5) {
      throw UnknownShiftException.badSeverity(name, severity);
    }
    return name;
  }

  /** Shifts text number {@code index} of a collection. */
  public static String apply(String text, String name, int severity, long seed, long index) {
    check(name, severity);
    SplittableRandom rng = Rng.forItem(seed, name, severity, index);
    switch (name) {
      case CHAR_TYPO:
        return typos(text, TYPO_RATE[severity - 1], rng);
      case WORD_DROPOUT:
        return dropout(text, DROP_RATE[severity - 1], rng);
      default:
        return shuffle(text, WINDOW[severity - 1], rng);
    }
  }

  /** Shifts every text; element i uses index i. Runs in parallel, the result does not depend on it. */
  public static List<String> apply(List<String> texts, String name, int severity, long seed) {
    check(name, severity);
    String[] out = new String[texts.size()];
    IntStream.range(0, out.length).parallel()
        .forEach(i -> out[i] = apply(texts.get(i), name, severity, seed, i));
    return List.of(out);
  }

  /** QWERTY neighbours of a lower-case letter (same row +-1, adjacent rows within half a key). */
  static char[] neighboursOf(char lower) {
    return NEIGHBOURS.get(lower).clone();
  }

  private static Map<Character, char[]> neighbours() {
    Map<Character, char[]> map = new HashMap<>();
    for (int r = 0; r < ROWS.length; r++) {
      for (int i = 0; i < ROWS[r].length(); i++) {
        double x = i + ROW_SHIFT[r];
        StringBuilder sb = new StringBuilder();
        for (int r2 = Math.max(0, r - 1); r2 <= Math.min(ROWS.length - 1, r + 1); r2++) {
          for (int j = 0; j < ROWS[r2].length(); j++) {
            double x2 = j + ROW_SHIFT[r2];
            boolean near = r2 == r ? Math.abs(j - i) == 1 : Math.abs(x2 - x) <= 0.5;
            if (near) {
              sb.append(ROWS[r2].charAt(j));
            }
          }
        }
        map.put(ROWS[r].charAt(i), sb.toString().toCharArray());
      }
    }
    return map;
  }

  private static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static char neighbour(char c, SplittableRandom rng) {
    char[] n = NEIGHBOURS.get(Character.toLowerCase(c));
    char k = n[rng.nextInt(n.length)];
    return Character.isUpperCase(c) ? Character.toUpperCase(k) : k;
  }

  private static String typos(String text, double rate, SplittableRandom rng) {
    StringBuilder sb = new StringBuilder(text.length() + 8);
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (!isLetter(c) || rng.nextDouble() >= rate) {
        sb.append(c);
        i++;
        continue;
      }
      int op = rng.nextInt(4);
      boolean canSwap = i + 1 < text.length() && isLetter(text.charAt(i + 1));
      if (op == 0 && canSwap) {
        sb.append(text.charAt(i + 1)).append(c);
        i += 2;
        continue;
      }
      if (op == 1) {
        // deletion: drop c
      } else if (op == 2) {
        sb.append(c).append(neighbour(c, rng));
      } else {
        sb.append(neighbour(c, rng)); // substitution (also the fallback for an impossible swap)
      }
      i++;
    }
    return sb.toString();
  }

  private static List<String> words(String text) {
    String t = text.strip();
    return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
  }

  private static String dropout(String text, double rate, SplittableRandom rng) {
    List<String> words = words(text);
    List<String> kept = new ArrayList<>();
    for (String w : words) {
      if (rng.nextDouble() >= rate) {
        kept.add(w);
      }
    }
    if (kept.isEmpty() && !words.isEmpty()) {
      kept.add(words.get(0));
    }
    return String.join(" ", kept);
  }

  private static String shuffle(String text, int window, SplittableRandom rng) {
    List<String> words = words(text);
    int n = words.size();
    double[] key = new double[n];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      key[i] = i + window * rng.nextDouble();
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(key[a], key[b])); // stable: ties keep order
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(words.get(order[i]));
    }
    return sb.toString();
  }
}
