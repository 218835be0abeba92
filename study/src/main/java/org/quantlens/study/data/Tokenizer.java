package org.quantlens.study.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Splits text into words. The rule, applied in order:
 * <ol>
 *   <li>HTML line breaks ({@code <br>}, {@code <br/>}, {@code <br />}, any case; IMDb reviews use
 *       them) become spaces;
 *   <li>the text is lower-cased with {@link Locale#ROOT};
 *   <li>a word is a maximal run of letters, digits (any script, {@link Character#isLetterOrDigit})
 *       and apostrophes ({@code '} or {@code ’}, the latter read as {@code '}); every other
 *       character separates words;
 *   <li>apostrophes at the start or end of a word are removed ({@code 'quoted'} gives
 *       {@code quoted}, {@code don't} stays); words left empty are dropped.
 * </ol>
 */
public final class Tokenizer {
  private static final Pattern BR = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);

  private Tokenizer() {}

  /** The words of {@code text}, in order. */
  public static List<String> tokenize(String text) {
    String s = BR.matcher(text).replaceAll(" ").toLowerCase(Locale.ROOT);
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isLetterOrDigit(cp)) {
        w.appendCodePoint(cp);
      } else if (cp == '\'' || cp == '\u2019') {
        w.append('\'');
      } else {
        flush(w, out);
      }
    }
    flush(w, out);
    return out;
  }

  private static void flush(StringBuilder w, List<String> out) {
    int a = 0;
    int b = w.length();
    while (a < b && w.charAt(a) == '\'') {
      a++;
    }
    while (b > a && w.charAt(b - 1) == '\'') {
      b--;
    }
    if (a < b) {
      out.add(w.substring(a, b));
    }
    w.setLength(0);
  }
}
