package org.quantlens.study.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
  @TempDir Path dir;

  private Path png(String cls, String name, BufferedImage img) throws Exception {
    Path f = Files.createDirectories(dir.resolve(cls)).resolve(name);
    ImageIO.write(img, "png", f.toFile());
    return f;
  }

  private static BufferedImage gray(int w, int h, int base) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.getRaster().setSample(x, y, 0, base + 10 * y + x);
      }
    }
    return img;
  }

  private static BufferedImage rgb(int w, int h, int r, int g, int b) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r << 16 | g << 8 | b);
      }
    }
    return img;
  }

  @Test
  void grayPngsGiveOneChannelSortedClassesAndExactPixels() throws Exception {
    png("zebra", "b.png", gray(3, 2, 100));
    png("ant", "2.png", gray(3, 2, 50));
    png("ant", "1.png", gray(3, 2, 0));
    Files.writeString(dir.resolve("ant").resolve("notes.txt"), "ignored");
    ImageDataset d = ImageFolder.load("t", dir);
    assertEquals(List.of("ant", "zebra"), d.classes());
    assertArrayEquals(new int[] {3, 2, 3, 1}, d.images().shape());
    assertArrayEquals(new long[] {0, 0, 1}, d.labels().longs());
    // files sorted by name: 1.png (base 0), 2.png (base 50), then zebra/b.png (base 100)
    assertEquals(0, d.images().bytes()[0]);
    assertEquals(50 + 12, d.images().bytes()[6 + 5]);
    assertEquals(100 + 11, d.images().bytes()[12 + 4] & 0xff);
  }

  @Test
  void colourImagesGiveRgbOrLumaOnRequest() throws Exception {
    png("a", "x.png", rgb(2, 2, 200, 100, 50));
    png("b", "y.png", gray(2, 2, 7));
    ImageDataset d = ImageFolder.load("t", dir);
    assertEquals(3, d.channels());
    assertArrayEquals(new byte[] {(byte) 200, 100, 50}, java.util.Arrays.copyOf(d.images().bytes(), 3));
    assertEquals(7, d.images().bytes()[12]);
    ImageDataset g = ImageFolder.load("t", dir, 1);
    assertEquals(1, g.channels());
    assertEquals(124, g.images().bytes()[0] & 0xff); // 0.299*200 + 0.587*100 + 0.114*50 = 124.2
  }

  @Test
  void jpegFilesAreReadToo() throws Exception {
    Path f = Files.createDirectories(dir.resolve("c")).resolve("p.JPG");
    ImageIO.write(rgb(8, 8, 120, 120, 120), "jpg", f.toFile());
    ImageDataset d = ImageFolder.load("t", dir);
    assertEquals(1, d.size());
    assertTrue(Math.abs((d.images().bytes()[0] & 0xff) - 120) <= 3, "JPEG is lossy, but not by much on a flat image");
  }

  @Test
  void imageOfAnotherSizeIsRejectedNamingIt() throws Exception {
    png("a", "1.png", gray(3, 2, 0));
    Path odd = png("b", "2.png", gray(4, 2, 0));
    DataLoadException e = assertThrows(DataLoadException.class, () -> ImageFolder.load("t", dir));
    assertTrue(e.getMessage().contains(odd.toString()) && e.getMessage().contains("3x2"), e.getMessage());
  }

  @Test
  void undecodableImageIsRejectedNamingIt() throws Exception {
    Path bad = Files.createDirectories(dir.resolve("a")).resolve("broken.png");
    Files.writeString(bad, "not a png");
    DataLoadException e = assertThrows(DataLoadException.class, () -> ImageFolder.load("t", dir));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
  }

  @Test
  void folderWithoutClassesIsRejected() {
    DataLoadException e = assertThrows(DataLoadException.class, () -> ImageFolder.load("t", dir));
    assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
  }
}
