package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.engine.tensor.Tensor;

class IdxTest {
  static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
  static final List<String> TEN = Idx.MNIST_CLASSES;

  @TempDir Path dir;

  private Path file(String name, byte[] b) throws Exception {
    return Files.write(dir.resolve(name), b);
  }

  /** Two 2x3 images with pixels 0..11 and labels 7, 3, by the IDX spec. */
  private static byte[] images2x2x3() {
    return Bin.be().u8(0, 0, 8, 3).i32(2).i32(2).i32(3).u8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11).toBytes();
  }

  private static byte[] labels73() {
    return Bin.be().u8(0, 0, 8, 1).i32(2).u8(7, 3).toBytes();
  }

  private static void assertNamesFile(DataLoadException e, Path f) {
    assertTrue(e.getMessage().contains(f.toString()), () -> "message should name " + f + ": " + e.getMessage());
  }

  @Test
  void handMadeRawIdxGivesNhwcPixelsAndLabels() throws Exception {
    ImageDataset d = Idx.load("t", file("i", images2x2x3()), file("l", labels73()), TEN);
    assertArrayEquals(new int[] {2, 2, 3, 1}, d.images().shape());
    assertEquals(11, d.images().bytes()[11]);
    assertEquals(6, d.images().bytes()[6]);
    assertArrayEquals(new long[] {7, 3}, d.labels().longs());
  }

  @Test
  void gzipIsRecognisedByMagicBytesNotByName() throws Exception {
    Path gzNoSuffix = file("images.idx", Bin.gzip(images2x2x3()));
    Path rawWithGzName = file("labels.gz", labels73());
    ImageDataset d = Idx.load("t", gzNoSuffix, rawWithGzName, TEN);
    assertEquals(2, d.size());
    assertEquals(5, d.images().bytes()[5]);
    assertArrayEquals(new long[] {7, 3}, d.labels().longs());
  }

  @Test
  void labelsFilePassedAsImagesIsRejectedNamingFileAndExpectedMagic() throws Exception {
    Path f = file("labels-as-images", labels73());
    DataLoadException e = assertThrows(DataLoadException.class, () -> Idx.readImages(f));
    assertNamesFile(e, f);
    assertTrue(e.getMessage().contains("0x00000803") && e.getMessage().contains("0x00000801"), e.getMessage());
  }

  @Test
  void truncatedRawFileIsRejectedWithExpectedLength() throws Exception {
    byte[] b = images2x2x3();
    Path f = file("short", Arrays.copyOf(b, b.length - 1));
    DataLoadException e = assertThrows(DataLoadException.class, () -> Idx.readImages(f));
    assertNamesFile(e, f);
    assertTrue(e.getMessage().contains("expected 28"), e.getMessage());
  }

  @Test
  void truncatedGzipContentIsRejected() throws Exception {
    byte[] b = images2x2x3();
    Path f = file("short.gz", Bin.gzip(Arrays.copyOf(b, b.length - 3)));
    DataLoadException e = assertThrows(DataLoadException.class, () -> Idx.readImages(f));
    assertNamesFile(e, f);
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void cutGzipStreamIsRejectedNamingFile() throws Exception {
    byte[] gz = Bin.gzip(images2x2x3());
    Path f = file("cut.gz", Arrays.copyOf(gz, gz.length - 12));
    DataLoadException e = assertThrows(DataLoadException.class, () -> Idx.readImages(f));
    assertNamesFile(e, f);
  }

  @Test
  void trailingBytesAfterTheDataAreRejected() throws Exception {
    Path f = file("long.gz", Bin.gzip(Bin.be().bytes(images2x2x3()).u8(0).toBytes()));
    DataLoadException e = assertThrows(DataLoadException.class, () -> Idx.readImages(f));
    assertNamesFile(e, f);
  }

  @Test
  void truncatedHeaderIsRejected() throws Exception {
    Path f = file("hdr", Bin.be().u8(0, 0, 8, 3).i32(2).toBytes());
    DataLoadException e = assertThrows(DataLoadException.class, () -> Idx.readImages(f));
    assertNamesFile(e, f);
  }

  @Test
  void labelCountMismatchNamesTheLabelFile() throws Exception {
    Path l = file("three-labels", Bin.be().u8(0, 0, 8, 1).i32(3).u8(1, 2, 3).toBytes());
    Path i = file("two-images", images2x2x3());
    DataLoadException e = assertThrows(DataLoadException.class, () -> Idx.load("t", i, l, TEN));
    assertNamesFile(e, l);
    assertTrue(e.getMessage().contains("3 labels") && e.getMessage().contains("2 images"), e.getMessage());
  }

  @Test
  void labelBeyondTheClassesIsRejected() throws Exception {
    Path l = file("l", Bin.be().u8(0, 0, 8, 1).i32(2).u8(1, 10).toBytes());
    DataLoadException e = assertThrows(DataLoadException.class,
        () -> Idx.load("t", file("i", images2x2x3()), l, TEN));
    assertNamesFile(e, l);
  }

  @Test
  void writerOutputReadsBackIdentically() throws Exception {
    Tensor x = Idx.readImages(file("i", images2x2x3()));
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    Idx.writeImages(o, x);
    assertArrayEquals(images2x2x3(), o.toByteArray());
  }

  /** Reads an IDX file with a plain DataInputStream, as the format's description reads. */
  private static byte[] naiveImages(Path gz, int[] count) throws Exception {
    try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(gz)))) {
      assertEquals(2051, in.readInt());
      count[0] = in.readInt();
      int h = in.readInt();
      int w = in.readInt();
      byte[] b = new byte[count[0] * h * w];
      in.readFully(b);
      return b;
    }
  }

  @Test
  void realFashionMnistHas60000And10000ImagesWithBalancedClassesAndExactPixels() throws Exception {
    assumeTrue(Files.isDirectory(FASHION), "Fashion-MNIST not installed at " + FASHION
        + " (apt-get install dataset-fashion-mnist); skipping the real-data check");
    for (String[] s : new String[][] {{"train", "60000", "6000"}, {"t10k", "10000", "1000"}}) {
      ImageDataset d = Idx.load(s[0], FASHION.resolve(s[0] + "-images-idx3-ubyte.gz"),
          FASHION.resolve(s[0] + "-labels-idx1-ubyte.gz"), Idx.FASHION_MNIST_CLASSES);
      assertEquals(Integer.parseInt(s[1]), d.size());
      assertArrayEquals(new int[] {d.size(), 28, 28, 1}, d.images().shape());
      int[] hist = new int[10];
      for (long l : d.labels().longs()) {
        hist[(int) l]++;
      }
      int[] expected = new int[10];
      Arrays.fill(expected, Integer.parseInt(s[2]));
      assertArrayEquals(expected, hist);
      int[] n = new int[1];
      assertArrayEquals(naiveImages(FASHION.resolve(s[0] + "-images-idx3-ubyte.gz"), n), d.images().bytes());
      try (InputStream in = new GZIPInputStream(Files.newInputStream(FASHION.resolve(s[0] + "-labels-idx1-ubyte.gz")))) {
        byte[] raw = in.readAllBytes();
        for (int i = 0; i < d.size(); i++) {
          assertEquals(raw[8 + i] & 0xff, d.labels().longs()[i]);
        }
      }
    }
  }
}
