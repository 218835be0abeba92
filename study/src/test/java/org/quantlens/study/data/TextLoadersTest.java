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

class TextLoadersTest {
  @TempDir Path dir;

  private Path file(String name, String text) throws Exception {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, text);
  }

  private static void assertNames(DataLoadException e, String where) {
    assertTrue(e.getMessage().contains(where), () -> "expected '" + where + "' in: " + e.getMessage());
  }

  @Test
  void csvFollowsRfc4180Quoting() throws Exception {
    Path f = file("t.csv", "label,text\r\n"
        + "1,plain text\r\n"
        + "0,\"with, comma\"\r\n"
        + "1,\"she said \"\"hi\"\"\"\r\n"
        + "0,\"two\r\nlines\"\r\n"
        + "2,last without newline");
    TextDataset d = TextLoaders.csv("t", f, ',', true);
    assertEquals(List.of("plain text", "with, comma", "she said \"hi\"", "two\r\nlines", "last without newline"), d.texts());
    assertArrayEquals(new long[] {1, 0, 1, 0, 2}, d.labels().longs());
    assertEquals(List.of("0", "1", "2"), d.classes());
  }

  @Test
  void tsvWithNamedLabelsMapsThemToSortedClasses() throws Exception {
    Path f = file("t.tsv", "pos\tgood, \"really\"\nneg\tbad\npos\tfine\n");
    TextDataset d = TextLoaders.csv("t", f, '\t', false);
    assertEquals(List.of("neg", "pos"), d.classes());
    assertArrayEquals(new long[] {1, 0, 1}, d.labels().longs());
    assertEquals("good, \"really\"", d.text(0));
  }

  @Test
  void emptyTextNamesFileAndTheLineItStartsOn() throws Exception {
    Path f = file("e.csv", "1,\"multi\nline\"\n0,ok\n1,\"  \"\n");
    DataLoadException e = assertThrows(DataLoadException.class, () -> TextLoaders.csv("t", f, ',', false));
    assertNames(e, f + ":4");
  }

  @Test
  void unterminatedQuoteAndJunkAfterQuoteAreErrors() throws Exception {
    Path f = file("q.csv", "1,ok\n0,\"never closed\n");
    assertNames(assertThrows(DataLoadException.class, () -> TextLoaders.csv("t", f, ',', false)), f + ":2");
    Path g = file("j.csv", "1,\"closed\"junk\n");
    assertNames(assertThrows(DataLoadException.class, () -> TextLoaders.csv("t", g, ',', false)), g + ":1");
    Path h = file("three.csv", "1,a,b\n");
    assertNames(assertThrows(DataLoadException.class, () -> TextLoaders.csv("t", h, ',', false)), h + ":1");
  }

  @Test
  void aclImdbFoldersAreOrderedByIdAndInterleaved() throws Exception {
    file("aclImdb/train/neg/10_2.txt", "neg ten");
    file("aclImdb/train/neg/2_1.txt", "neg two");
    file("aclImdb/train/pos/0_9.txt", "pos zero<br />more");
    file("aclImdb/train/pos/3_10.txt", "pos three");
    file("aclImdb/train/pos/7_8.txt", "pos seven");
    file("aclImdb/train/unsup/0_0.txt", "ignored");
    TextDataset d = TextLoaders.imdb(dir, Split.TRAIN);
    assertEquals(List.of("neg two", "pos zero<br />more", "neg ten", "pos three", "pos seven"), d.texts());
    assertArrayEquals(new long[] {0, 1, 0, 1, 1}, d.labels().longs());
    assertEquals(TextLoaders.SENTIMENT, d.classes());
  }

  @Test
  void emptyImdbReviewIsAnErrorNamingTheFile() throws Exception {
    file("train/neg/1_1.txt", "fine");
    Path empty = file("train/pos/5_9.txt", " \n");
    assertNames(assertThrows(DataLoadException.class, () -> TextLoaders.imdb(dir, Split.TRAIN)), empty + ":1");
    assertNames(assertThrows(DataLoadException.class, () -> TextLoaders.imdb(dir, Split.TEST)), "test");
  }

  @Test
  void yelpDropsThreeStarsLabelsAbove3AndStopsAtTheLimits() throws Exception {
    Path f = file("yelp.csv", "review_id,stars,text,useful\n"
        + "a,5,\"great, really\",0\n"
        + "b,3,meh,1\n"
        + "c,1.0,awful,0\n"
        + "d,4,nice,0\n"
        + "e,2,poor,0\n");
    TextDataset d = TextLoaders.yelp(f, 100, 3);
    assertEquals(List.of("great, really", "awful", "nice"), d.texts());
    assertArrayEquals(new long[] {1, 0, 1}, d.labels().longs());
    TextDataset firstThreeRows = TextLoaders.yelp(f, 3, 100);
    assertEquals(List.of("great, really", "awful"), firstThreeRows.texts());
  }

  @Test
  void yelpErrorsNameFileAndLine() throws Exception {
    Path f = file("y.csv", "stars,text\n5,good\n4,\n");
    assertNames(assertThrows(DataLoadException.class, () -> TextLoaders.yelp(f, 100, 100)), f + ":3");
    Path g = file("nostars.csv", "rating,text\n5,good\n");
    assertNames(assertThrows(DataLoadException.class, () -> TextLoaders.yelp(g, 100, 100)), g + ":1");
  }

  @Test
  void labelledLinesTakeTheTrailingLabel() throws Exception {
    Path cr = file("CR.train", "works well , great 1\n\nbattery died 0\n");
    Path mr = file("MR.train", "a film\t1\n");
    TextDataset d = TextLoaders.labelledLines("cr+mr", List.of(cr, mr), 0);
    assertEquals(List.of("works well , great", "battery died", "a film"), d.texts());
    assertArrayEquals(new long[] {1, 0, 1}, d.labels().longs());
    assertEquals(2, TextLoaders.labelledLines("x", List.of(cr, mr), 2).size());
  }

  @Test
  void labelledLineErrorsNameFileAndLine() throws Exception {
    Path f = file("bad", "ok 1\nno label here\n");
    assertNames(assertThrows(DataLoadException.class, () -> TextLoaders.labelledLines("x", List.of(f), 0)), f + ":2");
    Path g = file("empty", "ok 0\n   1\n");
    DataLoadException e = assertThrows(DataLoadException.class, () -> TextLoaders.labelledLines("x", List.of(g), 0));
    assertNames(e, g + ":2");
    assertNames(e, "empty text");
  }
}
