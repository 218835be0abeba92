package org.quantlens.study.shift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextShiftTest {
  private static final String REVIEW = "This movie was a slow burn but the final act paid off with"
      + " a twist nobody in the theater saw coming and the acting was superb throughout";

  private static List<String> corpus(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(REVIEW + " review number " + i);
    }
    return out;
  }

  @Test
  void sameSeedSameTextOtherSeedDifferentText() {
    for (String name : TextShift.names()) {
      List<String> a = TextShift.apply(corpus(50), name, 3, 1);
      assertEquals(a, TextShift.apply(corpus(50), name, 3, 1), name);
      assertNotEquals(a, TextShift.apply(corpus(50), name, 3, 2), name);
      assertEquals(a.get(7), TextShift.apply(corpus(50).get(7), name, 3, 1, 7), name);
    }
  }

  @Test
  void unknownTextShiftOrSeverityIsATypedError() {
    assertThrows(UnknownShiftException.class, () -> TextShift.apply("x", "text/emoji", 1, 0, 0));
    assertThrows(UnknownShiftException.class,
        () -> TextShift.apply("x", TextShift.WORD_DROPOUT, 6, 0, 0));
  }

  @Test
  void wordDropoutRemovesTheStatedShareAndKeepsOrder() {
    double[] rate = {.05, .10, .15, .20, .30};
    List<String> texts = corpus(400);
    for (int sev = 1; sev <= 5; sev++) {
      List<String> out = TextShift.apply(texts, TextShift.WORD_DROPOUT, sev, 3);
      long in = 0;
      long kept = 0;
      for (int i = 0; i < texts.size(); i++) {
        String[] words = texts.get(i).split(" ");
        String[] got = out.get(i).split(" ");
        in += words.length;
        kept += got.length;
        int j = 0; // got must be a subsequence of words
        for (String w : got) {
          while (j < words.length && !words[j].equals(w)) {
            j++;
          }
          assertTrue(j < words.length, "word order changed: " + out.get(i));
          j++;
        }
      }
      double n = in;
      double p = rate[sev - 1];
      assertEquals(p, 1 - kept / n, 4 * Math.sqrt(p * (1 - p) / n), "severity " + sev);
    }
    for (int seed = 0; seed < 50; seed++) {
      assertEquals("only", TextShift.apply("only", TextShift.WORD_DROPOUT, 5, seed, 0));
    }
  }

  @Test
  void wordShuffleMovesNoWordFurtherThanItsWindowAndMoreWithSeverity() {
    List<String> words = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      words.add("w" + i);
    }
    String text = String.join(" ", words);
    int[] window = {2, 3, 4, 5, 6};
    double previous = -1;
    for (int sev = 1; sev <= 5; sev++) {
      double moved = 0;
      for (int k = 0; k < 100; k++) {
        String[] out = TextShift.apply(text, TextShift.WORD_SHUFFLE, sev, 5, k).split(" ");
        assertEquals(60, out.length);
        String[] sorted = out.clone();
        Arrays.sort(sorted);
        String[] expect = words.toArray(new String[0]);
        Arrays.sort(expect);
        assertArrayEquals(expect, sorted, "words lost or duplicated");
        for (int p = 0; p < 60; p++) {
          int from = Integer.parseInt(out[p].substring(1));
          assertTrue(Math.abs(from - p) <= window[sev - 1] - 1,
              "severity " + sev + ": w" + from + " moved to " + p);
          moved += Math.abs(from - p);
        }
      }
      assertTrue(moved > previous, "severity " + sev + " moves words no more than " + (sev - 1));
      previous = moved;
    }
  }

  @Test
  void charTyposHitTheStatedShareOfLettersWithQwertyNeighbours() {
    double[] rate = {.02, .04, .07, .10, .15};
    // a long run of one letter: every edit is visible against the source
    String text = "f".repeat(20_000);
    for (int sev = 1; sev <= 5; sev++) {
      String out = TextShift.apply(text, TextShift.CHAR_TYPO, sev, 9, 0);
      int changed = 0;
      for (char c : out.toCharArray()) {
        if (c != 'f') {
          assertTrue("dgrtcv".indexOf(c) >= 0, "'" + c + "' is not a QWERTY neighbour of f");
          changed++;
        }
      }
      // swaps of two equal letters, deletions and inserted/substituted letters: the inserted and
      // substituted half of typos leave exactly one non-'f' character each
      int lengthChange = out.length() - text.length(); // +insertions - deletions
      double typos = rate[sev - 1] * text.length();
      assertEquals(typos / 2, changed, 5 * Math.sqrt(typos), "severity " + sev);
      assertEquals(0, lengthChange, 5 * Math.sqrt(typos), "severity " + sev + " length drift");
    }
    // punctuation and spaces are never touched; a typo keeps the letter's case:
    // neighbours of a, b, d (upper case here) and of c (lower case)
    String mixed = "A, B! c? D.";
    String upper = "ABD" + "QWSZ" + "GHVN" + "ERXCSF";
    String lower = "c" + "dfxv";
    for (int s = 0; s < 200; s++) {
      String out = TextShift.apply(mixed, TextShift.CHAR_TYPO, 5, s, 0);
      assertEquals(", ! ? .", out.replaceAll("[A-Za-z]", ""), out);
      for (char c : out.toCharArray()) {
        if (Character.isUpperCase(c)) {
          assertTrue(upper.indexOf(c) >= 0, "unexpected '" + c + "' in " + out);
        } else if (Character.isLetter(c)) {
          assertTrue(lower.indexOf(c) >= 0, "unexpected '" + c + "' in " + out);
        }
      }
    }
  }

  @Test
  void qwertyNeighboursAreTheKeysAroundALetter() {
    Map<Character, String> expect = new HashMap<>();
    expect.put('s', "weadzx");
    expect.put('q', "wa");
    expect.put('p', "ol");
    expect.put('m', "jkn");
    expect.put('g', "tyfhbv");
    for (var e : expect.entrySet()) {
      char[] got = TextShift.neighboursOf(e.getKey());
      char[] want = e.getValue().toCharArray();
      Arrays.sort(got);
      Arrays.sort(want);
      assertArrayEquals(want, got, "neighbours of " + e.getKey());
    }
  }
}
