package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.tensor.DType;
import org.quantlens.engine.tensor.Tensor;
import org.quantlens.study.data.Vocabulary.Side;

class VocabularyTest {
  @TempDir Path dir;

  @Test
  void tokenizerLowercasesSplitsOnNonWordCharactersAndKeepsInnerApostrophes() {
    assertEquals(List.of("don't", "stop", "quoted", "well", "known", "3", "14", "it's", "café"),
        Tokenizer.tokenize("Don't STOP<br />'quoted' well-known, 3.14!! It’s Café"));
    assertEquals(List.of(), Tokenizer.tokenize("  ''  ...  "));
  }

  @Test
  void fitRanksByCountThenAlphabetically() {
    Vocabulary v = Vocabulary.fit(List.of("b a c", "a b d", "e"), 3);
    // counts a=2 b=2 c=1 d=1 e=1: a, b, then c (first alphabetically among the ones)
    assertEquals(List.of("a", "b", "c"), v.words());
    assertEquals(5, v.size());
    assertEquals(2, v.id("a"));
    assertEquals(4, v.id("c"));
    assertEquals(Vocabulary.OOV, v.id("d"));
    assertEquals("<pad>", v.word(0));
    assertEquals("c", v.word(4));
  }

  @Test
  void encodePadsAndTruncatesAtTheRequestedSide() {
    Vocabulary v = Vocabulary.fit(List.of("a b c d"), 10);
    // ids: a=2 b=3 c=4 d=5 (all count 1, alphabetical)
    assertArrayEquals(new int[] {0, 0, 2, 1}, v.encode("a zzz", 4, Side.PRE, Side.PRE));
    assertArrayEquals(new int[] {2, 1, 0, 0}, v.encode("a zzz", 4, Side.POST, Side.PRE));
    assertArrayEquals(new int[] {4, 5}, v.encode("a b c d", 2, Side.PRE, Side.PRE));
    assertArrayEquals(new int[] {2, 3}, v.encode("a b c d", 2, Side.PRE, Side.POST));
    Tensor t = v.encodeAll(List.of("d", "a b"), 3, Side.POST, Side.POST);
    assertEquals(DType.I64, t.dtype());
    assertArrayEquals(new long[] {5, 0, 0, 2, 3, 0}, t.longs());
  }

  @Test
  void savedFileHasOneWordPerLineAndLoadsToTheSameIds() throws Exception {
    Vocabulary v = Vocabulary.fit(List.of("the cat and the hat", "the end"), 100);
    Path f = dir.resolve("vocab.txt");
    v.save(f);
    List<String> lines = Files.readAllLines(f);
    assertEquals("<pad>", lines.get(0));
    assertEquals("<oov>", lines.get(1));
    assertEquals("the", lines.get(2));
    assertEquals(v.size(), lines.size());
    Vocabulary w = Vocabulary.load(f);
    assertEquals(v.words(), w.words());
    assertArrayEquals(v.encode("the hat is here", 6, Side.PRE, Side.PRE), w.encode("the hat is here", 6, Side.PRE, Side.PRE));
  }

  @Test
  void malformedVocabularyFileNamesFileAndLine() throws Exception {
    Path f = Files.writeString(dir.resolve("v.txt"), "<pad>\n<oov>\na\nb\na\n");
    DataLoadException e = assertThrows(DataLoadException.class, () -> Vocabulary.load(f));
    assertTrue(e.getMessage().contains(f + ":5"), e.getMessage());
    Path g = Files.writeString(dir.resolve("w.txt"), "a\nb\n");
    e = assertThrows(DataLoadException.class, () -> Vocabulary.load(g));
    assertTrue(e.getMessage().contains(g + ":1"), e.getMessage());
  }
}
