package org.quantlens.study.shift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantlens.study.data.ImageDataset;

class GridTest {
  @TempDir Path dir;

  @Test
  void gridHasOneRowPerShiftAndSixColumnsOfSamplesAtTheDocumentedSize() throws Exception {
    ImageDataset ds = TestImages.digits(5, 3);
    List<String> names = List.of("mnist-c/fog", "mnist-c/stripe", "cifar10-c/contrast");
    Path png = dir.resolve("sub/grid.png");
    Shifts.grid(ds, names, 3, png);
    BufferedImage img = ImageIO.read(png.toFile());
    int s = 2; // 28 x 28 images are drawn twice as large
    int cellW = 3 * 28 * s + 2 * ShiftGrid.PAD;
    int cellH = 28 * s;
    assertEquals(ShiftGrid.LABEL_W + 6 * (cellW + ShiftGrid.GAP), img.getWidth());
    assertEquals(ShiftGrid.HEADER_H + 3 * (cellH + ShiftGrid.GAP), img.getHeight());
    // the clean column of each row shows the dataset's images pixel for pixel
    for (int row = 0; row < names.size(); row++) {
      int y0 = ShiftGrid.HEADER_H + row * (cellH + ShiftGrid.GAP);
      for (int n = 0; n < 3; n++) {
        int x0 = ShiftGrid.LABEL_W + n * (28 * s + ShiftGrid.PAD);
        for (int y = 0; y < 28; y++) {
          for (int x = 0; x < 28; x++) {
            int v = ds.images().bytes()[(n * 28 + y) * 28 + x] & 0xff;
            assertEquals(v, img.getRGB(x0 + x * s + 1, y0 + y * s + 1) & 0xff);
          }
        }
      }
    }
    // the stripe row's severity-3 cell starts with an inverted column (255 - x)
    int y0 = ShiftGrid.HEADER_H + (cellH + ShiftGrid.GAP);
    int x0 = ShiftGrid.LABEL_W + 3 * (cellW + ShiftGrid.GAP);
    int clean = ds.images().bytes()[0] & 0xff;
    assertEquals(255 - clean, img.getRGB(x0, y0) & 0xff);
    // labels: some dark pixels in the name column
    boolean ink = false;
    for (int y = 0; y < img.getHeight() && !ink; y++) {
      for (int x = 0; x < ShiftGrid.LABEL_W && !ink; x++) {
        ink = (img.getRGB(x, y) & 0xff) < 128;
      }
    }
    assertTrue(ink, "no label text drawn");
    try (var files = Files.list(png.getParent())) {
      assertEquals(1, files.count(), "a temporary file was left behind");
    }
  }

  @Test
  void rgbGridUsesColourAndItsOwnScale() throws Exception {
    ImageDataset ds = TestImages.scenes(2, 32, 32, 1);
    Path png = dir.resolve("rgb.png");
    Shifts.grid(ds, List.of("cifar10-c/saturate"), 2, png);
    BufferedImage img = ImageIO.read(png.toFile());
    int cellW = 2 * 32 * 2 + ShiftGrid.PAD;
    assertEquals(ShiftGrid.LABEL_W + 6 * (cellW + ShiftGrid.GAP), img.getWidth());
    assertEquals(ShiftGrid.HEADER_H + 64 + ShiftGrid.GAP, img.getHeight());
    int rgb = img.getRGB(ShiftGrid.LABEL_W, ShiftGrid.HEADER_H);
    byte[] px = ds.images().bytes();
    assertEquals(((px[0] & 0xff) << 16) | ((px[1] & 0xff) << 8) | (px[2] & 0xff), rgb & 0xffffff);
  }
}
