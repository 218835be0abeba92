package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarTest {
  @TempDir Path dir;

  /** Plane value of channel {@code c} at pixel {@code p} of image {@code img}: a distinct pattern. */
  private static int plane(int img, int c, int p) {
    return (p * (c + 1) + 7 * img + 50 * c) & 0xff;
  }

  /** CIFAR records: label byte(s), then R, G, B planes of 1024 bytes each. */
  private static byte[] records(int[][] labels, int firstImage) {
    Bin b = Bin.be();
    for (int r = 0; r < labels.length; r++) {
      b.u8(labels[r]);
      for (int c = 0; c < 3; c++) {
        for (int p = 0; p < 1024; p++) {
          b.u8(plane(firstImage + r, c, p));
        }
      }
    }
    return b.toBytes();
  }

  private static void assertPixels(ImageDataset d) {
    byte[] px = d.images().bytes();
    for (int i = 0; i < d.size(); i++) {
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
          for (int c = 0; c < 3; c++) {
            assertEquals(plane(i, c, y * 32 + x), px[((i * 32 + y) * 32 + x) * 3 + c] & 0xff);
          }
        }
      }
    }
  }

  @Test
  void cifar10FolderLoadsFiveBatchesInOrderConvertedToNhwc() throws Exception {
    Path d = Files.createDirectories(dir.resolve("cifar-10-batches-bin"));
    for (int i = 1; i <= 5; i++) {
      Files.write(d.resolve("data_batch_" + i + ".bin"), records(new int[][] {{i}, {9 - i}}, 2 * (i - 1)));
    }
    Files.write(d.resolve("test_batch.bin"), records(new int[][] {{3}}, 0));
    ImageDataset train = Cifar.load10(dir, Split.TRAIN);
    assertArrayEquals(new int[] {10, 32, 32, 3}, train.images().shape());
    assertArrayEquals(new long[] {1, 8, 2, 7, 3, 6, 4, 5, 5, 4}, train.labels().longs());
    assertPixels(train);
    assertEquals(Cifar.CIFAR10_CLASSES, train.classes());
    ImageDataset test = Cifar.load10(d, Split.TEST);
    assertEquals(1, test.size());
    assertEquals(3, test.labels().longs()[0]);
  }

  @Test
  void cifar10ClassNamesComeFromBatchesMetaWhenPresent() throws Exception {
    Files.write(dir.resolve("test_batch.bin"), records(new int[][] {{0}}, 0));
    Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
    assertEquals(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"),
        Cifar.load10(dir, Split.TEST).classes());
  }

  @Test
  void cifar100PicksFineOrCoarseLabelByte() throws Exception {
    Files.write(dir.resolve("test.bin"), records(new int[][] {{19, 99}, {4, 30}}, 0));
    ImageDataset fine = Cifar.load100(dir, Split.TEST, true);
    ImageDataset coarse = Cifar.load100(dir, Split.TEST, false);
    assertArrayEquals(new long[] {99, 30}, fine.labels().longs());
    assertArrayEquals(new long[] {19, 4}, coarse.labels().longs());
    assertEquals("worm", fine.classes().get(99));
    assertEquals("vehicles_2", coarse.classes().get(19));
    assertPixels(fine);
  }

  @Test
  void classListsHaveTheRightSizesAndNoDuplicates() {
    assertEquals(10, new HashSet<>(Cifar.CIFAR10_CLASSES).size());
    assertEquals(20, new HashSet<>(Cifar.CIFAR100_COARSE).size());
    assertEquals(100, new HashSet<>(Cifar.CIFAR100_FINE).size());
    assertEquals(Cifar.CIFAR100_FINE.stream().sorted().toList(), Cifar.CIFAR100_FINE);
    assertEquals(Cifar.CIFAR100_COARSE.stream().sorted().toList(), Cifar.CIFAR100_COARSE);
  }

  @Test
  void partialRecordIsRejectedNamingFileAndRecordSize() throws Exception {
    byte[] b = records(new int[][] {{1}}, 0);
    Path f = Files.write(dir.resolve("bad.bin"), java.util.Arrays.copyOf(b, b.length - 1));
    DataLoadException e = assertThrows(DataLoadException.class,
        () -> Cifar.load10("t", List.of(f), Cifar.CIFAR10_CLASSES));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("3073"), e.getMessage());
  }

  @Test
  void labelOutsideTenClassesIsRejected() throws Exception {
    Path f = Files.write(dir.resolve("bad.bin"), records(new int[][] {{10}}, 0));
    DataLoadException e = assertThrows(DataLoadException.class,
        () -> Cifar.load10("t", List.of(f), Cifar.CIFAR10_CLASSES));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
  }

  @Test
  void missingBatchIsRejectedNamingIt() {
    DataLoadException e = assertThrows(DataLoadException.class, () -> Cifar.load10(dir, Split.TEST));
    assertTrue(e.getMessage().contains("test_batch.bin"), e.getMessage());
  }
}
